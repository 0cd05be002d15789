"""Resemblyzer's front end before the mels (ge2e.features.silence): the level raised, only long silences cut.

Its equality with Resemblyzer's own trimming on real speech is in tests/test_train_imported.py."""

import numpy as np
import pytest

from ge2e.features import silence


def test_quiet_audio_is_raised_to_the_target_level_and_loud_audio_is_left_alone():
    quiet = np.full(1000, 0.001, np.float32)  # -60 dBFS
    raised = silence.raise_level(quiet, -30.0)
    assert 20 * np.log10(np.sqrt(np.mean(raised.astype(np.float64) ** 2))) == pytest.approx(-30.0, abs=1e-4)
    loud = np.full(1000, 0.5, np.float32)
    assert silence.raise_level(loud, -30.0) is loud
    digital_silence = np.zeros(1000, np.float32)
    assert silence.raise_level(digital_silence, -30.0) is digital_silence


def test_a_window_is_kept_within_three_windows_of_one_the_smoothed_voice_decision_calls_voiced():
    flags = np.zeros(40, bool)
    # Eight voiced windows, 10..17: the average over windows i-3..i+4 is at least 5/8 for i in 10..16, then 3
    # windows more on both sides.
    flags[10:18] = True
    keep = silence.keep_mask(flags)
    assert np.flatnonzero(keep).tolist() == list(range(10 - 3, 16 + 3 + 1))
    # A lone voiced window is smoothed away (1/8 rounds to 0); four in eight is a tie, rounded to even: 0.
    lone = np.zeros(40, bool)
    lone[20] = True
    assert not silence.keep_mask(lone).any()
    four = np.zeros(40, bool)
    four[20:24] = True
    assert not silence.keep_mask(four).any()
    five = np.zeros(40, bool)
    five[20:25] = True
    assert silence.keep_mask(five).any()


def test_trimming_cuts_the_samples_of_unkept_windows_and_the_incomplete_last_one(monkeypatch):
    width = silence.window_samples(16000)
    assert width == 480
    samples = np.arange(30 * width + 100, dtype=np.float32)
    flags = np.zeros(30, bool)
    flags[:12] = True  # voiced up to window 12: kept up to window 12 + 3 (smoothing ends it a little earlier)
    monkeypatch.setattr(silence, "voice_flags", lambda s, rate: flags[: len(s) // width])
    kept = silence.trim_long_silences(samples, 16000)
    expected = np.flatnonzero(silence.keep_mask(flags))
    assert np.array_equal(kept, np.concatenate([samples[i * width : (i + 1) * width] for i in expected]))
    assert len(kept) < len(samples) - 100


def test_webrtcs_decision_runs_on_16_bit_windows_and_calls_digital_silence_unvoiced():
    flags = silence.voice_flags(np.zeros(16000, np.float32), 16000)
    assert flags.shape == (16000 // 480,) and not flags.any()


def test_a_recording_with_no_window_kept_is_returned_whole_and_a_silent_one_is_still_refused(monkeypatch):
    from ge2e.errors import InputError
    from ge2e.features import frontend

    samples = np.random.default_rng(0).normal(0, 0.1, 16000).astype(np.float32)
    monkeypatch.setattr(silence, "voice_flags", lambda s, rate: np.zeros(len(s) // 480, bool))
    assert silence.trim_long_silences(samples, 16000) is samples
    params = frontend.FeatureParams(16000, 40, 25.0, 10.0, 512, 30.0, "none", vad="webrtc")
    assert len(frontend.speech_only(samples, params, "x")) == 16000
    with pytest.raises(InputError, match=r"quiet\.wav: no speech left after VAD \(vad=webrtc\)"):
        frontend.speech_only(np.zeros(16000, np.float32), params, "quiet.wav")
