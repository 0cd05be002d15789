"""N speakers x M utterances batches of fixed-length segments, sampled with numpy.

All sampling goes through one ``np.random.Generator`` so runs are reproducible and the
generator state can be checkpointed. Selection and cropping are vectorised: no Python
loop over speakers or utterances.

A speaker with at least M utterances gives a batch M distinct utterances, each cropped at a
random offset. A speaker with fewer is *cut*: its M segments come from its voiced frames (the
features are VAD-trimmed) at seeded offsets, one from each of its utterances first, then more
cuts where there is room; the cuts of one utterance never overlap (it is split into as many
equal parts, one cut in each). What a speaker can hold is counted in segments of the longest
length a batch draws (``ge2e.segments.segment_capacity``); a cut speaker that cannot hold M is left out.

``max_speakers`` trains on a fixed subset (:func:`speaker_subset`): the same at every seed, and a
smaller subset lies inside a larger one, so EER over the number of training speakers is a curve
over nested sets rather than over unrelated draws.
"""

import hashlib
import logging

import numpy as np

from ge2e.errors import InputError
from ge2e.segments import segment_capacity

log = logging.getLogger(__name__)


def random_crops(rng, lengths, frames):
    """(B,) random segment starts; 0 where the utterance is not longer than ``frames``."""
    room = np.maximum(lengths - frames, 0)
    return np.floor(rng.random(len(lengths)) * (room + 1)).astype(np.int64)


def speaker_subset(speakers, size):
    """The ``size`` speakers first in the order of their ids' SHA-256 digests, in their given order.

    A fixed pseudo-random order that depends on the ids alone (not on a seed or on which other
    speakers there are): subsets of one corpus are nested, and every seed trains on the same one.
    """
    ranked = sorted(speakers, key=lambda s: hashlib.sha256(str(s).encode()).hexdigest())
    chosen = set(ranked[:size])
    return [s for s in speakers if s in chosen]


class SpeakerBatches:
    """Draws (N, M, T, F) batches from a FeatureSet (in memory or memory-mapped: only the frames a
    batch needs are read).

    Speakers with fewer than M utterances are cut into segments (see the module docstring); those
    whose voiced frames cannot hold M segments of ``frames`` are left out (counted in the log); too
    few remaining speakers for N is an InputError.

    Args:
        frames: the longest segment T a batch will draw (the upper bound of training's frame range,
            evaluation's segment length): what a cut speaker's capacity is counted in.
        max_speakers: None, or draw only from this many of the speakers that qualify
            (:func:`speaker_subset`).
    """

    def __init__(self, feature_set, n_speakers, n_utterances, frames, source="training data", max_speakers=None):
        groups = feature_set.by_speaker()
        lengths = np.asarray(feature_set.lengths)
        # Not the corpus capacity check (ge2e.corpus.manifest.check_sizes, run at start-up and by the convert
        # rules) but a fact about this feature set: it counts after the features stage skipped files with
        # no speech left after VAD, with the augmented copies actually made, in voiced frames; and it is
        # where evaluation M applies, as a filter: test speakers short of it are left out by design (the
        # default evaluation M for TD-SV is above builtin.snips.min_hotword).
        kept = {
            s: idx
            for s, idx in groups.items()
            if len(idx) >= n_utterances or segment_capacity(lengths[idx], frames).sum() >= n_utterances
        }
        if len(kept) < len(groups):
            log.warning(
                "%s: %d of %d speakers have fewer than M=%d utterances and too little voiced audio for M "
                "segments of %d frames, and are left out",
                source, len(groups) - len(kept), len(groups), n_utterances, frames,
            )  # fmt: skip
        if max_speakers is not None and len(kept) > max_speakers:
            log.info("%s: a fixed subset of %d of the %d speakers (max_speakers)", source, max_speakers, len(kept))
            kept = {s: kept[s] for s in speaker_subset(list(kept), max_speakers)}
        if len(kept) < n_speakers:
            raise InputError(
                f"{source}: {len(kept)} speakers with >= {n_utterances} utterances or voiced audio for "
                f"{n_utterances} segments of {frames} frames, but N={n_speakers} are needed per batch; lower N "
                "or M (or the segment frames) in the config"
            )
        self.fs = feature_set
        self.n, self.m = n_speakers, n_utterances
        self.speakers = list(kept)
        counts = np.array([len(idx) for idx in kept.values()])
        # (S, max_count) utterance indices per speaker, padded with -1; at least M wide, so that M picks
        # exist in every row (a cut speaker's are replaced, by cut_segments).
        self.table = np.full((len(kept), max(counts.max(), n_utterances)), -1, dtype=np.int64)
        for row, idx in enumerate(kept.values()):
            self.table[row, : len(idx)] = idx
        self.counts = counts
        self.cut = counts < n_utterances  # (S,) speakers whose segments are cut
        if self.cut.any():
            log.info(
                "%s: %d speakers have fewer than M=%d utterances; their segments are cut from their voiced "
                "frames, several from one utterance where needed",
                source, int(self.cut.sum()), n_utterances,
            )  # fmt: skip
        self._slots(lengths, frames)

    def _slots(self, lengths, frames):
        """The cut speakers' slots: (C, max_slots) ``slots``, the utterance of each of their room for
        a segment (-1 padding), ``first`` (C, max_slots) bool, the first slot of each utterance; and
        ``cut_row`` (S,), each speaker's row there (-1: not cut)."""
        self.cut_row = np.full(len(self.speakers), -1, dtype=np.int64)
        self.cut_row[self.cut] = np.arange(int(self.cut.sum()))
        if not self.cut.any():
            self.slots = self.first = None
            return
        table, counts = self.table[self.cut], self.counts[self.cut]
        utts = table[table >= 0]  # (K,) their utterances, speaker by speaker
        owner = np.repeat(np.arange(len(table)), counts)  # (K,)
        room = segment_capacity(lengths[utts], frames)  # (K,) slots per utterance
        slot_utt, slot_owner = np.repeat(utts, room), np.repeat(owner, room)
        first = np.zeros(len(slot_utt), bool)
        first[np.cumsum(room) - room] = True
        per_owner = np.bincount(slot_owner, minlength=len(table))
        column = np.arange(len(slot_utt)) - np.repeat(np.cumsum(per_owner) - per_owner, per_owner)
        self.slots = np.full((len(table), per_owner.max()), -1, dtype=np.int64)
        self.slots[slot_owner, column] = slot_utt
        self.first = np.zeros(self.slots.shape, bool)
        self.first[slot_owner, column] = first

    @property
    def batches_per_epoch(self):
        return len(self.speakers) // self.n

    def choose_utterances(self, rng, speaker_rows):
        """M distinct utterances for each speaker row. (N,) -> (N, M) utterance indices (-1 among a cut
        speaker's, whose row :meth:`cut_segments` replaces)."""
        keys = rng.random((len(speaker_rows), self.table.shape[1]))
        keys[self.table[speaker_rows] < 0] = np.inf  # padding sorts last
        picks = np.argsort(keys, axis=1)[:, : self.m]
        return np.take_along_axis(self.table[speaker_rows], picks, axis=1)

    def cut_segments(self, rng, speaker_rows, frames):
        """M segments of ``frames`` for each cut speaker row (C,): (utterances (C, M), starts (C, M)).

        One slot of every utterance first, in random order, then random further slots (so longer
        utterances give more cuts); an utterance with k cuts is split into k equal parts, and the j-th
        of them in row order is cropped at a random offset within part j. Parts are at least the
        capacity's segment length, so cuts of one utterance never overlap, and the first in row order
        lie earliest (the seed-compatible evaluation enrols on the first half of a row: for a
        one-utterance speaker, on the first half of its utterance).
        """
        rows = self.cut_row[speaker_rows]
        slots = self.slots[rows]  # (C, W)
        keys = rng.random(slots.shape) - self.first[rows]  # first slots in [-1, 0): they sort first
        keys[slots < 0] = np.inf
        utts = np.take_along_axis(slots, np.argsort(keys, axis=1)[:, : self.m], axis=1)  # (C, M)
        same = utts[:, :, None] == utts[:, None, :]  # (C, M, M)
        parts = same.sum(axis=2)  # (C, M) cuts of each segment's utterance
        rank = np.tril(same, k=-1).sum(axis=2)  # (C, M) cuts of that utterance earlier in the row
        part = self.fs.lengths[utts] // parts
        return utts, rank * part + random_crops(rng, part.ravel(), frames).reshape(part.shape)

    def batch(self, rng, speaker_rows, frames):
        """Features (N, M, T, F) for the given speaker rows, random M utterances and crops (cut segments
        for speakers with fewer than M utterances)."""
        speaker_rows = np.asarray(speaker_rows)
        utts = self.choose_utterances(rng, speaker_rows)  # (N, M)
        starts = random_crops(rng, self.fs.lengths[utts.ravel()], frames).reshape(utts.shape)
        cut = self.cut[speaker_rows]
        # Only batches with a cut speaker draw more, after the draws above: a set without one samples
        # exactly as before cutting existed.
        if cut.any():
            utts[cut], starts[cut] = self.cut_segments(rng, speaker_rows[cut], frames)
        return self.fs.segments(utts.ravel(), starts.ravel(), frames).reshape(len(speaker_rows), self.m, frames, -1)

    def epoch(self, rng, frame_range):
        """Yield the batches of one epoch: speakers shuffled, split into groups of N.

        ``frame_range`` (lo, hi): each batch draws its segment length T in [lo, hi].
        """
        order = rng.permutation(len(self.speakers))
        for b in range(self.batches_per_epoch):
            frames = int(rng.integers(frame_range[0], frame_range[1] + 1))
            yield self.batch(rng, order[b * self.n : (b + 1) * self.n], frames)
