"""VAD + log-mel features, and the sharded ``.npz`` files that carry them.

This is the one place feature parameters are interpreted. A shard holds many
utterances concatenated along time, so a split of thousands of utterances is a
handful of files:

- ``features``  (sum T, n_mels) float32, natural-log mel energies
- ``lengths``   (U,) int64 frames per utterance
- ``speakers``, ``utterances``  (U,) str

Shards are read back memory-mapped (``FeatureSet.load`` -> ``ShardedFeatureSet``): ``np.savez``
stores its members uncompressed, so the frames are read in place and only the frames a batch or an
utterance needs come into memory; full-set passes (``frame_stats``, ``digest``) go block by block.
A corpus far larger than memory trains and evaluates with memory bounded by the index (lengths,
speakers, utterance ids: O(utterances)) and a few blocks.

The arithmetic is ``ge2e.portable``'s, so features are the same bits on every x86-64 CPU:
librosa's (which this follows: centred frames, periodic Hann window, Slaney mel filters, the
VAD of ``librosa.effects.split``) goes through numpy's CPU-dispatched log and complex kernels
and through BLAS, and differs in the last bits between machines.
"""

import dataclasses
import functools
import hashlib
import math
import mmap
import os
import struct
import zipfile
import zlib

import numpy as np

from ge2e import portable
from ge2e.atomic import atomic_path
from ge2e.audio import files as audio
from ge2e.errors import InputError
from ge2e.features import kernels
from ge2e.segments import segment_index

LOG_FLOOR = 1e-6  # added before log so silence does not give -inf
# Per-utterance normalisation of the log-mels, applied wherever features are made (shards,
# augmentation, ge2e embed/verify) and stored in checkpoints with the other parameters:
# - none: raw log-mels; the input then depends on the recording level;
# - level: subtract the utterance's mean log-mel (one number): a gain of g dB adds the same
#   constant to every log-mel, so this removes level exactly and keeps the spectral shape;
# - mean: subtract each mel channel's mean over the utterance (cepstral mean normalisation):
#   removes a fixed channel too, and with it part of the speaker's long-term spectrum.
NORMALISATIONS = ("none", "level", "mean")
# The arithmetic of the STFT, mel projection and log (config ``features.arithmetic``):
# - portable: ge2e.portable's operations (ge2e.kernels's kernel, series log): the same bits on every
#   x86-64 CPU (docs/reproducibility.md), and faster than librosa's front end (bench/features.py);
# - native: librosa's STFT, a BLAS matmul with librosa's mel filters and numpy's log, whose last bits
#   depend on the CPU's vector units; within 1e-5 of portable (tests/test_features.py). For matching
#   features computed elsewhere with librosa, not for speed.
# The VAD is portable in both: a last-bit difference at its threshold would move whole frames.
ARITHMETICS = ("portable", "native")
RELATIVE_FLOOR = 1e-8  # 80 dB below the utterance's mean mel power
SILENCE_PEAK = 1e-4  # -80 dBFS: quieter audio holds no speech
VAD_FLOOR = 1e-10  # frame power floor of the VAD (librosa's amin)


@dataclasses.dataclass(frozen=True)
class FeatureParams:
    """How audio becomes features (config ``features.params``, whose schema holds the defaults: the
    paper's 25 ms window, 10 ms hop, 40 log-mels)."""

    sample_rate: int
    n_mels: int
    window_ms: float
    hop_ms: float
    n_fft: int
    top_db: float  # VAD: frames quieter than peak - top_db are silence
    normalise: str  # per-utterance log-mel normalisation, one of NORMALISATIONS
    arithmetic: str = ARITHMETICS[0]  # one of ARITHMETICS; checkpoints from before the switch are portable

    def __post_init__(self):
        if self.arithmetic not in ARITHMETICS:
            raise ValueError(f"feature arithmetic {self.arithmetic!r}; use one of {ARITHMETICS}")

    @property
    def win_length(self):
        return int(round(self.sample_rate * self.window_ms / 1000))

    @property
    def hop_length(self):
        return int(round(self.sample_rate * self.hop_ms / 1000))


def centred(samples, frame_length, hop_length):
    """``samples`` (S,) zero-padded by frame_length // 2 at both ends, and the number T of frames centred
    on every ``hop_length``-th sample (librosa's ``center=True``, ``pad_mode='constant'``).

    Returns (padded (S + 2 (frame_length // 2),), T).
    """
    padded = np.pad(samples, frame_length // 2)
    return padded, 1 + (len(padded) - frame_length) // hop_length


def frames(samples, frame_length, hop_length):
    """Frames of ``samples`` (S,) as ``centred`` places them. Returns a (1 + S // hop_length, frame_length) view."""
    padded, count = centred(samples, frame_length, hop_length)
    return np.lib.stride_tricks.sliding_window_view(padded, frame_length)[::hop_length][:count]


def vad(samples, params):
    """Keep the non-silent parts of ``samples`` (S,), concatenated. Returns (S',).

    librosa.effects.split's rule: a frame is speech when its mean power is within ``top_db`` of
    the loudest frame's, compared as powers (librosa compares decibels, through a CPU-dependent
    log10). Relative to the loudest frame, digital silence would count as all speech: audio whose
    peak is below SILENCE_PEAK is treated as empty.
    """
    if samples.size == 0 or np.abs(samples).max() < SILENCE_PEAK:
        return samples[:0]
    padded, count = centred(np.asarray(samples, dtype=np.float64), params.win_length, params.hop_length)
    power = np.maximum(kernels.frame_power(padded, params.hop_length, count, params.win_length), VAD_FLOOR)
    speech = power > power.max() * float(portable.exp(-params.top_db / 10 * portable.LN10))
    # Runs of speech frames -> sample intervals [frame start * hop, frame end * hop), as librosa.
    edges = np.flatnonzero(np.diff(np.concatenate([[False], speech, [False]]).astype(np.int8)))
    bounds = np.minimum(edges * params.hop_length, len(samples)).reshape(-1, 2)
    if len(bounds) == 0:
        return samples[:0]
    return np.concatenate([samples[a:b] for a, b in bounds])


@functools.lru_cache(maxsize=8)
def _stft_window(win_length, n_fft):
    """Periodic Hann window of ``win_length`` centred in ``n_fft`` zeros (librosa's). Returns (n_fft,) read-only."""
    window = np.zeros(n_fft)
    start = (n_fft - win_length) // 2
    window[start : start + win_length] = portable.hann(win_length)
    window.flags.writeable = False
    return window


def _hz_to_mel(hz):
    """Slaney's mel scale (librosa's default): linear below 1 kHz, logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    log_step = float(portable.log(6.4)) / 27.0
    return np.where(hz >= 1000.0, 15.0 + portable.log(hz / 1000.0) / log_step, hz * 3 / 200)


def _mel_to_hz(mel):
    log_step = float(portable.log(6.4)) / 27.0
    return np.where(mel >= 15.0, 1000.0 * portable.exp(log_step * (mel - 15.0)), mel * 200 / 3)


@functools.lru_cache(maxsize=8)
def mel_filters(sample_rate, n_fft, n_mels):
    """Slaney-normalised triangular mel filters from 0 Hz to Nyquist, librosa.filters.mel's defaults.

    Returns (n_mels, n_fft // 2 + 1) float64, read-only.
    """
    fft_hz = np.arange(n_fft // 2 + 1) * (sample_rate / n_fft)
    edges = _mel_to_hz(np.linspace(0.0, float(_hz_to_mel(sample_rate / 2)), n_mels + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_hz[None, :]
    rising, falling = -ramps[:-2] / widths[:-1, None], ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(rising, falling)) * (2.0 / (edges[2:] - edges[:-2]))[:, None]
    weights.flags.writeable = False
    return weights


def mel_power(samples, params):
    """Mel power spectrogram of ``samples`` (S,): |STFT|^2 through the mel filters. Returns (T, n_mels) float64.

    Frames as ``centred`` places them. Portable: ``ge2e.kernels``'s compiled kernel, ``portable.rfft``'s
    arithmetic with each filter's bins summed in a fixed order (a BLAS matmul picks its kernel, and
    so its summation order, by CPU). Native: librosa's STFT and filters and a BLAS matmul.
    """
    if params.arithmetic == "native":
        return _native_mel_power(samples, params)
    padded, count = centred(np.asarray(samples, dtype=np.float64), params.n_fft, params.hop_length)
    window = _stft_window(params.win_length, params.n_fft)
    weights = mel_filters(params.sample_rate, params.n_fft, params.n_mels)
    supports = _mel_supports(params.sample_rate, params.n_fft, params.n_mels)
    return kernels.mel_power(padded, params.hop_length, count, window, weights, supports)


def _native_mel_power(samples, params):
    """``mel_power`` in librosa's and numpy's own arithmetic, float64 throughout. Returns (T, n_mels)."""
    import librosa

    stft = librosa.stft(
        np.asarray(samples, dtype=np.float64),
        n_fft=params.n_fft,
        hop_length=params.hop_length,
        win_length=params.win_length,
        window="hann",
        center=True,
        pad_mode="constant",
    )  # (n_fft // 2 + 1, T) complex128
    power = librosa.util.abs2(stft)  # |X|^2 as librosa's melspectrogram takes it
    return (_librosa_mel_filters(params.sample_rate, params.n_fft, params.n_mels) @ power).T


@functools.lru_cache(maxsize=8)
def _librosa_mel_filters(sample_rate, n_fft, n_mels):
    """librosa.filters.mel's (n_mels, n_fft // 2 + 1) float64, made once per setting (it is slow to make)."""
    import librosa

    weights = librosa.filters.mel(sr=sample_rate, n_fft=n_fft, n_mels=n_mels, dtype=np.float64)
    weights.flags.writeable = False
    return weights


@functools.lru_cache(maxsize=8)
def _mel_supports(sample_rate, n_fft, n_mels):
    """(lo, hi) bin range where each mel filter is non-zero ((0, 0) for an empty one), found once per setting."""
    supports = []
    for row in mel_filters(sample_rate, n_fft, n_mels):
        (support,) = np.nonzero(row)
        supports.append((int(support[0]), int(support[-1]) + 1) if len(support) else (0, 0))
    return tuple(supports)


def log_mel(samples, params):
    """Log-mel energies of ``samples`` (S,). Returns (T, n_mels) float32."""
    mel = mel_power(samples, params)
    # The floor keeps silent bins finite. Normalised features take it relative to the utterance's
    # mean power (RELATIVE_FLOOR below it), so a gain changes floored bins by the same constant too.
    floor = LOG_FLOOR if params.normalise == "none" else RELATIVE_FLOOR * max(float(mel.mean()), 1e-30)
    log = np.log if params.arithmetic == "native" else portable.log
    return normalise(log(mel + floor), params.normalise).astype(np.float32)


def normalise(log_mels, how):
    """Per-utterance normalisation (see NORMALISATIONS) of log-mels (T, F). Returns (T, F)."""
    if how == "level":
        return log_mels - log_mels.mean()
    if how == "mean":
        return log_mels - log_mels.mean(axis=0, keepdims=True)
    if how == "none":
        return log_mels
    raise ValueError(f"feature normalisation {how!r}; use one of {NORMALISATIONS}")


def speech_only(samples, params, source):
    """VAD-trimmed samples (S',); an InputError naming ``source`` when nothing is left."""
    speech = vad(samples, params)
    if len(speech) < params.win_length:
        raise InputError(f"{source}: no speech left after VAD (top_db={params.top_db}); is the file silent?")
    return speech


def from_samples(samples, params, source):
    """VAD then log-mel; ``source`` names the file in errors. Returns (T, n_mels)."""
    return log_mel(speech_only(samples, params, source), params)


def read(path, params, policy):
    """Samples (S,) of ``path`` read under ``policy`` (``ge2e.audio.ReadPolicy``), at the features' rate."""
    if policy.sample_rate != params.sample_rate:
        raise ValueError(f"read policy at {policy.sample_rate} Hz for features at {params.sample_rate} Hz")
    return audio.read(path, policy)


def extract(path, params, policy):
    """VAD-trimmed log-mel features (T, n_mels) of ``path``, read under ``policy`` (``ge2e.audio.ReadPolicy``)."""
    return from_samples(read(path, params, policy), params, path)


# Frames per block of the full-set passes (frame_stats, digest): fixed, so their results depend only on the
# frames in stored order, not on how the shards split them. 65,536 frames of 40 float32 log-mels = 10 MiB.
SCAN_BLOCK = 1 << 16


class _Utterances:
    """What every feature set offers; subclasses hold the frames (``lengths``, ``speakers``, ``utterances``:
    (U,) arrays; ``n_mels``, ``dtype``; ``utterance``, ``segments``, ``_blocks``)."""

    @property
    def offsets(self):
        """(U + 1,) start frame of each utterance in stored order, then the total."""
        return np.concatenate([[0], np.cumsum(self.lengths)])

    @property
    def n_frames(self):
        return int(np.sum(self.lengths))

    @property
    def shape(self):
        """(sum T, F): the shape of all frames concatenated."""
        return (self.n_frames, self.n_mels)

    def __len__(self):
        return len(self.lengths)

    def iter_utterances(self):
        """Each utterance's features (T_i, F) in turn, read one at a time."""
        return (self.utterance(i) for i in range(len(self)))

    def by_speaker(self):
        """Speaker -> indices of their utterances (in stored order); speakers sorted."""
        out = {}
        for i, spk in enumerate(self.speakers):
            out.setdefault(str(spk), []).append(i)
        return dict(sorted(out.items()))

    def frame_stats(self, transform=None):
        """Mean and standard deviation over all frames, per feature: ((F,), (F,)) float32.

        Read in blocks of SCAN_BLOCK frames (memory bounded by a block) and accumulated in float64
        (``_Moments``): the same bits for the same frames however shards split them. Without
        ``transform`` it is the pass that also gives ``digest()``, done once per set. ``transform``
        maps frames (n, F) to (n, F') frame by frame (the MFCC baseline's DCT); its statistics are
        returned instead.
        """
        if transform is None:
            return self._scan()[:2]
        moments = _Moments()
        for block in self._blocks(SCAN_BLOCK):
            moments.add(transform(block))
        return moments.result()

    def digest(self):
        """What identifies the data: its shape and a SHA-256 of every frame, length, speaker and utterance
        id in stored order (the same for the same data however it is sharded or held)."""
        return self._scan()[2]

    def _scan(self):
        """(mean, std, digest) in one pass over the frames, kept: a set's files or arrays do not change."""
        if getattr(self, "_scanned", None) is None:
            h = hashlib.sha256(repr((self.shape, np.dtype(self.dtype).str)).encode())
            h.update(np.asarray(self.lengths, dtype="<i8").tobytes())
            for names in (self.speakers, self.utterances):
                h.update("\0".join(map(str, names)).encode() + b"\1")
            moments = _Moments()
            for block in self._blocks(SCAN_BLOCK):
                h.update(np.ascontiguousarray(block))
                moments.add(block)
            self._scanned = (*moments.result(), f"{self.shape}:{h.hexdigest()}")
        return self._scanned


class _Moments:
    """Per-column mean and standard deviation of rows added block by block.

    Sums in float64 of the rows less the first block's mean (so a column far from zero loses nothing
    to cancellation in sum of squares - square of sum); a fixed order for fixed blocks, so the same
    blocks give the same bits.
    """

    def __init__(self):
        self.count, self.shift, self.buf = 0, None, None

    def add(self, x):
        if not len(x):
            return
        if self.shift is None:
            self.shift = np.mean(x, axis=0, dtype=np.float64)
            self.total, self.squares = np.zeros_like(self.shift), np.zeros_like(self.shift)
        if self.buf is None or len(self.buf) < len(x):
            self.buf = np.empty(x.shape, np.float64)
        y = np.subtract(x, self.shift, out=self.buf[: len(x)], dtype=np.float64)
        self.total += y.sum(axis=0)
        self.squares += np.einsum("ij,ij->j", y, y)
        self.count += len(x)

    def result(self):
        """(mean, std) float32; an InputError when nothing was added."""
        if not self.count:
            raise InputError("no frames to take statistics of: the feature set is empty")
        mean = self.total / self.count
        std = np.sqrt(np.maximum(self.squares / self.count - mean * mean, 0.0))
        return (self.shift + mean).astype(np.float32), std.astype(np.float32)


@dataclasses.dataclass
class FeatureSet(_Utterances):
    """Utterance features held in memory as one (sum T, F) array plus lengths.

    Sets written to disk are read back memory-mapped (``FeatureSet.load``, a ``ShardedFeatureSet``),
    which offers the same reading methods without holding the frames.
    """

    features: np.ndarray
    lengths: np.ndarray
    speakers: np.ndarray
    utterances: np.ndarray

    @classmethod
    def from_list(cls, feats, speakers, utterances, n_mels=None):
        """Build from per-utterance arrays (T_i, F); ``n_mels`` shapes an empty set."""
        n_mels = feats[0].shape[1] if feats else n_mels or 0
        return cls(
            features=np.concatenate(feats) if feats else np.zeros((0, n_mels), np.float32),
            lengths=np.array([len(f) for f in feats], dtype=np.int64),
            speakers=np.array(speakers, dtype=str),
            utterances=np.array(utterances, dtype=str),
        )

    @property
    def n_mels(self):
        return self.features.shape[1]

    @property
    def dtype(self):
        return self.features.dtype

    def utterance(self, i):
        """Features of utterance i: (T_i, F) view."""
        start = int(self.lengths[:i].sum())
        return self.features[start : start + int(self.lengths[i])]

    def split_utterances(self):
        """All utterances as a list of (T_i, F) views."""
        return np.split(self.features, np.cumsum(self.lengths)[:-1]) if len(self) else []

    def segments(self, utts, starts, frames):
        """Segments of ``frames`` frames of utterances ``utts`` (B,) from ``starts`` (B,), wrapping
        utterances shorter than that (``ge2e.segments.segment_index``). Returns (B, frames, F)."""
        utts, starts = np.asarray(utts, dtype=np.int64), np.asarray(starts)
        return self.features[segment_index(self.offsets[utts], self.lengths[utts], starts, frames)]

    def in_memory(self):
        return self

    def _blocks(self, size):
        for start in range(0, len(self.features), size):
            yield self.features[start : start + size]

    def save(self, path):
        """Atomically write as ``.npz``."""
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(
                    fh,
                    features=self.features,
                    lengths=self.lengths,
                    speakers=self.speakers,
                    utterances=self.utterances,
                )

    @classmethod
    def load(cls, paths):
        """Open shards (one path or several) memory-mapped, in the order given: a ShardedFeatureSet."""
        return ShardedFeatureSet.open(paths)


@dataclasses.dataclass
class _Shard:
    path: str
    features: np.ndarray  # (T, F): a view of ``mapped``, or in memory for a compressed member
    mapped: mmap.mmap | None = None
    member: int = 0  # byte where the .npy member starts in the file
    data: int = 0  # byte where its frames start
    crc: int | None = None  # the member's CRC-32 from the zip directory
    count: int = 0  # utterances
    fortran: bool = False  # stored feature by feature (column-major) rather than frame by frame

    def read(self, fd, start, into):
        """Frames [start, start + len(into)) into the C-ordered (n, F) array ``into``, with pread from ``fd``."""
        n, n_feats = into.shape
        row = into.itemsize * n_feats
        if not self.fortran:
            return _pread(fd, self.data + start * row, n * row, into)
        column = np.empty(n, into.dtype)
        for f in range(n_feats):  # one run per feature
            into[:, f] = _pread(fd, self.data + (f * len(self.features) + start) * into.itemsize, column.nbytes, column)
        return into

    def check(self, fd, chunk):
        """InputError unless the member's bytes (read in order, ``chunk`` bytes at a time) match its CRC-32."""
        crc, pos, end = 0, self.member, self.data + self.features.nbytes
        while pos < end:
            crc = zlib.crc32(_pread(fd, pos, min(chunk, end - pos)), crc)
            pos += chunk
        if crc != self.crc:
            raise InputError(f"{self.path}: feature shard is corrupt (CRC mismatch); rerun its features job")

    def release(self):
        """Unmap the pages reads have brought into this process (the page cache keeps them while memory allows)."""
        if self.mapped is not None:
            self.mapped.madvise(mmap.MADV_DONTNEED)


class ShardedFeatureSet(_Utterances):
    """Feature shards (``FeatureSet.save`` files) read in place: each shard's frames memory-mapped,
    and in memory only an index of O(utterances): lengths, speakers, utterance ids, shard and offset.

    ``np.savez`` stores members uncompressed, so the ``features`` member's bytes lie in the file as
    they would in memory, after a zip local header and a ``.npy`` header (a compressed member, as
    ``np.savez_compressed`` writes, is read into memory instead).

    Reads gather frames from the maps. The pages a read touches are page cache, which the kernel can
    reclaim, but while mapped they count in the process's resident memory (RssFile), and a kernel
    with large page-cache folios maps up to 2 MiB around every frame touched: a paper-size batch
    could map hundreds of MB, and a process that never unmapped would show the whole corpus resident.
    So as soon as a read has copied its frames out of a shard, the pages it mapped there are released
    (``madvise(MADV_DONTNEED)``; the page cache keeps the data while memory allows): resident memory
    stays bounded by one read from one shard, however large the corpus. ``keep_mapped = True`` skips
    that (faster batches on a hot cache, resident memory growing with the share of the corpus read:
    ``bench/shards.py`` measures both).
    """

    keep_mapped = False

    def __init__(self, shards, lengths, speakers, utterances):
        if len({(s.features.shape[1], s.features.dtype) for s in shards}) > 1:
            about = ", ".join(f"{s.path}: {s.features.shape[1]} x {s.features.dtype}" for s in shards)
            raise InputError(f"feature shards of one set disagree on features per frame or type: {about}")
        self.shards = shards
        self.lengths, self.speakers, self.utterances = lengths, speakers, utterances
        self.n_mels = shards[0].features.shape[1] if shards else 0
        self.dtype = shards[0].features.dtype if shards else np.dtype(np.float32)
        counts = np.array([s.count for s in shards], dtype=np.int64)
        offsets = self.offsets
        self._shard = np.repeat(np.arange(len(shards), dtype=np.int32), counts)  # (U,) shard of each utterance
        self._local = offsets[:-1] - np.repeat(offsets[np.cumsum(counts) - counts], counts)  # (U,) first frame there

    @classmethod
    def open(cls, paths):
        """Open shards (one path or several), in the order given; an InputError names a file that is no shard."""
        if isinstance(paths, (str, bytes, os.PathLike)):
            paths = [paths]
        opened = [_open_shard(os.fspath(p)) for p in paths]
        shards = [o[0] for o in opened]
        lengths, speakers, utterances = (
            np.concatenate([o[k] for o in opened]) if opened else np.zeros(0, np.int64 if k == 1 else str)
            for k in (1, 2, 3)
        )
        return cls(shards, lengths.astype(np.int64), speakers, utterances)

    def utterance(self, i):
        """Features of utterance i: (T_i, F), read from its shard."""
        k, start = int(self._shard[i]), int(self._local[i])
        out = np.array(self.shards[k].features[start : start + int(self.lengths[i])])
        self._done(k)
        return out

    def split_utterances(self):
        """All utterances as a list of (T_i, F) views of the maps (nothing is read until they are used;
        ``iter_utterances`` reads them one by one, releasing each)."""
        feats = [self.shards[k].features for k in self._shard]
        return [f[a : a + n] for f, a, n in zip(feats, self._local, self.lengths, strict=True)]

    def segments(self, utts, starts, frames):
        """As ``FeatureSet.segments``, gathered shard by shard: the same values as from the frames in memory."""
        utts, starts = np.asarray(utts, dtype=np.int64), np.asarray(starts)
        out = np.empty((len(utts), frames, self.n_mels), self.dtype)
        shard = self._shard[utts]
        for k in np.unique(shard):
            sel = np.flatnonzero(shard == k)
            chosen = utts[sel]
            out[sel] = self.shards[k].features[
                segment_index(self._local[chosen], self.lengths[chosen], starts[sel], frames)
            ]
            self._done(k)
        return out

    def in_memory(self):
        """The whole set read into memory: a FeatureSet."""
        features = np.zeros((0, self.n_mels), self.dtype)
        for block in self._blocks(max(1, self.n_frames)):  # one block of every frame, read and CRC-checked
            features = block
        return FeatureSet(features, self.lengths, self.speakers, self.utterances)

    def release(self):
        """Unmap every page reads have brought into this process (the page cache keeps them while memory allows)."""
        for shard in self.shards:
            shard.release()

    def _done(self, k):
        if not self.keep_mapped:
            self.shards[k].release()

    def _blocks(self, size):
        """Consecutive blocks of ``size`` frames (the last shorter) across shards, in one reused buffer.

        Read with ``pread`` rather than through the maps (a sequential pass gains nothing from mapping
        and would have to unmap as it goes). Every shard's member is checked against its CRC-32 on the
        way: in the same reads when frames are stored in order, in a pass of its own when by feature.
        """
        buf = np.empty((size, self.n_mels), self.dtype)
        fill = 0
        for shard in self.shards:
            fd = None if shard.mapped is None else os.open(shard.path, os.O_RDONLY)
            try:
                crc = None
                if fd is not None and shard.fortran:
                    shard.check(fd, buf.nbytes)
                elif fd is not None:
                    crc = zlib.crc32(_pread(fd, shard.member, shard.data - shard.member))
                pos, total = 0, len(shard.features)
                while pos < total:
                    take = min(size - fill, total - pos)
                    into = buf[fill : fill + take]
                    if fd is None:
                        into[:] = shard.features[pos : pos + take]
                    else:
                        shard.read(fd, pos, into)
                    if crc is not None:
                        crc = zlib.crc32(into, crc)
                    fill, pos = fill + take, pos + take
                    if fill == size:
                        yield buf
                        fill = 0
            finally:
                if fd is not None:
                    os.close(fd)
            if crc is not None and crc != shard.crc:
                raise InputError(f"{shard.path}: feature shard is corrupt (CRC mismatch); rerun its features job")
        if fill:
            yield buf[:fill]


def _pread(fd, offset, size, into=None):
    """``size`` bytes of ``fd`` from ``offset``, into the array ``into`` when given (else returned as bytes)."""
    if into is None:
        return os.pread(fd, size, offset)
    view, done = memoryview(into).cast("B"), 0
    while done < size:
        got = os.preadv(fd, [view[done:]], offset + done)
        if not got:
            raise InputError(f"file ended {size - done} bytes early while reading the frames (fd {fd})")
        done += got
    return into


NPZ_MEMBERS = ("features", "lengths", "speakers", "utterances")


def _open_shard(path):
    """(_Shard, lengths, speakers, utterances) of the shard at ``path``; an InputError when it is not one."""
    try:
        with open(path, "rb") as fh, zipfile.ZipFile(fh) as archive:
            names = set(archive.namelist())
            missing = [m for m in NPZ_MEMBERS if f"{m}.npy" not in names]
            if missing:
                raise ValueError(f"no {', '.join(missing)} in it")
            index = [np.lib.format.read_array(archive.open(f"{m}.npy"), allow_pickle=False) for m in NPZ_MEMBERS[1:]]
            info = archive.getinfo("features.npy")
            if info.compress_type == zipfile.ZIP_STORED:
                shard = _map_member(fh, info, path)
            else:
                shard = _Shard(path, np.lib.format.read_array(archive.open("features.npy"), allow_pickle=False))
    except FileNotFoundError:
        raise InputError(f"{path}: no such feature shard") from None
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        raise InputError(
            f"{path}: not a readable feature shard ({type(exc).__name__}: {exc}); rerun its features job"
        ) from None
    lengths, speakers, utterances = index
    if shard.features.ndim != 2 or not (len(lengths) == len(speakers) == len(utterances)):
        raise InputError(
            f"{path}: feature shard is inconsistent (features {shard.features.shape}, "
            f"{len(lengths)} lengths, {len(speakers)} speakers, {len(utterances)} utterance ids)"
        )
    if int(np.sum(lengths)) != len(shard.features) or (len(lengths) and np.min(lengths) < 0):
        raise InputError(
            f"{path}: feature shard is inconsistent (lengths sum to {int(np.sum(lengths))}, "
            f"{len(shard.features)} frames stored)"
        )
    shard.count = len(lengths)
    return shard, lengths, speakers, utterances


def _map_member(fh, info, path):
    """A _Shard whose frames are a read-only map of the stored (uncompressed) zip member ``info``.

    The member's data starts after its local header, whose name and extra field (zip64 sizes, which
    ``np.savez`` always writes) have their own lengths there; zipfile has already resolved a zip64
    directory's offsets into ``info.header_offset``. Then the ``.npy`` header, then the frames.
    """
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise ValueError(f"no zip local header at byte {info.header_offset}")
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    member = info.header_offset + 30 + name_length + extra_length
    fh.seek(member)
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
    else:
        raise ValueError(f"features in .npy format {version}")
    if len(shape) != 2 or dtype.hasobject:
        raise ValueError(f"features stored as {shape} {dtype}")
    data, count = fh.tell(), math.prod(shape)
    end, size = data + count * dtype.itemsize, os.fstat(fh.fileno()).st_size
    if end > member + info.file_size or end > size:
        raise ValueError(f"truncated: its frames would end at byte {end}, the file ends at {size}")
    mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    features = np.frombuffer(mapped, dtype, count=count, offset=data)
    # Fortran order (what the features rule writes: log_mel's arrays are column-major) stores each
    # feature's frames together: the same (T, F) array, read through other strides.
    features = features.reshape(shape[::-1]).T if fortran else features.reshape(shape)
    return _Shard(path, features, mapped, member, data, info.CRC, fortran=fortran)


def extract_rows(rows, params, policy):
    """Features of manifest ``rows`` as a FeatureSet (in row order), read under ``policy``
    (``ge2e.audio.ReadPolicy``). Unreadable or silent files are skipped (and left out) or
    fatal by its ``on_bad_file``.
    """
    bad_files = policy.bad_files("features")
    feats, kept = [], []
    for r in rows:
        f = bad_files.call(extract, r["path"], params, policy)
        if f is not None:
            feats.append(f)
            kept.append(r)
    bad_files.summary()
    speakers, utterances = [r["speaker"] for r in kept], [r["utterance"] for r in kept]
    return FeatureSet.from_list(feats, speakers, utterances, params.n_mels)
