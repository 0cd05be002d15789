"""The compiled mel spectrogram (ge2e.features.kernels) gives the bits of the numpy composition it replaced."""

import numpy as np
import pytest

from ge2e import portable
from ge2e.features import frontend, kernels
from ge2e.features.frontend import FeatureParams


def reference(samples, params):
    """Frames, portable.rfft, and each filter's terms added bin after bin: the numpy version it replaced."""
    x = frontend.frames(np.asarray(samples, dtype=np.float64), params.n_fft, params.hop_length)
    re, im = portable.rfft(x * frontend._stft_window(params.win_length, params.n_fft), params.n_fft)
    power = re * re + im * im
    weights = frontend.mel_filters(params.sample_rate, params.n_fft, params.n_mels)
    mel = np.empty((len(power), params.n_mels))
    for m, (lo, hi) in enumerate(frontend._mel_supports(params.sample_rate, params.n_fft, params.n_mels)):
        terms = power[:, lo:hi] * weights[m, lo:hi]  # (T, hi - lo)
        mel[:, m] = terms[:, 0] if hi > lo else 0.0
        for k in range(1, hi - lo):
            mel[:, m] = mel[:, m] + terms[:, k]
    return mel


def params(**changes):
    base = dict(sample_rate=16000, n_mels=40, window_ms=25, hop_ms=10, n_fft=512, top_db=30, normalise="level")
    return FeatureParams(**{**base, **changes})


@pytest.mark.parametrize(
    "p",
    [
        params(),  # the paper's
        params(n_fft=2048, n_mels=24),  # wide filters
        params(sample_rate=8000, n_fft=256, window_ms=32, hop_ms=16, n_mels=64),  # a window filling n_fft
        params(n_fft=4, window_ms=0.25, hop_ms=0.125, n_mels=2),  # the smallest FFT the kernel takes
    ],
    ids=["paper", "wide", "full-window", "tiny"],
)
@pytest.mark.parametrize("seconds", [0.0, 0.003, 0.5, 1.37])
def test_same_bits_as_the_numpy_composition(p, seconds):
    rng = np.random.default_rng(int(seconds * 1000) + p.n_fft)
    samples = (rng.standard_normal(int(seconds * p.sample_rate)) * 10.0 ** rng.uniform(-5, 0)).astype(np.float32)
    samples[: len(samples) // 3] *= 1e-4  # quiet and loud parts: sums over many magnitudes
    got = frontend.mel_power(samples, p)
    assert got.dtype == np.float64 and got.shape == (1 + len(samples) // p.hop_length, p.n_mels)
    np.testing.assert_array_equal(got, reference(samples, p))


def test_fft_length_must_be_a_power_of_two():
    with pytest.raises(ValueError, match="power of 2"):
        kernels.mel_power(np.zeros(100), 10, 3, np.ones(24), np.ones((2, 13)), [(0, 13), (0, 13)])


@pytest.mark.parametrize("length", [1, 5, 8, 13, 128, 129, 400, 1000])
def test_frame_power_is_numpys_mean_of_squares(length):
    rng = np.random.default_rng(length)
    padded = rng.standard_normal(5000) * 10.0 ** rng.integers(-6, 2, 5000)
    hop = max(1, length // 3)
    count = 1 + (len(padded) - length) // hop
    x = np.lib.stride_tricks.sliding_window_view(padded, length)[::hop][:count]
    np.testing.assert_array_equal(kernels.frame_power(padded, hop, count, length), np.mean(x * x, axis=1))


def test_frame_power_refuses_frames_past_the_end():
    with pytest.raises(ValueError, match="need more than 10 samples"):
        kernels.frame_power(np.zeros(10), 4, 3, 5)


def test_mel_power_refuses_frames_past_the_end():
    with pytest.raises(ValueError, match="need more than 100 samples"):
        kernels.mel_power(np.zeros(100), 10, 10, np.ones(16), np.ones((2, 9)), [(0, 9), (0, 9)])
