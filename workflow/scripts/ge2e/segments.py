"""Fixed-length segments of utterances stored end to end: what the batches draw, the feature store gathers
and the corpus's capacity check counts.

Frames of many utterances lie concatenated in one (sum T, F) array; a segment of T frames of one utterance
wraps around when the utterance is shorter than T.
"""

import numpy as np


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


def segment_capacity(lengths, frames):
    """(U,) non-overlapping segments of ``frames`` each utterance of ``lengths`` (U,) frames holds.

    At least one: an utterance shorter than a segment still gives one, wrapped (:func:`segment_index`),
    as it does to any batch; so a speaker holds at least as many segments as it has utterances.
    """
    return np.maximum(np.asarray(lengths, dtype=np.int64) // frames, 1)
