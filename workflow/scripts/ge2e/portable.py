"""CPU-independent numerics: everything here gives the same bits on every x86-64 CPU.

Why: numpy picks its exp/log/sin/cos/power and complex-arithmetic kernels at run time by the
CPU's vector extensions (AVX-512, AVX2 or SSE), OpenBLAS picks its matmul kernel by CPU, and
glibc's libm (behind numpy's fallbacks, numpy.fft's twiddle factors, numpy's Gaussian sampler
and Python's ``math``) has FMA and non-FMA builds of exp/log/sin/cos/pow. Each of these gives
last-bit differences between machines, and 250 epochs of training turn them into different
TD-SV rows (seen when the same demo ran on two machines, before this module).

How: only operations that IEEE 754 rounds exactly, so any vector width gives the same bits: +,
-, *, /, sqrt, rint/floor, comparisons and frexp/ldexp, each its own numpy call (a multiply and
an add can never be fused into one FMA across calls), in float64 and in a fixed order. Sums are
numpy's pairwise reductions, whose order is fixed by the array's length, not by the CPU.
Transcendentals are short series with float constants parsed by Python (exact); they are
accurate to about 1e-16 relative, as good as libm for audio, but not correctly rounded, so they
are not numpy's bits either. FFTs are radix 2, with twiddles from those series.
"""

import functools
import math

import numpy as np

LN2 = 0.6931471805599453
LN10 = 2.302585092994046
TWO_PI = 6.283185307179586
# ln 2 in two parts (fdlibm's): k * _LN2_HI is exact for every exponent k of a float64.
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
# Series coefficients; Python's int / int is correctly rounded, so these are the same everywhere.
_EXP = [1 / math.factorial(k) for k in range(14)]  # e**r, |r| <= ln2 / 2: next term < 4e-18
_ATANH = [1 / (2 * k + 1) for k in range(12)]  # log m = 2 atanh(s), |s| <= 0.172: next term < 1e-19
_SIN = [(-1) ** k / math.factorial(2 * k + 1) for k in range(9)]  # |x| <= pi / 4: next term < 1e-19
_COS = [(-1) ** k / math.factorial(2 * k) for k in range(10)]
_I0 = [1 / math.factorial(k) ** 2 for k in range(60)]  # Bessel I0 series in (x / 2)**2


def _horner(x, coefficients):
    """sum(c_k * x**k): one multiply and one add per step, never fused."""
    out = np.full_like(x, coefficients[-1])
    for c in reversed(coefficients[:-1]):
        out = out * x
        out = out + c
    return out


def exp(x):
    """e**x of float64 ``x`` (any shape), to about 1e-16 relative. Returns float64, same shape."""
    x = np.clip(np.asarray(x, dtype=np.float64), -746.0, 710.0)  # beyond: 0 and inf
    k = np.rint(x * (1 / LN2))
    r = (x - k * _LN2_HI) - k * _LN2_LO
    with np.errstate(over="ignore"):  # e**710 is inf, as it should be
        return np.ldexp(_horner(r, _EXP), k.astype(np.int64))


def log(x):
    """Natural log of float64 ``x`` (any shape): -inf at 0, nan below. Returns float64, same shape."""
    x = np.asarray(x, dtype=np.float64)
    m, e = np.frexp(x)  # x = m * 2**e, m in [0.5, 1)
    low = m < 0.7071067811865476
    m = np.where(low, m * 2, m)  # now in [0.707, 1.414)
    e = (e - low).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):  # x <= 0 and inf, replaced below
        s = (m - 1) / (m + 1)
    out = e * _LN2_HI + (2 * s * _horner(s * s, _ATANH) + e * _LN2_LO)
    out = np.where(x == np.inf, np.inf, out)
    return np.where(x > 0, out, np.where(x == 0, -np.inf, np.nan))


def db_to_gain(db):
    """Amplitude ratio of ``db`` decibels, 10**(db / 20). Returns float64 (a Python float for a scalar)."""
    out = exp(np.asarray(db, dtype=np.float64) * (LN10 / 20))
    return float(out) if out.ndim == 0 else out


def cos_sin_turns(turns):
    """cos(2 pi t) and sin(2 pi t) of float64 ``turns`` (any shape). Returns (cos, sin).

    Angles in turns reduce exactly: t - rint(t), then the nearest quarter turn, leaving
    |x| <= pi / 4 for the series.
    """
    t = np.asarray(turns, dtype=np.float64)
    t = t - np.rint(t)
    quarter = np.rint(t * 4)
    x = (t - quarter * 0.25) * TWO_PI
    z = x * x
    s = x * _horner(z, _SIN)
    c = _horner(z, _COS)
    q = np.mod(quarter, 4)
    cos = np.where(q == 0, c, np.where(q == 1, -s, np.where(q == 2, -c, s)))
    sin = np.where(q == 0, s, np.where(q == 1, c, np.where(q == 2, -s, -c)))
    return cos, sin


def hann(length):
    """Periodic Hann window (scipy.signal.get_window('hann', length)). Returns (length,) float64."""
    return 0.5 - 0.5 * cos_sin_turns(np.arange(length) / length)[0]


def normal(rng, n):
    """``n`` standard normal draws from ``rng`` (a numpy Generator). Returns (n,) float64.

    Box-Muller on ``rng.random`` (uniform doubles made from the integer bit stream, exact):
    numpy's own sampler calls libm's exp and log1p in its tails.
    """
    half = (n + 1) // 2
    radius = np.sqrt(-2 * log(1.0 - rng.random(half)))  # 1 - u is in (0, 1]: log is finite
    cos, sin = cos_sin_turns(rng.random(half))
    return np.concatenate([radius * cos, radius * sin])[:n]


@functools.lru_cache(maxsize=32)
def _fft_plan(n):
    """Bit-reversal permutation (n,) and twiddles e**(-2 pi i k / n) for k <= n / 2: (re, im)."""
    bits = n.bit_length() - 1
    index = np.arange(n)
    reverse = np.zeros(n, dtype=np.int64)
    for b in range(bits):
        reverse |= ((index >> b) & 1) << (bits - 1 - b)
    cos, sin = cos_sin_turns(np.arange(n // 2 + 1) / n)
    for a in (reverse, cos, sin):
        a.flags.writeable = False
    return reverse, cos, -sin


def _check_power_of_two(n):
    if n < 1 or n & (n - 1):
        raise ValueError(f"FFT length {n} is not a power of 2")


def fft(re, im):
    """Complex FFT along the last axis (length a power of 2) of re + i im. Returns (re, im), same shape."""
    n = re.shape[-1]
    _check_power_of_two(n)
    reverse, w_re, w_im = _fft_plan(n)
    re, im = np.asarray(re, np.float64)[..., reverse], np.asarray(im, np.float64)[..., reverse]
    lead = re.shape[:-1]
    size = 2
    while size <= n:  # decimation in time: blocks of `size` from pairs of half-size transforms
        half, step = size // 2, n // size
        c, s = w_re[: n // 2 : step], w_im[: n // 2 : step]
        r, i = re.reshape(*lead, step, 2, half), im.reshape(*lead, step, 2, half)
        tr = r[..., 1, :] * c - i[..., 1, :] * s
        ti = r[..., 1, :] * s + i[..., 1, :] * c
        re = np.stack([r[..., 0, :] + tr, r[..., 0, :] - tr], axis=-2).reshape(*lead, n)
        im = np.stack([i[..., 0, :] + ti, i[..., 0, :] - ti], axis=-2).reshape(*lead, n)
        size *= 2
    return re, im


def _fit(x, n):
    """``x`` (..., L) zero-padded or cut to (..., n)."""
    if x.shape[-1] >= n:
        return x[..., :n]
    return np.concatenate([x, np.zeros(x.shape[:-1] + (n - x.shape[-1],))], axis=-1)


def rfft(x, n):
    """Spectrum of real ``x`` (..., L) zero-padded or cut to ``n`` (a power of 2, >= 2), as numpy.fft.rfft.

    Returns (re, im), each (..., n / 2 + 1). The even and odd samples are one complex FFT of
    length n / 2, then split (the usual real-FFT packing).
    """
    _check_power_of_two(n)
    x = _fit(np.asarray(x, dtype=np.float64), n)
    m = n // 2
    z_re, z_im = fft(x[..., 0::2], x[..., 1::2])
    k = np.arange(m + 1) % m  # Z[k], with Z[m] = Z[0]
    mk = (m - np.arange(m + 1)) % m  # Z[m - k]
    a_re, a_im, b_re, b_im = z_re[..., k], z_im[..., k], z_re[..., mk], z_im[..., mk]
    even_re, even_im = (a_re + b_re) * 0.5, (a_im - b_im) * 0.5
    odd_re, odd_im = (a_im + b_im) * 0.5, (b_re - a_re) * 0.5
    _, w_re, w_im = _fft_plan(n)
    re = even_re + (w_re * odd_re - w_im * odd_im)
    im = even_im + (w_re * odd_im + w_im * odd_re)
    return re, im


def irfft(re, im, n):
    """Real signal (..., n) of the half spectrum (re, im), each (..., n / 2 + 1), as numpy.fft.irfft.

    The imaginary parts at 0 Hz and Nyquist are ignored, as numpy does.
    """
    _check_power_of_two(n)
    m = n // 2
    re, im = np.asarray(re, np.float64), np.array(im, np.float64)
    im[..., 0] = 0.0
    im[..., m] = 0.0
    k = np.arange(m)
    a_re, a_im, b_re, b_im = re[..., k], im[..., k], re[..., m - k], im[..., m - k]
    even_re, even_im = (a_re + b_re) * 0.5, (a_im - b_im) * 0.5
    d_re, d_im = a_re - b_re, a_im + b_im
    _, w_re, w_im = _fft_plan(n)
    w_re, w_im = w_re[:m], w_im[:m]
    odd_re = (d_re * w_re + d_im * w_im) * 0.5  # D * conj(W**k) / 2
    odd_im = (d_im * w_re - d_re * w_im) * 0.5
    # z = ifft(E + i O) = conj(fft(conj(E + i O))) / m holds the even samples in re, the odd in im.
    z_re, z_im = fft(even_re - odd_im, -(even_im + odd_re))
    out = np.empty(re.shape[:-1] + (n,))
    out[..., 0::2] = z_re / m
    out[..., 1::2] = -z_im / m
    return out


def next_power_of_two(n):
    """The smallest power of 2 >= max(n, 2)."""
    return 1 << max(1, (int(n) - 1).bit_length())


def convolve(x, h):
    """Full linear convolution of real ``x`` (S,) and ``h`` (R,) through the FFT. Returns (S + R - 1,) float64."""
    n = next_power_of_two(len(x) + len(h) - 1)
    x_re, x_im = rfft(x, n)
    h_re, h_im = rfft(h, n)
    return irfft(x_re * h_re - x_im * h_im, x_re * h_im + x_im * h_re, n)[: len(x) + len(h) - 1]


def bessel_i0(x):
    """Modified Bessel function I0 of float64 ``x`` (|x| up to about 30). Returns float64, same shape."""
    x = np.asarray(x, dtype=np.float64)
    return _horner(x * x * 0.25, _I0)


def lowpass_fir(up, down, cutoff=0.955, zero_crossings=64, beta=8.6):
    """Anti-aliasing filter for resampling by ``up`` / ``down``: a Kaiser-windowed sinc, unit gain at 0 Hz.

    Shaped like soxr's high quality (``soxr_hq``, which it replaces): flat to about 91 % of the
    lower Nyquist frequency, about 85 dB down from it on (``cutoff`` is where the response
    halves, as a fraction of that Nyquist frequency). Returns (2 * zero_crossings * max(up, down) + 1,) float64.
    """
    rate = max(up, down)
    half = zero_crossings * rate
    m = np.arange(-half, half + 1) * (cutoff / rate)  # taps in periods of the cutoff
    sin = cos_sin_turns(m * 0.5)[1]  # sin(pi m)
    sinc = np.where(m == 0, 1.0, sin / np.where(m == 0, 1.0, m * (TWO_PI * 0.5)))
    ramp = np.arange(-half, half + 1) / half
    window = bessel_i0(beta * np.sqrt(np.maximum(0.0, 1 - ramp * ramp))) / bessel_i0(np.float64(beta))
    h = sinc * window
    return h / np.sum(h)


def resample(x, orig_sr, target_sr):
    """``x`` (S,) from ``orig_sr`` to ``target_sr`` Hz. Returns (ceil(S * target_sr / orig_sr),) float64.

    scipy's polyphase resampler (upfirdn: compiled multiply-adds in a fixed order, no run-time
    CPU dispatch) with ``lowpass_fir``'s taps, replacing soxr, whose filter design calls libm.
    """
    import scipy.signal

    g = math.gcd(int(orig_sr), int(target_sr))
    up, down = int(target_sr) // g, int(orig_sr) // g
    if up == down:
        return np.asarray(x, dtype=np.float64)
    return scipy.signal.resample_poly(np.asarray(x, dtype=np.float64), up, down, window=lowpass_fir(up, down))


def butter_bandpass(low_hz, high_hz, sample_rate, order=4):
    """Butterworth band-pass as second-order sections, the filter of scipy.signal.butter(order, (low, high),
    'bandpass', fs=sample_rate, output='sos'): same poles, zeros and gain, one conjugate pole pair and one
    zero at each of z = 1 and z = -1 per section. Returns (order, 6) float64.

    Python floats throughout (each operation exactly rounded); tan and the pole angles come from
    ``cos_sin_turns``.
    """
    # Pre-warped edges, as scipy's with fs = 2: 4 tan(pi f / sample_rate), f at the edges.
    edges = []
    for f in (low_hz, high_hz):
        c, s = cos_sin_turns(f / sample_rate * 0.5)
        edges.append(4.0 * float(s) / float(c))
    bw, wo2 = edges[1] - edges[0], edges[0] * edges[1]
    # Analog prototype poles -exp(i pi m / (2 order)), m = -order+1, ..., order-1 in steps of 2.
    c, s = cos_sin_turns(np.arange(-order + 1, order, 2) / (4 * order))
    poles = []
    for pr, pi in zip(-c, -s, strict=True):
        pr, pi = float(pr) * bw / 2, float(pi) * bw / 2  # low-pass to band-pass: p bw / 2 +- sqrt(...)
        dr, di = _complex_sqrt(pr * pr - pi * pi - wo2, 2 * pr * pi)
        poles += [(pr + dr, pi + di), (pr - dr, pi - di)]
    # Bilinear transform (fs = 2): p -> (4 + p) / (4 - p); the gain bw**order * 4**order / prod(4 - p).
    gain_re, gain_im = 1.0, 0.0
    for _ in range(order):  # not bw**order: Python's float ** calls libm's pow
        gain_re *= 4 * bw
    sections = []
    for pr, pi in poles:
        nr, ni, dr, di = 4 + pr, pi, 4 - pr, -pi
        den = dr * dr + di * di
        gain_re, gain_im = (gain_re * dr + gain_im * di) / den, (gain_im * dr - gain_re * di) / den
        zr, zi = (nr * dr + ni * di) / den, (ni * dr - nr * di) / den
        if zi > 0:  # one of each conjugate pair: denominator 1 - 2 Re(z) z^-1 + |z|^2 z^-2
            sections.append([1.0, 0.0, -1.0, 1.0, -2 * zr, zr * zr + zi * zi])
    sections.sort(key=lambda row: row[5])  # scipy's order: poles farthest from the unit circle first
    sections[0][:3] = [gain_re, 0.0, -gain_re]
    return np.array(sections)


def _complex_sqrt(a, b):
    """Principal square root of a + i b (Python floats). Returns (re, im)."""
    r = math.sqrt(a * a + b * b)
    if a >= 0:
        re = math.sqrt((r + a) / 2)
        return re, (b / (2 * re) if re else 0.0)
    im = math.copysign(math.sqrt((r - a) / 2), b)
    return b / (2 * im), im
