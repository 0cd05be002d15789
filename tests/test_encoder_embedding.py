"""Embedding with a trained encoder (ge2e.encoder.embedding): windows, checkpoints, and the MFCC baseline."""

import numpy as np
import pytest
import torch
from feature_sets import random_set

from ge2e.encoder import embedding
from ge2e.encoder.embedding import load_encoder, window_frames, window_index
from ge2e.errors import InputError
from ge2e.evaluate import protocols
from ge2e.features.store import FeatureSet


def test_window_index_covers_each_utterance():
    owner, starts = window_index(np.array([10, 25, 40]), frames=20, hop=10)
    assert owner.tolist() == [0, 1, 1, 2, 2, 2]
    assert starts.tolist() == [0, 0, 5, 0, 10, 20]


def test_inference_windows_are_the_mean_training_segment():
    assert window_frames([140, 180]) == 160 and window_frames((80, 80)) == 80


def test_missing_truncated_or_foreign_checkpoint_is_one_error_naming_the_file(tmp_path):
    with pytest.raises(InputError, match=r"nope\.pt: no such checkpoint"):
        load_encoder(tmp_path / "nope.pt")
    cut, other = tmp_path / "cut.pt", tmp_path / "other.pt"
    torch.save({"model": {}, "x": torch.zeros(1000)}, cut)
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])
    torch.save({"weights": torch.zeros(3)}, other)  # plain tensors, but not what ge2e.train.trainer writes
    tiny = tmp_path / "tiny.pt"
    tiny.write_bytes(b"junk")  # four bytes: the unpickler's struct reads run out
    for path, why in ((cut, "RuntimeError"), (other, "KeyError: 'model_config'"), (tiny, "error")):
        with pytest.raises(InputError, match=rf"{path.name}: not a ge2e checkpoint \({why}.*\); restore it or retrain"):
            load_encoder(path)


class _Payload:
    """A pickle that, when loaded without restrictions, creates a file: the shape of a malicious checkpoint."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def crafted_checkpoint(tmp_path, marker):
    path = tmp_path / "shared_model.pt"
    torch.save({"model": {}, "model_config": {"n_mels": 8}, "payload": _Payload(marker)}, path)
    assert not marker.exists()
    return path


def test_checkpoints_that_would_run_code_are_refused(tmp_path):
    from ge2e.errors import InputError

    marker = tmp_path / "pwned"
    path = crafted_checkpoint(tmp_path, marker)
    with pytest.raises(InputError, match=r"shared_model.pt: refused, it is not a plain ge2e checkpoint"):
        load_encoder(path)
    assert not marker.exists()  # the function in the pickle never ran


def test_mfcc_baseline_is_standardised_on_the_scored_set():
    fs = random_set(np.random.default_rng(0))
    embedder = embedding.MfccEmbedder().fit(fs)
    emb = embedder.utterances(fs)
    assert emb.shape == (len(fs), 40) and np.allclose(np.linalg.norm(emb, axis=1), 1, atol=1e-6)
    # The set's MFCCs are standardised, so a shared offset cannot make every pair similar.
    z = (embedder._mfcc(fs.features) - embedder.mean) / embedder.std
    assert np.allclose(z.mean(axis=0), 0, atol=1e-4) and np.allclose(z.std(axis=0), 1, atol=1e-3)
    shifted = FeatureSet.from_list([u + 5.0 for u in fs.split_utterances()], fs.speakers, fs.utterances)
    assert np.allclose(embedding.MfccEmbedder().fit(shifted).utterances(shifted), emb, atol=1e-5)
    rate, _, _ = protocols.full_trial_eer(embedder, fs)
    assert rate == 0.0  # the speakers differ in their long-term spectrum, which mean+std MFCC captures


def test_mfcc_baseline_needs_fitting():
    fs = random_set(np.random.default_rng(1), speakers=2)
    with pytest.raises(RuntimeError, match="fit"):
        embedding.MfccEmbedder().utterances(fs)


def test_mfcc_segments_match_whole_utterances_of_the_same_frames():
    fs = random_set(np.random.default_rng(2), speakers=2, per_speaker=2)
    embedder = embedding.MfccEmbedder().fit(fs)
    segments = np.stack(fs.split_utterances())  # (U, T, F): every utterance has the same length here
    assert np.allclose(embedder.segments(segments), embedder.utterances(fs), atol=1e-5)


def test_embedding_memory_mapped_shards_in_chunks_equals_embedding_in_memory(tmp_path, monkeypatch):
    fs = random_set(np.random.default_rng(3), speakers=3, per_speaker=3, frames=75)
    fs.save(tmp_path / "a.npz")
    mapped = FeatureSet.load(tmp_path / "a.npz")
    embed = lambda x: np.concatenate([x.mean(axis=1), x[:, -1]], axis=1)  # noqa: E731  row by row
    whole = embedding.embed_utterances(embed, fs, 30)
    monkeypatch.setattr(embedding, "WINDOW_CHUNK", 4)  # 9 utterances x 4 windows of 30 frames: 9 chunks
    assert np.array_equal(embedding.embed_utterances(embed, mapped, 30), whole)
    mfcc = [embedding.MfccEmbedder().fit(s) for s in (fs, mapped)]
    assert np.array_equal(mfcc[0].mean, mfcc[1].mean) and np.array_equal(mfcc[0].std, mfcc[1].std)
    assert np.array_equal(mfcc[0].utterances(fs), mfcc[1].utterances(mapped))


def resemblyzer_partials(n_frames, frames=160, step=77, min_coverage=0.75):
    """Resemblyzer's compute_partial_slices, read in frames: (starts) of its partial utterances."""
    starts = list(range(0, max(1, n_frames - frames + step + 1), step))
    if (n_frames - starts[-1]) / frames < min_coverage and len(starts) > 1:
        starts = starts[:-1]
    return starts


def test_padded_windows_are_resemblyzers_partials():
    lengths = np.array([1, 60, 120, 159, 160, 161, 236, 237, 238, 279, 400, 1000])
    owner, starts = window_index(lengths, frames=160, hop=77, pad_coverage=0.75)
    for u, n in enumerate(lengths):
        assert starts[owner == u].tolist() == resemblyzer_partials(int(n)), n


def test_padded_windows_read_silence_past_the_end_of_an_utterance():
    from ge2e.encoder.arch import WINDOWS

    fs = FeatureSet.from_list([np.ones((50, 2), np.float32)], ["a"], ["u"], 2)
    seen = []

    def embed(x):
        seen.append(x.copy())
        return np.ones((len(x), 3), np.float32)

    embedding.embed_utterances(embed, fs, 80, WINDOWS["resemblyzer"])
    (windows,) = seen
    assert windows.shape == (1, 80, 2)
    assert (windows[0, :50] == 1).all() and (windows[0, 50:] == embedding.SILENCE).all()
