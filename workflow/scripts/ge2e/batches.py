"""N speakers x M utterances batches of fixed-length segments, sampled with numpy.

All sampling goes through one ``np.random.Generator`` so runs are reproducible and the
generator state can be checkpointed. Selection and cropping are vectorised: no Python
loop over speakers or utterances.
"""

import logging

import numpy as np

from ge2e.errors import InputError

log = logging.getLogger(__name__)


def segment_index(offsets, lengths, starts, frames):
    """Frame indices of segments, wrapping utterances shorter than ``frames``.

    Args:
        offsets: (B,) first frame of each chosen utterance in the concatenated array.
        lengths: (B,) frames in each chosen utterance.
        starts: (B,) segment start within the utterance.
        frames: T, segment length.
    Returns:
        (B, T) indices into the concatenated feature array.
    """
    steps = starts[:, None] + np.arange(frames)[None, :]  # (B, T)
    return offsets[:, None] + steps % lengths[:, None]


def random_crops(rng, lengths, frames):
    """(B,) random segment starts; 0 where the utterance is not longer than ``frames``."""
    room = np.maximum(lengths - frames, 0)
    return np.floor(rng.random(len(lengths)) * (room + 1)).astype(np.int64)


class SpeakerBatches:
    """Draws (N, M, T, F) batches from a FeatureSet (in memory or memory-mapped: only the frames a
    batch needs are read).

    Speakers with fewer than M utterances cannot fill a batch row and are left out
    (counted in the log); too few remaining speakers for N is an InputError.
    """

    def __init__(self, feature_set, n_speakers, n_utterances, source="training data"):
        groups = feature_set.by_speaker()
        # Not the corpus capacity check (ge2e.manifest.check_sizes, run at start-up and by the convert
        # rules) but a fact about this feature set: it counts after the features stage skipped files with
        # no speech left after VAD, with the augmented copies actually made; and it is where evaluation M
        # applies, as a filter: test speakers short of it are left out by design (the default evaluation
        # M for TD-SV is above builtin.snips.min_hotword).
        kept = {s: idx for s, idx in groups.items() if len(idx) >= n_utterances}
        if len(kept) < len(groups):
            log.warning(
                "%s: %d of %d speakers have fewer than M=%d utterances and are left out",
                source, len(groups) - len(kept), len(groups), n_utterances,
            )  # fmt: skip
        if len(kept) < n_speakers:
            raise InputError(
                f"{source}: {len(kept)} speakers with >= {n_utterances} utterances, but N={n_speakers} "
                "are needed per batch; lower N or M in the config"
            )
        self.fs = feature_set
        self.n, self.m = n_speakers, n_utterances
        self.speakers = list(kept)
        counts = np.array([len(idx) for idx in kept.values()])
        # (S, max_count) utterance indices per speaker, padded with -1.
        self.table = np.full((len(kept), counts.max()), -1, dtype=np.int64)
        for row, idx in enumerate(kept.values()):
            self.table[row, : len(idx)] = idx
        self.counts = counts

    @property
    def batches_per_epoch(self):
        return len(self.speakers) // self.n

    def choose_utterances(self, rng, speaker_rows):
        """M distinct utterances for each speaker row. (N,) -> (N, M) utterance indices."""
        keys = rng.random((len(speaker_rows), self.table.shape[1]))
        keys[self.table[speaker_rows] < 0] = np.inf  # padding sorts last
        picks = np.argsort(keys, axis=1)[:, : self.m]
        return np.take_along_axis(self.table[speaker_rows], picks, axis=1)

    def batch(self, rng, speaker_rows, frames):
        """Features (N, M, T, F) for the given speaker rows, random M utterances and crops."""
        utts = self.choose_utterances(rng, speaker_rows).ravel()  # (N*M,)
        starts = random_crops(rng, self.fs.lengths[utts], frames)
        return self.fs.segments(utts, starts, frames).reshape(len(speaker_rows), self.m, frames, -1)

    def epoch(self, rng, frame_range):
        """Yield the batches of one epoch: speakers shuffled, split into groups of N.

        ``frame_range`` (lo, hi): each batch draws its segment length T in [lo, hi].
        """
        order = rng.permutation(len(self.speakers))
        for b in range(self.batches_per_epoch):
            frames = int(rng.integers(frame_range[0], frame_range[1] + 1))
            yield self.batch(rng, order[b * self.n : (b + 1) * self.n], frames)
