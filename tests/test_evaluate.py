"""Trial formation and the no-training baseline (ge2e.evaluate)."""

import numpy as np
import pytest

from ge2e import evaluate, inference
from ge2e.features import FeatureSet


def random_set(rng, speakers=4, per_speaker=4, frames=60, n_mels=40, offset=3.0):
    """Utterances whose mean log-mel differs by speaker, plus a large shared offset and per-utterance noise."""
    feats, spk, utt = [], [], []
    for s in range(speakers):
        centre = rng.normal(0, 1, n_mels)
        for u in range(per_speaker):
            feats.append((offset + centre + rng.normal(0, 0.3, (frames, n_mels))).astype(np.float32))
            spk.append(f"s{s}")
            utt.append(f"s{s}_{u}")
    return FeatureSet.from_list(feats, spk, utt)


def test_mfcc_baseline_is_standardised_on_the_scored_set():
    fs = random_set(np.random.default_rng(0))
    embedder = inference.MfccEmbedder().fit(fs)
    emb = embedder.utterances(fs)
    assert emb.shape == (len(fs), 40) and np.allclose(np.linalg.norm(emb, axis=1), 1, atol=1e-6)
    # The set's MFCCs are standardised, so a shared offset cannot make every pair similar.
    z = (embedder._mfcc(fs.features) - embedder.mean) / embedder.std
    assert np.allclose(z.mean(axis=0), 0, atol=1e-4) and np.allclose(z.std(axis=0), 1, atol=1e-3)
    shifted = FeatureSet.from_list([u + 5.0 for u in fs.split_utterances()], fs.speakers, fs.utterances)
    assert np.allclose(inference.MfccEmbedder().fit(shifted).utterances(shifted), emb, atol=1e-5)
    rate, _, _ = evaluate.full_trial_eer(embedder, fs)
    assert rate == 0.0  # the speakers differ in their long-term spectrum, which mean+std MFCC captures


def test_mfcc_baseline_needs_fitting():
    fs = random_set(np.random.default_rng(1), speakers=2)
    with pytest.raises(RuntimeError, match="fit"):
        inference.MfccEmbedder().utterances(fs)


def test_mfcc_segments_match_whole_utterances_of_the_same_frames():
    fs = random_set(np.random.default_rng(2), speakers=2, per_speaker=2)
    embedder = inference.MfccEmbedder().fit(fs)
    segments = np.stack(fs.split_utterances())  # (U, T, F): every utterance has the same length here
    assert np.allclose(embedder.segments(segments), embedder.utterances(fs), atol=1e-5)


def test_full_trials_enrol_first_half_and_test_the_rest():
    emb = np.eye(4, dtype=np.float32)[[0, 0, 0, 1, 1, 2]]  # speaker a: 3 utterances, b: 2, c: 1
    trials = evaluate.full_trials(emb, np.array(["a", "a", "a", "b", "b", "c"]))
    assert trials["enrol_speakers"] == ["a", "b"]  # c has no utterance left to test
    assert trials["test_index"].tolist() == [1, 2, 4]
    assert trials["labels"].tolist() == [[1, 0], [1, 0], [0, 1]]
    assert np.allclose(trials["scores"], trials["labels"])
