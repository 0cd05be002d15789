"""Trial formation and scoring on held-out speakers (ge2e.evaluate): both protocols, the scores file."""

import numpy as np
from feature_sets import feature_set

from ge2e import evaluate


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
