"""Folders of noise and room impulse-response recordings for augmentation (``augment.<task>.noise_roots``,
``augment.<task>.rir_roots``): MUSAN's ``noise``, ``music`` and ``speech``, RIRS_NOISES's rooms, or any
folders of wav and flac files.

Each root is one category: a draw picks a root, then a file in it, each uniformly, so MUSAN's three
folders count alike however many files each holds. Files are listed recursively and sorted by their
path inside their root, so a draw depends on what the folders hold, not on the file system's order or
on where the folders are. A file is read only when first drawn (``ge2e.audio.files.read``: resampled the
portable way, the first channel of a multi-channel file) and kept for the rest of the job, up to
``CACHE_MB``: a shard job reads each file it draws once, not once per utterance, and never the whole
of MUSAN. Every draw comes from the utterance's seeded generator, so a shard is the same whichever
job makes it, and the signal path is ``ge2e.portable``'s arithmetic (exactly rounded operations and
numpy's fixed-order sums), so it is the same bits on every x86-64 CPU.
"""

import collections
import dataclasses
import logging
import os
from pathlib import Path

import numpy as np

from ge2e.audio import files as audio
from ge2e.errors import InputError

SUFFIXES = (".wav", ".flac")
CACHE_MB = 256  # read files kept per job; beyond, the least recently drawn is read again when drawn
# The channel of a multi-channel recording: RIRS_NOISES's real rooms are microphone arrays, each channel
# a response of the same room, so the first is as good as any; a mix of them would not be a room at all.
CHANNEL = 1

log = logging.getLogger(__name__)


def _audio_under(root):
    """Paths relative to ``root`` (posix strings) of its wav and flac files, in the walk's order (unsorted)."""
    for folder, dirs, files in os.walk(root, followlinks=True):
        dirs.sort()  # the walk's order is the file system's; the caller sorts, this only steadies the walk
        for name in files:
            if name.lower().endswith(SUFFIXES):
                yield Path(folder, name).relative_to(root).as_posix()


def _check_root(root, key):
    if not Path(root).is_dir():
        raise InputError(f"config key {key}: {str(root)!r} is not a folder; point it at a folder of wav or flac files")


def check_roots(roots, key):
    """Start-up check of the folders of config key ``key``: each a folder holding some wav or flac file.

    Stops at each root's first file, so it is cheap on a folder of tens of thousands. Raises InputError
    naming the key and the folder.
    """
    for root in roots:
        _check_root(root, key)
        if next(_audio_under(root), None) is None:
            raise InputError(f"config key {key}: {str(root)!r} holds no .wav or .flac file (searched recursively)")


def list_files(roots, key):
    """Per root (in the given order), its wav and flac files sorted by their path inside it: [[Path, ...], ...].

    InputError naming ``key`` for a root that is not a folder or holds no such file.
    """
    out = []
    for root in roots:
        _check_root(root, key)
        found = sorted(_audio_under(root))
        if not found:
            raise InputError(f"config key {key}: {str(root)!r} holds no .wav or .flac file (searched recursively)")
        out.append([Path(root, name) for name in found])
    return out


def noise(samples, path):
    """A noise recording (S,) as read (float32: half the cache of float64); InputError naming ``path`` when it
    is digital silence, which has no level to scale to an SNR."""
    if not np.any(samples):
        raise InputError(f"{path}: noise recording holds only zeros")
    return samples


def impulse_response(samples, path):
    """A room impulse response from a recording (S,): from its peak (the direct path) on, at unit energy.

    Cutting what comes before the peak (the sound's travel to the microphone, often tens of ms in
    simulated rooms) keeps a reverberated copy aligned with its original, as the simulated rooms'
    direct path at sample 0 does. Returns (S - peak,) float64; InputError naming ``path`` when all zero.
    """
    samples = np.asarray(samples, dtype=np.float64)
    rir = samples[int(np.argmax(np.abs(samples))) :]
    energy = np.sum(rir * rir)
    if not energy > 0:
        raise InputError(f"{path}: impulse response holds only zeros")
    return rir / np.sqrt(energy)


def segment(samples, rng, length):
    """``length`` samples of a recording (N,) from an offset drawn with ``rng`` (one integer draw).

    A stretch of it where it is long enough; a shorter one is looped from the offset. Returns (length,).
    """
    n = len(samples)
    if n >= length:
        start = int(rng.integers(n - length + 1))
        return samples[start : start + length]
    start = int(rng.integers(n))
    return samples[(start + np.arange(length)) % n]


@dataclasses.dataclass
class _Cache:
    """Read recordings by path, least recently drawn first out once over ``limit`` bytes."""

    limit: int
    items: collections.OrderedDict = dataclasses.field(default_factory=collections.OrderedDict)
    size: int = 0

    def get(self, path):
        if path in self.items:
            self.items.move_to_end(path)
        return self.items.get(path)

    def put(self, path, samples):
        self.items[path] = samples
        self.size += samples.nbytes
        while self.size > self.limit and len(self.items) > 1:
            self.size -= self.items.popitem(last=False)[1].nbytes


class Recordings:
    """The recordings under the folders of one config key, drawn with an utterance's generator.

    Args:
        roots: the folders (each a category, see the module's note).
        key: the config key naming them, for errors (e.g. ``augment.tisv.noise_roots``).
        policy: the run's ``ge2e.audio.files.ReadPolicy`` (its rate, resampling and bad-file handling;
            the channel is ``CHANNEL``).
        prepare: ``fn(samples (S,) float32, path) -> array``, applied once per read (``noise``,
            ``impulse_response``); it raises InputError for a file that cannot serve.
    """

    def __init__(self, roots, key, policy, prepare, cache_mb=CACHE_MB):
        self.key, self.roots = key, list(roots)
        self.files = list_files(self.roots, key)
        self._policy = dataclasses.replace(policy, channel=CHANNEL)
        self._prepare = prepare
        self._bad_files = policy.bad_files(key)
        self._bad = set()
        self._cache = _Cache(cache_mb << 20)
        self.reads = 0  # files read, a file read again after leaving the cache counted again

    def __len__(self):
        return sum(len(files) for files in self.files)

    def draw(self, rng):
        """A recording, prepared: a root, then a file in it, each by one ``rng.integers`` draw.

        A bad file (skipped under ``corpus.on_bad_file: skip``, with a warning) gives way to the next
        readable file of its root, so a draw never depends on which files another job read first.
        """
        which = int(rng.integers(len(self.files)))
        files = self.files[which]
        first = int(rng.integers(len(files)))
        for step in range(len(files)):
            samples = self._read(files[(first + step) % len(files)])
            if samples is not None:
                return samples
        raise InputError(
            f"config key {self.key}: no file under {str(self.roots[which])!r} could be read (each is named above)"
        )

    def _read(self, path):
        """``path`` read and prepared (from the cache after the first time); None for a bad file under skip."""
        if path in self._bad:
            return None
        samples = self._cache.get(path)
        if samples is None:
            self.reads += 1
            samples = self._bad_files.call(self._read_and_prepare, path)
            if samples is None:
                self._bad.add(path)
                return None
            self._cache.put(path, samples)
        return samples

    def _read_and_prepare(self, path):
        return self._prepare(audio.read(path, self._policy), path)

    def summary(self):
        """Log how many files were read (and the bad-file count, when some were skipped)."""
        kind = self.key.rsplit(".", 1)[-1]
        log.info("%s: %d reads of the %d files under %s", kind, self.reads, len(self), ", ".join(map(str, self.roots)))
        self._bad_files.summary()
