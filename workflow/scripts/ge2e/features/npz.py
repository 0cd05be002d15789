"""Reading a feature shard (an ``np.savez`` file) in place: its frames a read-only map of the stored zip
member, its index (lengths, speakers, utterance ids) read into memory, every byte checked against the
member's CRC-32 when a full pass reads it (``ge2e.features.store``).
"""

import dataclasses
import math
import mmap
import os
import struct
import zipfile
import zlib

import numpy as np

from ge2e.errors import InputError


@dataclasses.dataclass
class Shard:
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
            return pread(fd, self.data + start * row, n * row, into)
        column = np.empty(n, into.dtype)
        for f in range(n_feats):  # one run per feature
            into[:, f] = pread(fd, self.data + (f * len(self.features) + start) * into.itemsize, column.nbytes, column)
        return into

    def check(self, fd, chunk):
        """InputError unless the member's bytes (read in order, ``chunk`` bytes at a time) match its CRC-32."""
        crc, pos, end = 0, self.member, self.data + self.features.nbytes
        while pos < end:
            crc = zlib.crc32(pread(fd, pos, min(chunk, end - pos)), crc)
            pos += chunk
        if crc != self.crc:
            raise InputError(f"{self.path}: feature shard is corrupt (CRC mismatch); rerun its features job")

    def release(self):
        """Unmap the pages reads have brought into this process (the page cache keeps them while memory allows)."""
        if self.mapped is not None:
            self.mapped.madvise(mmap.MADV_DONTNEED)


def pread(fd, offset, size, into=None):
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


MEMBERS = ("features", "lengths", "speakers", "utterances")


def open_shard(path):
    """(Shard, lengths, speakers, utterances) of the shard at ``path``; an InputError when it is not one."""
    try:
        with open(path, "rb") as fh, zipfile.ZipFile(fh) as archive:
            names = set(archive.namelist())
            missing = [m for m in MEMBERS if f"{m}.npy" not in names]
            if missing:
                raise ValueError(f"no {', '.join(missing)} in it")
            index = [np.lib.format.read_array(archive.open(f"{m}.npy"), allow_pickle=False) for m in MEMBERS[1:]]
            info = archive.getinfo("features.npy")
            if info.compress_type == zipfile.ZIP_STORED:
                shard = _map_member(fh, info, path)
            else:
                shard = Shard(path, np.lib.format.read_array(archive.open("features.npy"), allow_pickle=False))
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
    """A Shard whose frames are a read-only map of the stored (uncompressed) zip member ``info``.

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
    return Shard(path, features, mapped, member, data, info.CRC, fortran=fortran)
