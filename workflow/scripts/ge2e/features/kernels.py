"""Compiled kernels of the features with ``ge2e.portable``'s bits: the mel power spectrogram and the VAD's frame power.

Why compiled: the portable STFT (``portable.rfft``: a radix-2 FFT, one numpy call per stage over all
frames) spends its time moving temporaries through memory, and the mel projection is one numpy call
per filter; together they ran features 3-5x slower than librosa's front end (docs/benchmarks.md). Here each
block of frames goes through windowing, FFT, power and mel filters in one numba kernel while it is
in cache.

Why the bits do not change, from ``features``' numpy version nor from CPU to CPU: the kernel does
the same IEEE operations in the same order, each rounded on its own. numba without ``fastmath``
never fuses a multiply and an add into an FMA (LLVM contracts only with the ``contract`` flag,
which only ``fastmath`` sets) and never reassociates, so vectorising across frames (the innermost
loops run over a block's frames) leaves every result as the scalar code would give it. The
twiddles are ``portable``'s. Each mel filter sums its bins' terms one after another from its
lowest bin, which is the order the ``np.sum`` it replaces took (the power spectrogram was
column-major, so numpy reduced it column by column). The VAD's frame power sums each frame's
squares in numpy's pairwise order (eight running sums in blocks of eight up to 128 terms, halves
above: ``np.mean`` over a contiguous row), then divides as np.mean does. ``tests/test_kernels.py`` checks equality
with the numpy version; ``tests/test_reproducible.py`` runs it with numba's code generation for a generic x86-64
(``NUMBA_CPU_NAME=generic``: no AVX, no FMA unit) and compares the shards' bits.
"""

import functools

import numba
import numpy as np

from ge2e import portable

PAIRWISE_BLOCK = 128  # numpy's PW_BLOCKSIZE: above it, pairwise summation splits a row in two
BLOCK = 32  # frames per block: a block's real and imaginary parts (n_fft/2 x BLOCK float64) stay in L1/L2


@numba.njit(nogil=True, error_model="numpy")
def _pairwise_squares(x, start, n):
    """numpy's pairwise sum of x[i] * x[i] for i in [start, start + n) (np.add.reduce along a contiguous row)."""
    if n < 8:
        total = 0.0
        for i in range(start, start + n):
            total += x[i] * x[i]
        return total
    if n <= PAIRWISE_BLOCK:
        # Eight scalar sums (no array: this runs once per frame).
        r0, r1 = x[start] * x[start], x[start + 1] * x[start + 1]
        r2, r3 = x[start + 2] * x[start + 2], x[start + 3] * x[start + 3]
        r4, r5 = x[start + 4] * x[start + 4], x[start + 5] * x[start + 5]
        r6, r7 = x[start + 6] * x[start + 6], x[start + 7] * x[start + 7]
        whole = n - n % 8
        for i in range(start + 8, start + whole, 8):
            r0 = r0 + x[i] * x[i]
            r1 = r1 + x[i + 1] * x[i + 1]
            r2 = r2 + x[i + 2] * x[i + 2]
            r3 = r3 + x[i + 3] * x[i + 3]
            r4 = r4 + x[i + 4] * x[i + 4]
            r5 = r5 + x[i + 5] * x[i + 5]
            r6 = r6 + x[i + 6] * x[i + 6]
            r7 = r7 + x[i + 7] * x[i + 7]
        total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        for i in range(start + whole, start + n):
            total += x[i] * x[i]
        return total
    half = n // 2
    half -= half % 8
    return _pairwise_squares(x, start, half) + _pairwise_squares(x, start + half, n - half)


@numba.njit(nogil=True, error_model="numpy")
def _frame_power(padded, hop, count, length, out):
    for t in range(count):
        out[t] = (0.0 + _pairwise_squares(padded, t * hop, length)) / length
    return out


def _check_frames(padded, hop, count, length):
    """The kernels index without bounds checks: refuse frames that would run past the samples."""
    if count and (count - 1) * hop + length > len(padded):
        raise ValueError(f"{count} frames of {length} every {hop} need more than {len(padded)} samples")


def frame_power(padded, hop, count, length):
    """Mean square (count,) float64 of each frame padded[t * hop : t * hop + length].

    The bits of np.mean(frames * frames, axis=1) on those frames, without the (count, length) array.
    """
    padded = np.ascontiguousarray(padded, dtype=np.float64)
    _check_frames(padded, hop, count, length)
    return _frame_power(padded, hop, count, length, np.empty(count))


@numba.njit(nogil=True, error_model="numpy")
def _mel_power(padded, hop, count, window, reverse, c, s, w_re, w_im, weights, lo, hi, out):
    """Mel power of ``count`` frames of ``padded`` (frame t = padded[t * hop : t * hop + n_fft]) into out (count, M).

    window (n_fft,); reverse (n_fft/2,) bit reversal; c, s (n_fft/4 + 1,) the half-length FFT's
    twiddles (cos, -sin); w_re, w_im (n_fft/2 + 1,) the real-FFT split's; weights (M, n_fft/2 + 1)
    with filter i non-zero on bins lo[i]:hi[i].
    """
    n = window.shape[0]
    m = n // 2
    re = np.empty((m, BLOCK))
    im = np.empty((m, BLOCK))
    power = np.empty((m + 1, BLOCK))
    acc = np.empty(BLOCK)
    for first in range(0, count, BLOCK):
        width = min(BLOCK, count - first)
        # Windowed even samples into re, odd into im, in bit-reversed order: x[2k] + i x[2k + 1].
        for k in range(m):
            even = 2 * reverse[k]
            for b in range(width):
                at = (first + b) * hop + even
                re[k, b] = padded[at] * window[even]
                im[k, b] = padded[at + 1] * window[even + 1]
        # Radix-2 decimation in time, as portable.fft: (r1 c - i1 s, r1 s + i1 c), then sum and difference.
        size = 2
        while size <= m:
            half = size // 2
            step = m // size
            for block in range(step):
                for j in range(half):
                    cj = c[j * step]
                    sj = s[j * step]
                    p = block * size + j
                    q = p + half
                    for b in range(width):
                        tr = re[q, b] * cj - im[q, b] * sj
                        ti = re[q, b] * sj + im[q, b] * cj
                        r0 = re[p, b]
                        i0 = im[p, b]
                        re[p, b] = r0 + tr
                        re[q, b] = r0 - tr
                        im[p, b] = i0 + ti
                        im[q, b] = i0 - ti
            size *= 2
        # The real spectrum from the half-length one (portable.rfft's split), then |X|^2.
        for k in range(m + 1):
            a = k % m
            z = (m - k) % m
            for b in range(width):
                even_re = (re[a, b] + re[z, b]) * 0.5
                even_im = (im[a, b] - im[z, b]) * 0.5
                odd_re = (im[a, b] + im[z, b]) * 0.5
                odd_im = (re[z, b] - re[a, b]) * 0.5
                x_re = even_re + (w_re[k] * odd_re - w_im[k] * odd_im)
                x_im = even_im + (w_re[k] * odd_im + w_im[k] * odd_re)
                power[k, b] = x_re * x_re + x_im * x_im
        for i in range(weights.shape[0]):
            if hi[i] == lo[i]:  # an empty filter
                for b in range(width):
                    out[first + b, i] = 0.0
                continue
            for b in range(width):
                acc[b] = power[lo[i], b] * weights[i, lo[i]]
            for k in range(lo[i] + 1, hi[i]):
                for b in range(width):
                    acc[b] = acc[b] + power[k, b] * weights[i, k]
            for b in range(width):
                out[first + b, i] = acc[b]
    return out


@functools.lru_cache(maxsize=8)
def _plan(n_fft):
    """The twiddles and bit reversal of ``portable.rfft`` for ``n_fft`` (a power of 2, >= 4)."""
    reverse, c, s = portable._fft_plan(n_fft // 2)
    _, w_re, w_im = portable._fft_plan(n_fft)
    return reverse, c, s, w_re, w_im


def mel_power(frames_padded, hop, count, window, weights, supports):
    """Mel power (count, M) float64 of the frames of ``frames_padded`` (P,) float64 every ``hop`` samples.

    ``window`` (n_fft,) is applied to each frame before its real FFT; ``weights`` (M, n_fft/2 + 1)
    are the mel filters and ``supports`` ((lo, hi) per filter) where each is non-zero. Equal, bit for
    bit, to weights * |rfft(frame * window)|^2 with ``portable.rfft``, summed over each filter's bins
    in order.
    """
    n_fft = len(window)
    portable._check_power_of_two(n_fft)
    if n_fft < 4:
        raise ValueError(f"FFT length {n_fft}: the compiled mel spectrogram needs at least 4")
    reverse, c, s, w_re, w_im = _plan(n_fft)
    lo = np.array([a for a, _ in supports], dtype=np.int64)
    hi = np.array([b for _, b in supports], dtype=np.int64)
    out = np.empty((count, len(supports)))
    padded = np.ascontiguousarray(frames_padded, dtype=np.float64)
    _check_frames(padded, hop, count, n_fft)
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    return _mel_power(padded, hop, count, np.ascontiguousarray(window), reverse, c, s, w_re, w_im, weights, lo, hi, out)
