"""Coloured Gaussian noise, shared by the built-in corpus (recording noise) and augmentation."""

import numpy as np

from ge2e import portable


def coloured_noise(rng, n, exponent):
    """Gaussian noise of length n with power spectrum ~ 1/f**exponent, unit RMS. Returns (n,) float64.

    ``exponent`` 0 is white, 1 pink, 2 brown. Shaped in the spectrum of the next power of 2 and
    cut to n, in ``ge2e.portable``'s arithmetic, so the same ``rng`` gives the same bits on any CPU.
    """
    size = portable.next_power_of_two(n)
    re, im = portable.rfft(portable.normal(rng, size), size)
    freqs = np.arange(size // 2 + 1) / size
    freqs[0] = freqs[1]
    gain = portable.exp(portable.log(freqs) * (-exponent / 2.0))  # freqs ** (-exponent / 2)
    noise = portable.irfft(re * gain, im * gain, size)[:n]
    return noise / (np.sqrt(np.mean(noise**2)) + 1e-12)
