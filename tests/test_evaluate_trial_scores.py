"""A published trial list scored as listed (ge2e.evaluate.trial_scores): AS-norm as its formula reads, a list
of the full trials scored as the full-trial protocol, models of unit embeddings, raw scores kept beside."""

import numpy as np
import pytest
from feature_sets import feature_set

from ge2e.evaluate import protocols, trial_scores


def reference_as_norm(scores, enrol, test, enrol_index, test_index, cohort, top_k):
    """AS-norm trial by trial, as the formula reads: each side's K best cosines with the cohort speakers."""
    out = []
    for k, s in enumerate(scores):
        terms = []
        for side in (enrol[enrol_index[k]], test[test_index[k]]):
            sims = sorted((float(side @ c) for c in cohort), reverse=True)[: min(top_k, len(cohort))]
            mu = sum(sims) / len(sims)
            sd = (sum((x - mu) ** 2 for x in sims) / len(sims)) ** 0.5
            terms.append((s - mu) / sd)
        out.append(0.5 * sum(terms))
    return np.array(out)


def test_as_norm_matches_the_trial_by_trial_formula():
    rng = np.random.default_rng(11)

    def units(n):
        x = rng.normal(size=(n, 8))
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    enrol, test, cohort = units(5), units(7), units(12)
    enrol_index, test_index = rng.integers(0, 5, 40), rng.integers(0, 7, 40)
    scores = np.einsum("kd,kd->k", enrol[enrol_index], test[test_index])
    for top_k in (3, 12, 50):  # 50: more than the cohort holds, so all 12
        got = trial_scores.as_norm(scores, enrol, test, enrol_index, test_index, cohort, top_k)
        want = reference_as_norm(scores, enrol, test, enrol_index, test_index, cohort, top_k)
        assert np.allclose(got, want, rtol=0, atol=1e-12)
    # A shift and scale shared by a trial's cohort scores cancels: AS-norm of a cohort score is centred.
    got = trial_scores.as_norm(enrol @ cohort[0], enrol, test, np.arange(5), np.zeros(5, int), cohort, 12)
    assert got.shape == (5,) and np.isfinite(got).all()


class Table:
    """An embedder with a fixed random embedding per utterance (in the set's order)."""

    def __init__(self, rows, seed=0):
        self.emb = np.random.default_rng(seed).normal(size=(rows, 6)).astype(np.float32)
        self.emb /= np.linalg.norm(self.emb, axis=1, keepdims=True)

    def utterances(self, fs):
        return self.emb[[int(u.split("_")[1]) + 10 * int(u[1:].split("_")[0]) for u in fs.utterances]]


def full_protocol_as_a_list(fs):
    """The full-trial protocol of ``fs`` written as a Kaldi-form trial list: model = a speaker's first half."""
    from ge2e.evaluate.trial_lists import TrialList

    pairs, tests = [], []
    for spk, idx in fs.by_speaker().items():
        k = max(1, len(idx) // 2)
        pairs += [(spk, str(fs.utterances[i])) for i in idx[:k]]
        tests += [str(fs.utterances[i]) for i in idx[k:]]
    speakers = sorted(fs.by_speaker())
    enrol = [m for _ in tests for m in speakers]
    test = [u for u in tests for _ in speakers]
    labels = [int(u.split("_")[0] == m) for u, m in zip(test, enrol, strict=True)]
    return TrialList(
        np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs]), np.array(enrol), np.array(test),
        np.array(labels, np.int8),
    )  # fmt: skip


def test_a_list_of_the_full_trials_scores_as_the_full_trial_protocol(tmp_path):
    fs = feature_set([4, 5, 3, 4, 2], lengths=30)
    embedder = Table(50)
    listed = full_protocol_as_a_list(fs)
    protocol = protocols.Protocol(frames=20, bootstrap=50)
    full = protocols.evaluate(embedder, fs, protocol, np.random.default_rng(4))
    got = trial_scores.evaluate_trials(embedder, fs, listed, protocol, np.random.default_rng(4), tmp_path / "s.tsv")
    for key in ("eer_full", "eer_full_ci95", "min_dcf_0.05", "min_dcf_0.01", "min_dcf_0.001", "target_trials"):
        assert got[key] == pytest.approx(full[key], abs=1e-9), key
    assert (got["speakers"], got["models"], got["utterances"], got["trials_skipped"]) == (5, 5, 18, 0)
    lines = (tmp_path / "s.tsv").read_text().splitlines()
    header = "enrol_model\ttest_utterance\tscore\tlabel\tenrol_speaker\ttest_speaker"
    assert lines[0] == header and len(lines) == 1 + len(listed)
    assert lines[1].startswith("s0\ts0_2\t") and lines[1].endswith("\t1\ts0\ts0")


def test_models_average_their_unit_embeddings_and_trials_of_unreadable_files_are_left_out():
    from ge2e.evaluate.trial_lists import TrialList

    emb = np.array([[3.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 2.0]])
    listed = TrialList(
        np.array(["m", "m", "v", "gone"]), np.array(["a", "b", "d", "x"]),
        np.array(["m", "m", "v", "gone", "v"]), np.array(["c", "d", "c", "c", "y"]),
        np.array([1, 0, 0, 1, 1], np.int8),
    )  # fmt: skip
    got = trial_scores.trial_list_scores(emb, np.array(["a", "b", "c", "d"]), listed)
    assert got["kept"].tolist() == [True, True, True, False, False]  # x and y have no features
    m = np.array([1.0, 1.0]) / np.sqrt(2)  # mean of the unit vectors (1, 0) and (0, 1)
    c = np.array([1.0, 1.0]) / np.sqrt(2)
    assert np.allclose(got["scores"], [m @ c, m @ [0, 1], c @ [0, 1]])
    assert got["models"].tolist() == ["gone", "m", "v"] and got["model_first"].tolist() == [-1, 0, 3]


def test_as_norm_evaluation_keeps_the_raw_scores_beside(tmp_path):
    fs = feature_set([4, 5, 3, 4, 2], lengths=30)
    cohort = feature_set([3, 3, 3, 3], lengths=30)  # speakers s0..s3: the Table embedder gives them vectors too
    listed = full_protocol_as_a_list(fs)
    plain = protocols.Protocol(frames=20, bootstrap=20)
    normed = protocols.Protocol(frames=20, bootstrap=20, asnorm_top_k=3)
    raw = trial_scores.evaluate_trials(Table(50), fs, listed, plain, np.random.default_rng(0))
    got = trial_scores.evaluate_trials(
        Table(50), fs, listed, normed, np.random.default_rng(0), tmp_path / "s.tsv", cohort
    )
    assert got["asnorm"]["top_k"] == 3 and got["asnorm"]["cohort_speakers"] == 4
    assert got["asnorm"]["raw"]["eer"] == raw["eer_full"] and got["protocol"]["asnorm_top_k"] == 3
    assert got["asnorm"]["raw"]["min_dcf_0.05"] == raw["min_dcf_0.05"]
    header, first = (tmp_path / "s.tsv").read_text().splitlines()[:2]
    assert header.endswith("\tlabel\traw_score\tenrol_speaker\ttest_speaker") and len(first.split("\t")) == 7
    big = protocols.Protocol(frames=20, bootstrap=20, asnorm_top_k=100)
    assert trial_scores.evaluate_trials(Table(50), fs, listed, big, np.random.default_rng(0), cohort=cohort)["asnorm"][
        "top_k"
    ] == 4  # fmt: skip
