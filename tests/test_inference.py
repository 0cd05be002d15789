"""Embedding with a trained encoder (ge2e.inference): windows, checkpoints, and the MFCC baseline."""

import numpy as np
import pytest
import torch

from ge2e.errors import InputError
from ge2e.inference import load_encoder, window_frames, window_index


def test_window_index_covers_each_utterance():
    owner, starts = window_index(np.array([10, 25, 40]), frames=20, hop=10)
    assert owner.tolist() == [0, 1, 1, 2, 2, 2]
    assert starts.tolist() == [0, 0, 5, 0, 10, 20]


def test_inference_windows_are_the_mean_training_segment():
    assert window_frames([140, 180]) == 160 and window_frames((80, 80)) == 80


def test_missing_truncated_or_foreign_checkpoint_is_one_error_naming_the_file(tmp_path):
    with pytest.raises(InputError, match=r"nope\.pt: no such checkpoint"):
        load_encoder(tmp_path / "nope.pt")
    cut, other = tmp_path / "cut.pt", tmp_path / "other.pt"
    torch.save({"model": {}, "x": torch.zeros(1000)}, cut)
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])
    torch.save({"weights": torch.zeros(3)}, other)  # plain tensors, but not what ge2e.train writes
    for path, why in ((cut, "RuntimeError"), (other, "KeyError: 'model_config'")):
        with pytest.raises(InputError, match=rf"{path.name}: not a ge2e checkpoint \({why}.*\); restore it or retrain"):
            load_encoder(path)


class _Payload:
    """A pickle that, when loaded without restrictions, creates a file: the shape of a malicious checkpoint."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def crafted_checkpoint(tmp_path, marker):
    path = tmp_path / "shared_model.pt"
    torch.save({"model": {}, "model_config": {"n_mels": 8}, "payload": _Payload(marker)}, path)
    assert not marker.exists()
    return path


def test_checkpoints_that_would_run_code_are_refused(tmp_path):
    from ge2e.errors import InputError

    marker = tmp_path / "pwned"
    path = crafted_checkpoint(tmp_path, marker)
    with pytest.raises(InputError, match=r"shared_model.pt: refused, it is not a plain ge2e checkpoint"):
        load_encoder(path)
    assert not marker.exists()  # the function in the pickle never ran
