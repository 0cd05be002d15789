import numpy as np
import pytest
import torch

from ge2e import features
from ge2e.batches import SpeakerBatches, segment_index
from ge2e.errors import InputError
from ge2e.features import FeatureParams, FeatureSet
from ge2e.inference import embed_utterances, window_index
from ge2e.model import SpeakerEncoder

P = FeatureParams()


def tone(seconds, pad=0.5):
    t = np.arange(int(seconds * 16000)) / 16000
    speech = 0.5 * np.sin(2 * np.pi * 220 * t).astype(np.float32)
    silence = np.zeros(int(pad * 16000), np.float32)
    return np.concatenate([silence, speech, silence])


def test_log_mel_shape_and_vad_trims_silence():
    with_silence = features.from_samples(tone(1.0), P, "x")
    assert with_silence.shape[1] == 40 and with_silence.dtype == np.float32
    # 1 s of speech at a 10 ms hop is ~100 frames; the 1 s of padding is gone.
    assert 95 <= len(with_silence) <= 110


def test_silent_audio_names_the_file():
    with pytest.raises(InputError, match="quiet.wav.*no speech"):
        features.from_samples(np.zeros(16000, np.float32), P, "quiet.wav")


def feature_set(counts, lengths=50, n_mels=3):
    feats, spk, utt = [], [], []
    for s, c in enumerate(counts):
        for u in range(c):
            length = lengths if np.isscalar(lengths) else lengths[u]
            feats.append(np.full((length, n_mels), s * 100 + u, np.float32))
            spk.append(f"s{s}")
            utt.append(f"s{s}_{u}")
    return FeatureSet.from_list(feats, spk, utt)


def test_feature_set_round_trip(tmp_path):
    fs = feature_set([2, 3])
    fs.save(tmp_path / "a.npz")
    back = FeatureSet.load([tmp_path / "a.npz", tmp_path / "a.npz"])
    assert len(back) == 10 and np.array_equal(back.utterance(3), fs.utterance(3))


def test_segment_index_wraps_short_utterances():
    idx = segment_index(np.array([10]), np.array([3]), np.array([0]), 7)
    assert idx.tolist() == [[10, 11, 12, 10, 11, 12, 10]]


def test_batches_have_distinct_utterances_of_one_speaker():
    fs = feature_set([6, 6, 6, 6, 2])
    sampler = SpeakerBatches(fs, n_speakers=2, n_utterances=4)
    assert len(sampler.speakers) == 4  # the speaker with 2 utterances is left out
    rng = np.random.default_rng(0)
    batches = list(sampler.epoch(rng, (20, 30)))
    assert len(batches) == 2
    for b in batches:
        n, m, t, f = b.shape
        assert (n, m, f) == (2, 4, 3) and 20 <= t <= 30
        ids = b[:, :, 0, 0]  # value = speaker*100 + utterance
        assert all(len(set(row)) == 4 and len({v // 100 for v in row}) == 1 for row in ids.tolist())


def test_too_few_speakers_is_a_clear_error():
    with pytest.raises(InputError, match="2 speakers.*N=3"):
        SpeakerBatches(feature_set([5, 5]), n_speakers=3, n_utterances=2)


def test_window_index_covers_each_utterance():
    owner, starts = window_index(np.array([10, 25, 40]), frames=20, hop=10)
    assert owner.tolist() == [0, 1, 1, 2, 2, 2]
    assert starts.tolist() == [0, 0, 5, 0, 10, 20]


def test_encoder_shapes_and_unit_norm():
    model = SpeakerEncoder(n_mels=3, hidden=8, layers=2, proj=4)
    out = model(torch.randn(5, 17, 3))
    assert out.shape == (5, 4)
    assert torch.allclose(out.norm(dim=1), torch.ones(5), atol=1e-5)
    fs = feature_set([2, 2], lengths=[9, 30])
    emb = embed_utterances(lambda x: model(torch.as_tensor(x)).detach().numpy(), fs, frames=12)
    assert emb.shape == (4, 4) and np.allclose(np.linalg.norm(emb, axis=1), 1, atol=1e-5)


@pytest.mark.parametrize("how", ["level", "mean"])
def test_normalised_log_mels_do_not_depend_on_recording_level(how):
    params = FeatureParams(normalise=how)
    loud, quiet = (features.from_samples(g * tone(1.0), params, "x") for g in (0.9, 0.02))  # 33 dB apart
    assert np.allclose(loud, quiet, atol=1e-3)
    raw = [features.from_samples(g * tone(1.0), FeatureParams(normalise="none"), "x") for g in (0.9, 0.02)]
    assert np.abs(raw[0] - raw[1]).max() > 5  # without it, the level reaches the encoder


def test_level_normalisation_keeps_the_spectral_shape_and_mean_removes_it():
    x = features.from_samples(tone(1.0), FeatureParams(normalise="level"), "x")
    assert abs(x.mean()) < 1e-4 and np.ptp(x.mean(axis=0)) > 1  # the long-term spectrum stays
    y = features.from_samples(tone(1.0), FeatureParams(normalise="mean"), "x")
    assert np.allclose(y.mean(axis=0), 0, atol=1e-4)


def test_unknown_normalisation_is_refused():
    with pytest.raises(ValueError, match="'peak'"):
        features.normalise(np.zeros((3, 2)), "peak")
