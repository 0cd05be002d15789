"""Trial formation and scoring on held-out speakers (ge2e.evaluate.protocols): both protocols, the scores file."""

import numpy as np
from feature_sets import feature_set

from ge2e.evaluate import protocols
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
    got = protocols.centroid_scores(enrol, test)
    c = np.array([[1.0, 0.1], [0.0, 2.0]])  # the enrolment means; cosine ignores their length
    cos = (test @ c.T) / np.outer(np.linalg.norm(test, axis=1), np.linalg.norm(c, axis=1))
    assert got.shape == (3, 2) and np.allclose(got, cos)


def test_full_trials_enrol_first_half_and_test_the_rest():
    emb = np.eye(4, dtype=np.float32)[[0, 0, 0, 1, 1, 2]]  # speaker a: 3 utterances, b: 2, c: 1
    trials = protocols.full_trials(emb, np.array(["a", "a", "a", "b", "b", "c"]))
    assert trials["enrol_speakers"] == ["a", "b"]  # c has no utterance left to test
    assert trials["test_index"].tolist() == [1, 2, 4]
    assert trials["labels"].tolist() == [[1, 0], [1, 0], [0, 1]]
    assert np.allclose(trials["scores"], trials["labels"])


def test_seed_compatible_protocol_scores_each_batchs_last_half_against_its_centroids():
    fs = feature_set([4] * 6, lengths=30)
    rng = np.random.default_rng(0)
    mean, per_batch, _ = protocols.seed_compatible_eer(SpeakerOf(6), fs, 3, 4, 20, repeats=2, rng=rng)
    assert len(per_batch) == 2 * 2 and mean == 0.0  # 2 repeats x 6 // 3 batches, every speaker told apart
    mean, per_batch, _ = protocols.seed_compatible_eer(Constant(), fs, 3, 4, 20, repeats=1, rng=rng)
    assert np.all(per_batch == 0.5) and mean == 0.5  # all ties: targets and non-targets alike


def test_evaluate_gives_both_protocols_or_full_trials_only_and_writes_the_scores(tmp_path):
    fs = feature_set([4, 4, 3, 2], lengths=30)  # the first half (at least one) of each enrols: 2 + 2 + 2 + 1 tests
    protocol = protocols.Protocol(frames=20, bootstrap=20, n_speakers=2, n_utterances=2, repeats=1)
    both = protocols.evaluate(SpeakerOf(4), fs, protocol, np.random.default_rng(0), tmp_path / "scores.tsv")
    assert both["eer_avg"] == 0.0 and both["eer_avg_batches"] == 2 and both["eer_full"] == 0.0
    assert (both["speakers"], both["utterances"], both["target_trials"], both["nontarget_trials"]) == (4, 13, 7, 21)
    assert [both[f"min_dcf_{p}"] for p in (0.05, 0.01, 0.001)] == [0.0, 0.0, 0.0]  # every reported prior
    lines = (tmp_path / "scores.tsv").read_text().splitlines()
    assert lines[0] == "enrol_speaker\ttest_utterance\tscore\tlabel" and len(lines) == 1 + 7 * 4
    assert lines[1:5] == [f"s{k}\ts0_2\t{float(k == 0):.6f}\t{int(k == 0)}" for k in range(4)]
    full = protocols.evaluate(SpeakerOf(4), fs, protocols.Protocol(frames=20, bootstrap=20), np.random.default_rng(0))
    assert (full["eer_avg"], full["eer_avg_batches"]) == (None, 0) and full["eer_full"] == 0.0
    assert full["protocol"] == {"bootstrap": 20, "frames": 20}  # as stored in the result JSON


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
    whole, halves = protocols.halve_single_utterances(fs)
    assert whole.tolist() == [True] * 5 + [False]
    assert halves.utterances.tolist() == ["s2_0#first-half", "s2_0#second-half"]
    assert halves.speakers.tolist() == ["s2"] * 2
    first, second = halves.split_utterances()
    assert first[:, 1].tolist() == list(range(30)) and second[:, 1].tolist() == list(range(30, 61))  # voiced frames
    assert len(protocols.halve_single_utterances(feature_set([2, 3]))[1]) == 0  # nobody to halve


def test_full_trials_enrol_a_one_utterance_speaker_on_its_first_half_and_test_its_second(tmp_path):
    fs = one_utterance_set()
    rate, _, trials = protocols.full_trial_eer(SpeakerOf(3), fs)
    assert trials["enrol_speakers"] == ["s0", "s1", "s2"] and trials["halved_speakers"] == 1
    assert trials["test_utterances"].tolist() == ["s0_1", "s0_2", "s1_1", "s2_0#second-half"]
    assert trials["labels"].tolist() == [[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]] and rate == 0.0
    protocol = protocols.Protocol(frames=20, bootstrap=5)
    result = protocols.evaluate(SpeakerOf(3), fs, protocol, np.random.default_rng(0), tmp_path / "scores.tsv")
    assert (result["speakers"], result["utterances"], result["target_trials"]) == (3, 6, 4)
    assert (tmp_path / "scores.tsv").read_text().splitlines()[-1] == "s2\ts2_0#second-half\t1.000000\t1"


def test_seed_compatible_protocol_cuts_one_utterance_speakers_into_m_segments():
    fs = FeatureSet.from_list(
        [np.full((30, 3), s * 100 + u, np.float32) for s in range(3) for u in range(4)]
        + [np.full((100, 3), 300, np.float32), np.full((50, 3), 400, np.float32)],
        [f"s{s}" for s in range(3) for _ in range(4)] + ["s3", "s4"],
        [f"u{i}" for i in range(14)],
    )  # s3: one utterance of 100 frames, 5 segments of 20; s4: 50 frames, 2 segments, left out
    rng = np.random.default_rng(0)
    mean, per_batch, used = protocols.seed_compatible_eer(SpeakerOf(5), fs, 2, 4, 20, repeats=3, rng=rng)
    assert len(per_batch) == 3 * 2 and mean == 0.0 and used == 4  # 4 speakers (s3 cut, s4 left out) in batches of 2
    protocol = protocols.Protocol(frames=20, bootstrap=5, n_speakers=2, n_utterances=4, repeats=1)
    result = protocols.evaluate(SpeakerOf(5), fs, protocol, np.random.default_rng(0))
    assert (result["eer_avg_speakers"], result["speakers"]) == (4, 5)  # the table says how many the average used
