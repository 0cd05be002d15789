"""Segments of utterances stored end to end (ge2e.segments): their frame indices wrap short utterances, and an
utterance holds its non-overlapping segments, at least one."""

import numpy as np

from ge2e.segments import segment_capacity, segment_index


def test_segment_index_wraps_short_utterances():
    idx = segment_index(np.array([10]), np.array([3]), np.array([0]), 7)
    assert idx.tolist() == [[10, 11, 12, 10, 11, 12, 10]]


def test_segment_capacity_counts_non_overlapping_segments_and_at_least_one():
    assert segment_capacity(np.array([400, 160, 159, 30, 1]), 80).tolist() == [5, 2, 1, 1, 1]
