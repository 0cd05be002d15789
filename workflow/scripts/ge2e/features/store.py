"""The feature store: utterance features in ``.npz`` shards, and the feature sets that read them.

A shard holds many utterances concatenated along time, so a split of thousands of utterances is a
handful of files:

- ``features``  (sum T, n_mels) float32, natural-log mel energies
- ``lengths``   (U,) int64 frames per utterance
- ``speakers``, ``utterances``  (U,) str

Shards are read back memory-mapped (``FeatureSet.load`` -> ``ShardedFeatureSet``): ``np.savez``
stores its members uncompressed, so the frames are read in place (``ge2e.features.npz``) and only the
frames a batch or an utterance needs come into memory; full-set passes (``frame_stats``, ``digest``) go
block by block. A corpus far larger than memory trains and evaluates with memory bounded by the index
(lengths, speakers, utterance ids: O(utterances)) and a few blocks.
"""

import dataclasses
import hashlib
import os
import zlib

import numpy as np

from ge2e.atomic import atomic_path
from ge2e.errors import InputError
from ge2e.features.npz import open_shard, pread
from ge2e.segments import segment_index

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
        opened = [open_shard(os.fspath(p)) for p in paths]
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
                    crc = zlib.crc32(pread(fd, shard.member, shard.data - shard.member))
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
