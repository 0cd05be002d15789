"""Coloured Gaussian noise, shared by the built-in corpus (recording noise) and augmentation."""

import numpy as np


def coloured_noise(rng, n, exponent):
    """Gaussian noise of length n with power spectrum ~ 1/f**exponent, unit RMS.

    ``exponent`` 0 is white, 1 pink, 2 brown.
    """
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n)
    freqs[0] = freqs[1] if n > 1 else 1.0
    noise = np.fft.irfft(spectrum / freqs ** (exponent / 2.0), n)
    return noise / (np.sqrt(np.mean(noise**2)) + 1e-12)
