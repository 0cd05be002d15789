"""Log-mel features (ge2e.features.frontend): VAD, level normalisation, portable and native arithmetic."""

import dataclasses

import numpy as np
import pytest
from audio_files import read_policy

from ge2e import schema
from ge2e.audio import files as audio
from ge2e.errors import InputError
from ge2e.features import frontend
from ge2e.features.frontend import FeatureParams
from ge2e.features.store import FeatureSet

P = FeatureParams(**schema.defaults("features.params"))


def tone(seconds, pad=0.5):
    t = np.arange(int(seconds * 16000)) / 16000
    speech = 0.5 * np.sin(2 * np.pi * 220 * t).astype(np.float32)
    silence = np.zeros(int(pad * 16000), np.float32)
    return np.concatenate([silence, speech, silence])


def test_log_mel_shape_and_vad_trims_silence():
    with_silence = frontend.from_samples(tone(1.0), P, "x")
    assert with_silence.shape[1] == 40 and with_silence.dtype == np.float32
    # 1 s of speech at a 10 ms hop is ~100 frames; the 1 s of padding is gone.
    assert 95 <= len(with_silence) <= 110


def test_silent_audio_names_the_file():
    with pytest.raises(InputError, match="quiet.wav.*no speech"):
        frontend.from_samples(np.zeros(16000, np.float32), P, "quiet.wav")


def test_files_are_read_under_the_policy_at_the_features_rate(tmp_path):
    path = tmp_path / "8k.wav"
    audio.write_wav(path, tone(1.0)[::2], 8000)
    with pytest.raises(InputError, match="8k.wav: sample rate 8000 Hz"):
        frontend.extract(path, P, read_policy())
    assert 95 <= len(frontend.extract(path, P, read_policy(resample=True))) <= 110
    with pytest.raises(ValueError, match="read policy at 8000 Hz for features at 16000 Hz"):
        frontend.extract(path, P, read_policy(sample_rate=8000))


@pytest.mark.parametrize("how", ["level", "mean"])
def test_normalised_log_mels_do_not_depend_on_recording_level(how):
    params = dataclasses.replace(P, normalise=how)
    loud, quiet = (frontend.from_samples(g * tone(1.0), params, "x") for g in (0.9, 0.02))  # 33 dB apart
    assert np.allclose(loud, quiet, atol=1e-3)
    raw = [frontend.from_samples(g * tone(1.0), dataclasses.replace(P, normalise="none"), "x") for g in (0.9, 0.02)]
    assert np.abs(raw[0] - raw[1]).max() > 5  # without it, the level reaches the encoder


def test_level_normalisation_keeps_the_spectral_shape_and_mean_removes_it():
    x = frontend.from_samples(tone(1.0), dataclasses.replace(P, normalise="level"), "x")
    assert abs(x.mean()) < 1e-4 and np.ptp(x.mean(axis=0)) > 1  # the long-term spectrum stays
    y = frontend.from_samples(tone(1.0), dataclasses.replace(P, normalise="mean"), "x")
    assert np.allclose(y.mean(axis=0), 0, atol=1e-4)


def test_unknown_normalisation_is_refused():
    with pytest.raises(ValueError, match="'peak'"):
        frontend.normalise(np.zeros((3, 2)), "peak")


@pytest.mark.parametrize("how", ["none", "level", "mean"])
def test_native_arithmetic_is_librosas_and_within_1e5_of_portable(how):
    rng = np.random.default_rng(3)
    y = (tone(1.3) + rng.normal(0, 0.01, len(tone(1.3)))).astype(np.float32)
    portable, native = (dataclasses.replace(P, normalise=how, arithmetic=a) for a in ("portable", "native"))
    mel = frontend.mel_power(y, native)
    assert not np.array_equal(mel, frontend.mel_power(y, portable))  # a computation of its own ...
    np.testing.assert_allclose(mel, frontend.mel_power(y, portable), rtol=1e-12)  # ... of the same quantity
    a, b = frontend.from_samples(y, native, "x"), frontend.from_samples(y, portable, "x")
    assert a.shape == b.shape and np.abs(a - b).max() <= 1e-5


def test_unknown_arithmetic_is_refused():
    with pytest.raises(ValueError, match="'fast'"):
        dataclasses.replace(P, arithmetic="fast")


def test_the_features_rule_writes_shards_frame_by_frame():
    feats = frontend.from_samples(tone(0.5), P, "x")
    # C order: a segment of consecutive frames is one run of bytes in the file, read in a few pages.
    assert FeatureSet.from_list([feats, feats], ["a", "b"], ["1", "2"]).features.flags.c_contiguous
