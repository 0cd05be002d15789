"""Figures (ge2e.results.plots): the readers of the loss log and scores files, and an atomic PNG."""

import numpy as np
from feature_sets import feature_set

from ge2e.evaluate import protocols
from ge2e.results import plots


def test_scores_read_back_as_evaluate_writes_them(tmp_path):
    fs = feature_set([2, 3])
    emb = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.2, 1.0], [0.1, 1.0]])
    trials = protocols.full_trials(emb, fs.speakers)
    protocols.write_scores(tmp_path / "scores.tsv", fs, trials)
    scores, labels = plots.read_scores(tmp_path / "scores.tsv")
    assert np.allclose(scores, trials["scores"].ravel(), atol=1e-6)
    assert np.array_equal(labels, trials["labels"].ravel())


def test_loss_log_of_one_or_many_steps_and_its_figure(tmp_path):
    log = tmp_path / "loss.tsv"
    log.write_text("epoch\tstep\tloss\ttotal_loss\n1\t1\t9.5\t9.5\n")
    one = {k: v.tolist() for k, v in plots.read_loss(log).items()}  # arrays even for a single row
    assert one == dict(epoch=[1.0], step=[1.0], loss=[9.5], total_loss=[9.5])
    log.write_text("epoch\tstep\tloss\ttotal_loss\n1\t1\t9.5\t9.5\n1\t2\t8.5\t9.0\n")
    assert plots.read_loss(log)["total_loss"].tolist() == [9.5, 9.0]
    png = tmp_path / "plots" / "loss.png"
    plots.loss_curves([log], png, "TI-SV, const learning rate")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and [p.name for p in png.parent.iterdir()] == ["loss.png"]
    plots.loss_curves([log, log], png, "TI-SV, const learning rate", seeds=[1, 2])  # every seed in one figure
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_eer_over_a_variant_setting_from_the_per_seed_table(tmp_path):
    """tools/variant_curve.py: docs/results.md's plot of EER over the number of real training speakers, drawn from the
    per-seed TSV the table rule writes."""
    import pytest

    from ge2e.evaluate.metrics import P_TARGETS, dcf_key
    from ge2e.results.table import read_per_seed, render_per_seed
    from tools import variant_curve

    def record(variant, seed, eer):
        result = {"eer_avg": eer, "eer_full": eer, "eer_full_ci95": [eer, eer]} | {dcf_key(p): 0.5 for p in P_TARGETS}
        return {"set": "test", "task": "tisv", "variant": variant, "schedule": "step", "checkpoint": "best"} | {
            "seed": seed, "result": result,
        }  # fmt: skip

    tsv = tmp_path / "eer_per_seed.tsv"
    tsv.write_text(render_per_seed([record(v, s, e) for v, e in (("default", 0.05), ("few", 0.2)) for s in (1, 2)]))
    assert [r["eer_full"] for r in read_per_seed(tsv, variant="few", seed=2)] == ["0.200000"]
    png = tmp_path / "curve.png"
    variant_curve.main([str(tsv), str(png), "--points", "default=200", "few=50", "--xlabel", "speakers"])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(SystemExit, match="no rows of variant absent"):
        variant_curve.main([str(tsv), str(png), "--points", "absent=1", "--xlabel", "speakers"])


def test_the_decision_figure_marks_where_the_validation_thresholds_land(tmp_path):
    fs = feature_set([3, 3, 3])
    rng = np.random.default_rng(0)
    emb = rng.standard_normal((9, 4)) + np.repeat(np.eye(3, 4) * 2, 3, axis=0)
    trials = protocols.full_trials(emb, fs.speakers)
    protocols.write_scores(tmp_path / "a_scores.tsv", fs, trials, llr=2 * trials["scores"])
    scores, _ = plots.read_scores(tmp_path / "a_scores.tsv")  # the llr column comes after the four read here
    assert np.allclose(scores, trials["scores"].ravel(), atol=1e-6)
    decision = {"far_at_eer": 0.2, "frr_at_eer": 0.3, "far_at_far1": 0.0, "frr_at_far1": 0.8}
    png = tmp_path / "decisions.png"
    systems = [("ours", tmp_path / "a_scores.tsv", decision, False), ("old", tmp_path / "a_scores.tsv", None, True)]
    plots.decision_points(systems, png, "tisv")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    header = (tmp_path / "a_scores.tsv").read_text().splitlines()[0]
    assert header == "enrol_speaker\ttest_utterance\tscore\tlabel\tllr"


def test_a_halved_utterances_scores_are_read_whole(tmp_path):
    from ge2e.evaluate.protocols import HALVES

    path = tmp_path / "scores.tsv"
    path.write_text(
        "enrol_speaker\ttest_utterance\tscore\tlabel\tllr\n"
        f"a\tu1{HALVES[1]}\t0.75\t1\t0.3\n"
        f"b\tu1{HALVES[1]}\t0.25\t0\t-2.0\n"
    )
    scores, labels = plots.read_scores(path)
    assert scores.tolist() == [0.75, 0.25] and labels.tolist() == [1, 0]
