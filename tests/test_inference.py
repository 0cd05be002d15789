"""Embedding with a trained encoder (ge2e.inference): windows, checkpoints, and the MFCC baseline."""

import numpy as np

from ge2e.inference import window_index


def test_window_index_covers_each_utterance():
    owner, starts = window_index(np.array([10, 25, 40]), frames=20, hop=10)
    assert owner.tolist() == [0, 1, 1, 2, 2, 2]
    assert starts.tolist() == [0, 0, 5, 0, 10, 20]
