"""Trial formation and scoring on held-out speakers (ge2e.evaluate): both protocols, the scores file."""

import numpy as np
import pytest
from feature_sets import feature_set

from ge2e.evaluate import protocols as evaluate
from ge2e.features.store import FeatureSet


class SpeakerOf:
    """An embedder that knows the speaker: feature_set() frames hold speaker * 100 + utterance, and the
    embedding is that speaker's one-hot vector, so every trial's right answer is known in advance."""

    def __init__(self, speakers):
        self.eye = np.eye(speakers, dtype=np.float32)

    def segments(self, x):
        return self.eye[(x[:, 0, 0] // 100).astype(int)]

    def utterances(self, fs):
        return self.segments(np.stack([u[:1] for u in fs.split_utterances()]))


class Constant:
    """An embedder that cannot tell anyone apart: every trial ties."""

    def segments(self, x):
        return np.ones((len(x), 3), np.float32)

    def utterances(self, fs):
        return np.ones((len(fs), 3), np.float32)


def test_centroid_scores_are_cosines_with_each_speakers_mean_enrolment():
    enrol = np.array([[[1.0, 0.0], [1.0, 0.2]], [[0.0, 1.0], [0.0, 3.0]]])  # (N=2, E=2, D=2)
    test = np.array([[2.0, 0.0], [0.0, 5.0], [1.0, 1.0]])
    got = evaluate.centroid_scores(enrol, test)
    c = np.array([[1.0, 0.1], [0.0, 2.0]])  # the enrolment means; cosine ignores their length
    cos = (test @ c.T) / np.outer(np.linalg.norm(test, axis=1), np.linalg.norm(c, axis=1))
    assert got.shape == (3, 2) and np.allclose(got, cos)


def test_full_trials_enrol_first_half_and_test_the_rest():
    emb = np.eye(4, dtype=np.float32)[[0, 0, 0, 1, 1, 2]]  # speaker a: 3 utterances, b: 2, c: 1
    trials = evaluate.full_trials(emb, np.array(["a", "a", "a", "b", "b", "c"]))
    assert trials["enrol_speakers"] == ["a", "b"]  # c has no utterance left to test
    assert trials["test_index"].tolist() == [1, 2, 4]
    assert trials["labels"].tolist() == [[1, 0], [1, 0], [0, 1]]
    assert np.allclose(trials["scores"], trials["labels"])


def test_seed_compatible_protocol_scores_each_batchs_last_half_against_its_centroids():
    fs = feature_set([4] * 6, lengths=30)
    rng = np.random.default_rng(0)
    mean, per_batch = evaluate.seed_compatible_eer(SpeakerOf(6), fs, 3, 4, 20, repeats=2, rng=rng)
    assert len(per_batch) == 2 * 2 and mean == 0.0  # 2 repeats x 6 // 3 batches, every speaker told apart
    mean, per_batch = evaluate.seed_compatible_eer(Constant(), fs, 3, 4, 20, repeats=1, rng=rng)
    assert np.all(per_batch == 0.5) and mean == 0.5  # all ties: targets and non-targets alike


def test_evaluate_gives_both_protocols_or_full_trials_only_and_writes_the_scores(tmp_path):
    fs = feature_set([4, 4, 3, 2], lengths=30)  # the first half (at least one) of each enrols: 2 + 2 + 2 + 1 tests
    protocol = evaluate.Protocol(frames=20, bootstrap=20, n_speakers=2, n_utterances=2, repeats=1)
    both = evaluate.evaluate(SpeakerOf(4), fs, protocol, np.random.default_rng(0), tmp_path / "scores.tsv")
    assert both["eer_avg"] == 0.0 and both["eer_avg_batches"] == 2 and both["eer_full"] == 0.0
    assert (both["speakers"], both["utterances"], both["target_trials"], both["nontarget_trials"]) == (4, 13, 7, 21)
    assert [both[f"min_dcf_{p}"] for p in (0.05, 0.01, 0.001)] == [0.0, 0.0, 0.0]  # every reported prior
    lines = (tmp_path / "scores.tsv").read_text().splitlines()
    assert lines[0] == "enrol_speaker\ttest_utterance\tscore\tlabel" and len(lines) == 1 + 7 * 4
    assert lines[1:5] == [f"s{k}\ts0_2\t{float(k == 0):.6f}\t{int(k == 0)}" for k in range(4)]
    full = evaluate.evaluate(SpeakerOf(4), fs, evaluate.Protocol(frames=20, bootstrap=20), np.random.default_rng(0))
    assert (full["eer_avg"], full["eer_avg_batches"]) == (None, 0) and full["eer_full"] == 0.0
    assert full["protocol"] == {"bootstrap": 20, "frames": 20}  # as stored in the result JSON


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
        got = evaluate.as_norm(scores, enrol, test, enrol_index, test_index, cohort, top_k)
        want = reference_as_norm(scores, enrol, test, enrol_index, test_index, cohort, top_k)
        assert np.allclose(got, want, rtol=0, atol=1e-12)
    # A shift and scale shared by a trial's cohort scores cancels: AS-norm of a cohort score is centred.
    got = evaluate.as_norm(enrol @ cohort[0], enrol, test, np.arange(5), np.zeros(5, int), cohort, 12)
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
    protocol = evaluate.Protocol(frames=20, bootstrap=50)
    full = evaluate.evaluate(embedder, fs, protocol, np.random.default_rng(4))
    got = evaluate.evaluate_trials(embedder, fs, listed, protocol, np.random.default_rng(4), tmp_path / "s.tsv")
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
    got = evaluate.trial_list_scores(emb, np.array(["a", "b", "c", "d"]), listed)
    assert got["kept"].tolist() == [True, True, True, False, False]  # x and y have no features
    m = np.array([1.0, 1.0]) / np.sqrt(2)  # mean of the unit vectors (1, 0) and (0, 1)
    c = np.array([1.0, 1.0]) / np.sqrt(2)
    assert np.allclose(got["scores"], [m @ c, m @ [0, 1], c @ [0, 1]])
    assert got["models"].tolist() == ["gone", "m", "v"] and got["model_first"].tolist() == [-1, 0, 3]


def test_as_norm_evaluation_keeps_the_raw_scores_beside(tmp_path):
    fs = feature_set([4, 5, 3, 4, 2], lengths=30)
    cohort = feature_set([3, 3, 3, 3], lengths=30)  # speakers s0..s3: the Table embedder gives them vectors too
    listed = full_protocol_as_a_list(fs)
    plain = evaluate.Protocol(frames=20, bootstrap=20)
    normed = evaluate.Protocol(frames=20, bootstrap=20, asnorm_top_k=3)
    raw = evaluate.evaluate_trials(Table(50), fs, listed, plain, np.random.default_rng(0))
    got = evaluate.evaluate_trials(Table(50), fs, listed, normed, np.random.default_rng(0), tmp_path / "s.tsv", cohort)
    assert got["asnorm"]["top_k"] == 3 and got["asnorm"]["cohort_speakers"] == 4
    assert got["asnorm"]["raw"]["eer"] == raw["eer_full"] and got["protocol"]["asnorm_top_k"] == 3
    assert got["asnorm"]["raw"]["min_dcf_0.05"] == raw["min_dcf_0.05"]
    header, first = (tmp_path / "s.tsv").read_text().splitlines()[:2]
    assert header.endswith("\tlabel\traw_score\tenrol_speaker\ttest_speaker") and len(first.split("\t")) == 7
    big = evaluate.Protocol(frames=20, bootstrap=20, asnorm_top_k=100)
    assert evaluate.evaluate_trials(Table(50), fs, listed, big, np.random.default_rng(0), cohort=cohort)["asnorm"][
        "top_k"
    ] == 4  # fmt: skip


def one_utterance_set():
    """s0: 3 utterances of 30 frames, s1: 2, s2: one of 61; frame t of utterance u of s holds (s * 100 + u, t)."""
    feats, speakers, utterances = [], [], []
    for s, lengths in enumerate([[30] * 3, [30] * 2, [61]]):
        for u, n in enumerate(lengths):
            feats.append(np.stack([np.full(n, s * 100 + u), np.arange(n)], axis=1).astype(np.float32))
            speakers.append(f"s{s}")
            utterances.append(f"s{s}_{u}")
    return FeatureSet.from_list(feats, speakers, utterances)


def test_a_one_utterance_speaker_is_halved_into_an_enrolment_and_a_test():
    fs = one_utterance_set()
    whole, halves = evaluate.halve_single_utterances(fs)
    assert whole.tolist() == [True] * 5 + [False]
    assert halves.utterances.tolist() == ["s2_0#first-half", "s2_0#second-half"]
    assert halves.speakers.tolist() == ["s2"] * 2
    first, second = halves.split_utterances()
    assert first[:, 1].tolist() == list(range(30)) and second[:, 1].tolist() == list(range(30, 61))  # voiced frames
    assert len(evaluate.halve_single_utterances(feature_set([2, 3]))[1]) == 0  # nobody to halve


def test_full_trials_enrol_a_one_utterance_speaker_on_its_first_half_and_test_its_second(tmp_path):
    fs = one_utterance_set()
    rate, _, trials = evaluate.full_trial_eer(SpeakerOf(3), fs)
    assert trials["enrol_speakers"] == ["s0", "s1", "s2"] and trials["halved_speakers"] == 1
    assert trials["test_utterances"].tolist() == ["s0_1", "s0_2", "s1_1", "s2_0#second-half"]
    assert trials["labels"].tolist() == [[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]] and rate == 0.0
    protocol = evaluate.Protocol(frames=20, bootstrap=5)
    result = evaluate.evaluate(SpeakerOf(3), fs, protocol, np.random.default_rng(0), tmp_path / "scores.tsv")
    assert (result["speakers"], result["utterances"], result["target_trials"]) == (3, 6, 4)
    assert (tmp_path / "scores.tsv").read_text().splitlines()[-1] == "s2\ts2_0#second-half\t1.000000\t1"


def test_seed_compatible_protocol_cuts_one_utterance_speakers_into_m_segments():
    fs = FeatureSet.from_list(
        [np.full((30, 3), s * 100 + u, np.float32) for s in range(3) for u in range(4)]
        + [np.full((100, 3), 300, np.float32), np.full((50, 3), 400, np.float32)],
        [f"s{s}" for s in range(3) for _ in range(4)] + ["s3", "s4"],
        [f"u{i}" for i in range(14)],
    )  # s3: one utterance of 100 frames, 5 segments of 20; s4: 50 frames, 2 segments, left out
    mean, per_batch = evaluate.seed_compatible_eer(SpeakerOf(5), fs, 2, 4, 20, repeats=3, rng=np.random.default_rng(0))
    assert len(per_batch) == 3 * 2 and mean == 0.0  # 4 speakers (s3 cut, s4 left out) in batches of 2
