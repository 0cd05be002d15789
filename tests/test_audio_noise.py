"""Coloured noise (ge2e.audio.noise), shared by the built-in corpus and augmentation."""

import numpy as np
import pytest

from ge2e.audio.noise import coloured_noise


@pytest.mark.parametrize("exponent", [0, 1, 2])
def test_unit_rms_and_seeded(exponent):
    x = coloured_noise(np.random.default_rng(3), 4000, exponent)
    assert x.shape == (4000,) and np.sqrt(np.mean(x**2)) == pytest.approx(1.0)
    assert np.array_equal(x, coloured_noise(np.random.default_rng(3), 4000, exponent))


def test_the_exponent_tilts_the_spectrum_towards_low_frequencies():
    def low_share(exponent):
        power = np.abs(np.fft.rfft(coloured_noise(np.random.default_rng(0), 16000, exponent))) ** 2
        return power[1:800].sum() / power[1:].sum()  # the lowest tenth of the band

    white, pink, brown = low_share(0), low_share(1), low_share(2)
    assert white == pytest.approx(0.1, abs=0.02) and white < pink < brown and brown > 0.9


def test_a_single_sample_is_still_finite():
    assert np.isfinite(coloured_noise(np.random.default_rng(0), 1, 1)).all()
