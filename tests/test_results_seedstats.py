"""Statistics over training seeds (ge2e.results.seedstats): weighted EERs, the two-level bootstrap, reading score
files."""

import json

import numpy as np
import pytest
from feature_sets import feature_set

from ge2e.errors import InputError
from ge2e.evaluate import metrics, protocols
from ge2e.evaluate.trial_scores import write_trial_scores
from ge2e.results import seedstats, table
from ge2e.results.rows import MeanRow, SeedFiles, TableRow


def trials(scores, speakers=4, per_speaker=3, seed=0):
    """Full trials of ``speakers`` x ``per_speaker`` test utterances against every speaker, with ``scores``
    (K,) or, given a float, target scores shifted up by that much over noise."""
    test = np.repeat(np.arange(speakers), per_speaker)  # (U,)
    enrol = np.tile(np.arange(speakers), len(test))  # (K,)
    test = np.repeat(test, speakers)
    labels = enrol == test
    if np.isscalar(scores):
        scores = np.random.default_rng(seed).normal(size=len(labels)) + scores * labels
    return seedstats.Trials(np.asarray(scores, float), labels, enrol, test, speakers)


def test_weighted_eer_is_the_eer_of_the_trials_repeated():
    rng = np.random.default_rng(3)
    scores = np.round(rng.normal(size=200), 1)  # many ties
    labels = rng.random(200) < 0.3
    weights = rng.integers(0, 4, (25, 200))
    got = seedstats.SortedTrials(scores, labels).eers(weights)
    for row, rate in zip(weights, got, strict=True):
        kept = np.repeat(labels, row)
        if kept.all() or not kept.any():
            assert np.isnan(rate)
        else:
            assert rate == pytest.approx(metrics.eer(np.repeat(scores, row), kept), abs=1e-12)
    assert np.isnan(seedstats.SortedTrials(scores, labels).eers(np.zeros((1, 200)))[0])


def test_scores_files_read_back_with_the_speakers_of_both_sides(tmp_path):
    fs = feature_set([3, 4, 3])
    emb = np.random.default_rng(0).normal(size=(len(fs), 4))
    full = protocols.full_trials(emb, fs.speakers)
    protocols.write_scores(tmp_path / "full.tsv", fs, full)
    got = seedstats.read_trials(tmp_path / "full.tsv")
    assert got.n_speakers == 3 and np.array_equal(got.labels, full["labels"].ravel().astype(bool))
    assert np.array_equal(got.labels, got.enrol == got.test)  # a full trial is a target exactly when both agree
    assert np.allclose(got.scores, full["scores"].ravel(), atol=1e-6)
    names = (np.array(["s0", "s1"]), np.array(["s1", "s1"]))
    write_trial_scores(
        tmp_path / "list.tsv", ["m0", "m1"], ["u1", "u2"], np.array([0.1, 0.9]), np.array([0, 1]), names, [0.2, 0.8]
    )
    listed = seedstats.read_trials(tmp_path / "list.tsv")
    assert listed.enrol.tolist() == [0, 1] and listed.test.tolist() == [1, 1] and listed.labels.tolist() == [0, 1]


def test_one_seed_is_passed_through_and_several_are_averaged():
    one = {"eer_avg": 0.2, "eer_full": 0.1, "eer_full_ci95": [0.05, 0.2], "min_dcf_0.05": 0.5}
    assert seedstats.summarise([one], None, np.random.default_rng(0), 100) is one
    results = [
        {"eer_avg": 0.2, "eer_full": 0.1, "min_dcf_0.05": 0.4, "min_dcf_0.01": 1, "min_dcf_0.001": 1},
        {"eer_avg": 0.4, "eer_full": 0.3, "min_dcf_0.05": 0.6, "min_dcf_0.01": 1, "min_dcf_0.001": 1},
    ]
    per_seed = [trials(3.0, seed=0), trials(0.5, seed=1)]
    got = seedstats.summarise(results, per_seed, np.random.default_rng(0), 300)
    assert got["eer_full"] == pytest.approx(0.2) and got["eer_avg"] == pytest.approx(0.3) and got["seeds"] == 2
    low, high = got["eer_full_ci95"]
    assert low < high


def test_the_interval_counts_the_spread_of_seeds_as_well_as_the_speakers():
    good, bad = trials(3.0, speakers=8, seed=0), trials(0.3, speakers=8, seed=1)
    same = seedstats.mean_interval([good, good], np.random.default_rng(0), 500)
    mixed = seedstats.mean_interval([good, bad], np.random.default_rng(0), 500)
    rates = [metrics.eer(t.scores, t.labels) for t in (good, bad)]
    assert mixed[1] - mixed[0] > same[1] - same[0]  # two different seeds: a wider interval than one seed twice
    assert mixed[0] <= np.mean(rates) <= mixed[1] and mixed[1] >= rates[1] - 0.05


def test_a_paired_difference_is_zero_against_itself_and_signed_against_a_worse_system():
    a = [trials(3.0, speakers=6, seed=s) for s in range(3)]
    worse = [trials(0.2, speakers=6, seed=10 + s) for s in range(3)]
    assert seedstats.paired_interval(a, a, np.random.default_rng(0), 200) == (0.0, 0.0)
    low, high = seedstats.paired_interval(worse, a, np.random.default_rng(0), 200)
    assert 0 < low < high


def test_seeds_scored_on_other_trials_are_refused():
    with pytest.raises(InputError, match="the seeds were not scored on the same trials"):
        seedstats.mean_interval([trials(1.0), trials(1.0, speakers=5)], np.random.default_rng(0), 10)


def test_table_cells_give_the_mean_and_each_seeds_record(tmp_path):
    fs = feature_set([3, 3, 3])
    rows, per_seed = [], []
    for seed in (1, 2):
        emb = np.random.default_rng(seed).normal(size=(len(fs), 4))
        full = protocols.full_trials(emb, fs.speakers)
        protocols.write_scores(tmp_path / f"{seed}.tsv", fs, full)
        result = {"eer_avg": None, "eer_full": 0.1 * seed, "eer_full_ci95": [0, 1]}
        result |= {f"min_dcf_{p}": 0.5 for p in metrics.P_TARGETS}
        (tmp_path / f"{seed}.json").write_text(json.dumps(result))
        per_seed.append(SeedFiles(seed, str(tmp_path / f"{seed}.json"), str(tmp_path / f"{seed}.tsv")))
    rows = [TableRow("Ours", "default", "const", "final", {"tisv": per_seed})]
    results, records = seedstats.table_cells(rows, "test", 7, 100)
    assert results[0][0] == "Ours" and results[0][1]["tisv"]["eer_full"] == pytest.approx(0.15)
    assert results[0][1]["tisv"]["eer_avg"] is None and results[0][1]["tisv"]["seeds"] == 2
    assert [(r["seed"], r["result"]["eer_full"], r["set"]) for r in records] == [(1, 0.1, "test"), (2, 0.2, "test")]


def test_over_seeds_the_decision_measures_are_averaged():
    base = {"eer_avg": 0.2, "eer_full": 0.1, "min_dcf_0.05": 0.4, "min_dcf_0.01": 1, "min_dcf_0.001": 1}
    results = [
        base | {"decision": {"cllr": 0.5, "far_at_eer": 0.1, "calibration": {"scale": 1.0}}},
        base | {"decision": {"cllr": 0.7, "far_at_eer": 0.3, "calibration": {"scale": 2.0}}},
    ]
    got = seedstats.summarise(results, [trials(3.0, seed=0), trials(0.5, seed=1)], np.random.default_rng(0), 50)
    assert got["decision"] == pytest.approx({"cllr": 0.6, "far_at_eer": 0.2})  # each seed's own calibration's
    assert "decision" not in seedstats.summarise(
        [base, results[0]], [trials(3.0), trials(3.0)], np.random.default_rng(0), 50
    )


def named(t, names):
    """``t`` (Trials) with its speakers named ``names`` (one per number)."""
    return seedstats.Trials(t.scores, t.labels, t.enrol, t.test, t.n_speakers, np.asarray(names))


def test_one_group_of_means_is_the_mean_interval_draw_for_draw():
    per_seed = [named(trials(shift, speakers=5, seed=s), list("abcde")) for s, shift in enumerate((3.0, 1.0))]
    one = seedstats.mean_of_means_interval([per_seed], np.random.default_rng(4), 300)
    assert one == seedstats.mean_interval(per_seed, np.random.default_rng(4), 300)
    unnamed = [trials(shift, speakers=5, seed=s) for s, shift in enumerate((3.0, 1.0))]
    assert seedstats.mean_interval(unnamed, np.random.default_rng(4), 300) == one


def test_a_speaker_tested_on_several_keywords_is_drawn_once_for_all_of_them():
    """Two keywords of the same five people with the same scores: one bootstrap (each draw's two means agree), not
    two independent ones, which would average the draws' errors away and narrow the interval."""
    same = [named(trials(1.0, speakers=5, seed=s), list("abcde")) for s in (1, 2)]
    strangers = [named(trials(1.0, speakers=5, seed=s), list("vwxyz")) for s in (1, 2)]
    alone = seedstats.mean_interval(same, np.random.default_rng(0), 2000)
    assert seedstats.mean_of_means_interval([same, same], np.random.default_rng(0), 2000) == alone
    low, high = seedstats.mean_of_means_interval([same, strangers], np.random.default_rng(0), 2000)
    assert high - low < alone[1] - alone[0]  # other people's trials: independent draws, a narrower interval


def test_a_mean_over_keywords_averages_each_seed_over_the_keywords_then_the_seeds():
    def result(eer, cllr):
        return {"eer_avg": eer, "eer_full": eer / 2, "min_dcf_0.05": 0.5, "min_dcf_0.01": 1, "min_dcf_0.001": 1,
                "decision": {"cllr": cllr, "calibration": {"scale": 1.0}}}  # fmt: skip

    yes = ([result(0.1, 0.2), result(0.3, 0.4)], [named(trials(2.0, seed=s), list("abcd")) for s in (1, 2)])
    no = ([result(0.2, 0.6), result(0.6, 0.8)], [named(trials(1.0, seed=s), list("bcde")) for s in (3, 4)])
    got = seedstats.summarise_mean([yes, no], np.random.default_rng(0), 200)
    assert got["eer_avg"] == pytest.approx((0.15 + 0.45) / 2) and got["eer_full"] == pytest.approx(0.15)
    assert got["decision"] == pytest.approx({"cllr": 0.5}) and got["seeds"] == 2 and got["keywords"] == 2
    low, high = got["eer_full_ci95"]
    assert 0 <= low < high <= 1
    baseline = seedstats.summarise_mean([([result(0.1, 0.2)], yes[1][:1]), ([result(0.3, 0.2)], no[1][:1])],
                                        np.random.default_rng(0), 200)  # fmt: skip
    assert baseline["eer_avg"] == pytest.approx(0.2) and "seeds" not in baseline  # no seed: the keywords alone
    with pytest.raises(InputError, match="not trained at the same seeds"):
        seedstats.mean_of_means_interval([yes[1], no[1][:1]], np.random.default_rng(0), 10)


def test_table_cells_place_each_mean_row_after_the_rows_of_its_kind(tmp_path):
    fs = feature_set([3, 3, 3])
    seeds = {}
    for name, shift in (("yes", 0), ("no", 1)):
        for seed in (1, 2):
            emb = np.random.default_rng(seed + 10 * shift).normal(size=(len(fs), 4))
            protocols.write_scores(tmp_path / f"{name}{seed}.tsv", fs, protocols.full_trials(emb, fs.speakers))
            result = {"eer_avg": 0.1 * seed + shift, "eer_full": 0.1, "eer_full_ci95": [0, 1]}
            (tmp_path / f"{name}{seed}.json").write_text(
                json.dumps(result | {f"min_dcf_{p}": 0.5 for p in metrics.P_TARGETS})
            )
            seeds.setdefault(name, []).append(
                SeedFiles(seed, str(tmp_path / f"{name}{seed}.json"), str(tmp_path / f"{name}{seed}.tsv"))
            )
    rows = [
        TableRow("Ours: final", "default", "const", "final", {"tdsv": seeds["yes"], "tisv": seeds["yes"]}),
        TableRow("Ours, word_no: final", "word_no", "const", "final", {"tdsv": seeds["no"], "tisv": seeds["yes"]}),
        TableRow("MFCC", "default", None, "mfcc", {"tdsv": seeds["yes"][:1], "tisv": seeds["yes"][:1]}),
    ]
    mean = MeanRow("Ours, mean over keywords: final", "tdsv", ("Ours: final", "Ours, word_no: final"), ("yes", "no"),
                   "Ours, word_no: final")  # fmt: skip
    results, records = seedstats.table_cells(rows, "test", 7, 100, [mean])
    assert [label for label, _ in results] == ["Ours: final", "Ours, word_no: final", mean.label, "MFCC"]
    cells = results[2][1]
    assert cells["tdsv"]["eer_avg"] == pytest.approx(0.65) and cells["tisv"] is table.OTHER_TASK
    assert len(records) == 2 * 2 + 2 * 2 + 2  # the mean row adds no seed's record
    assert seedstats.table_cells(rows, "test", 7, 100)[0] == [r for r in results if r[0] != mean.label]
