"""ge2e.portable's CPU-independent numerics agree with numpy, scipy and librosa to rounding."""

import librosa
import numpy as np
import pytest
import scipy.signal

from ge2e import portable, schema
from ge2e.features import augment, frontend


def test_exp_log_cos_sin_match_numpy():
    rng = np.random.default_rng(0)
    x = rng.uniform(-700, 700, 10000)
    assert np.allclose(portable.exp(x), np.exp(x), rtol=4e-16, atol=0)
    y = 10.0 ** rng.uniform(-300, 300, 10000)
    assert np.allclose(portable.log(y), np.log(y), rtol=4e-16, atol=0)
    t = rng.uniform(-1, 1, 10000)
    cos, sin = portable.cos_sin_turns(t)
    assert np.allclose(cos, np.cos(2 * np.pi * t), atol=2e-15) and np.allclose(sin, np.sin(2 * np.pi * t), atol=2e-15)
    assert portable.log(np.array([0.0, -1.0, np.inf])).tolist()[::2] == [-np.inf, np.inf]
    assert np.isnan(portable.log(-1.0)) and portable.exp(-1000.0) == 0 and portable.exp(1000.0) == np.inf
    assert portable.db_to_gain(-20.0) == pytest.approx(0.1, rel=1e-15)


@pytest.mark.parametrize("n", [2, 4, 64, 512, 4096])
def test_fft_matches_numpy(n):
    rng = np.random.default_rng(n)
    x = rng.standard_normal((3, n))
    re, im = portable.fft(x, x[::-1])
    assert np.allclose(re + 1j * im, np.fft.fft(x + 1j * x[::-1]), atol=1e-12 * n)
    re, im = portable.rfft(x[:, : n - 1], n)  # zero-padded
    assert np.allclose(re + 1j * im, np.fft.rfft(x[:, : n - 1], n), atol=1e-12 * n)
    spectrum = np.fft.rfft(x)
    assert np.allclose(portable.irfft(spectrum.real, spectrum.imag, n), x, atol=1e-14 * n)
    with pytest.raises(ValueError, match="not a power of 2"):
        portable.rfft(x, n + 1)


def test_convolve_and_normal():
    rng = np.random.default_rng(1)
    x, h = rng.standard_normal(1000), rng.standard_normal(77)
    assert np.allclose(portable.convolve(x, h), np.convolve(x, h), atol=1e-12)
    draws = portable.normal(np.random.default_rng(2), 200001)
    assert len(draws) == 200001 and abs(draws.mean()) < 0.01 and abs(draws.std() - 1) < 0.01
    assert np.array_equal(draws, portable.normal(np.random.default_rng(2), 200001))


def test_telephone_filter_is_scipys_butterworth():
    ours = portable.butter_bandpass(300.0, 3400.0, 16000)
    theirs = scipy.signal.butter(4, (300.0, 3400.0), btype="bandpass", fs=16000, output="sos")
    assert np.allclose(scipy.signal.sosfreqz(ours, 2048)[1], scipy.signal.sosfreqz(theirs, 2048)[1], atol=1e-12)


@pytest.mark.parametrize("orig", [8000, 17600, 44100])
def test_resample_keeps_the_band_and_the_length(orig):
    t = np.arange(orig) / orig
    out = portable.resample(np.sin(2 * np.pi * 440 * t) + 0.3 * np.sin(2 * np.pi * 3000 * t), orig, 16000)
    t = np.arange(16000) / 16000
    assert len(out) == 16000
    assert np.max(np.abs(out - np.sin(2 * np.pi * 440 * t) - 0.3 * np.sin(2 * np.pi * 3000 * t))[800:-800]) < 1e-4


def test_time_stretch_is_librosas_phase_vocoder():
    rng = np.random.default_rng(3)
    t = np.arange(12000) / 16000
    x = (np.sin(2 * np.pi * 220 * t * (1 + t)) + 0.05 * rng.standard_normal(len(t))).astype(np.float32)
    for rate in (0.9, 1.1):
        ours = augment.time_stretch(x, rate)
        theirs = librosa.effects.time_stretch(x.astype(np.float64), rate=rate)  # librosa's float32 path rounds more
        assert ours.shape == theirs.shape and np.max(np.abs(ours - theirs)) < 1e-6


def test_log_mels_are_librosas_to_rounding():
    """The features follow librosa's melspectrogram (centred frames, Hann, Slaney mels) and split (VAD)."""
    rng = np.random.default_rng(4)
    t = np.arange(16000) / 16000
    x = (np.sin(2 * np.pi * 180 * t) * (t > 0.3) + 0.01 * rng.standard_normal(len(t))).astype(np.float32)
    p = frontend.FeatureParams(**schema.defaults("features.params"))
    intervals = librosa.effects.split(x, top_db=p.top_db, frame_length=p.win_length, hop_length=p.hop_length)
    assert np.array_equal(frontend.vad(x, p), np.concatenate([x[a:b] for a, b in intervals]))
    mel = librosa.feature.melspectrogram(
        y=x.astype(np.float64), sr=16000, n_fft=512, win_length=400, hop_length=160, n_mels=40
    ).T
    assert np.allclose(frontend.mel_power(x, p), mel, rtol=1e-6, atol=0)  # librosa's filters are float32
