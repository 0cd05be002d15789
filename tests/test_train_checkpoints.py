"""ge2e.train.checkpoints: a checkpoint is a snapshot (later training does not change it), saving the same state
twice gives the same bytes, and a resume file is used only by the run whose fingerprint it carries."""

import numpy as np
import torch

from ge2e.encoder.model import SpeakerEncoder
from ge2e.evaluate import calibration
from ge2e.train import checkpoints
from ge2e.train.loss import GE2ELoss
from ge2e.train.trainer import TrainParams, setup

PARAMS = TrainParams(
    n_speakers=2, n_utterances=2, frames=(10, 10), epochs=1, lr=0.1, schedule="const", step_epochs=None, gamma=0.5,
    momentum=0.0, loss_method="softmax", validate_every=1, checkpoint_every=1, average_window=5, seed=3, device="cpu",
)  # fmt: skip


def test_a_checkpoint_is_a_snapshot_and_saves_to_the_same_bytes(tmp_path):
    torch.manual_seed(0)
    model, loss_fn = SpeakerEncoder(4, hidden=6, layers=1, proj=3), GE2ELoss(method="softmax")
    ckpt = checkpoints.checkpoint(model, loss_fn, PARAMS, {"n_mels": 4}, 2, 10, 0.25, 0.6)
    assert ckpt[calibration.CHECKPOINT_KEY] is None and ckpt[calibration.THRESHOLDS_KEY] is None
    assert (ckpt["epoch"], ckpt["step"], ckpt["val_eer"], ckpt["eer_threshold"]) == (2, 10, 0.25, 0.6)
    before = {k: v.clone() for k, v in ckpt["model"].items()}
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)  # training goes on
    assert all(torch.equal(before[k], ckpt["model"][k]) for k in before)
    checkpoints.save(ckpt, tmp_path / "a.pt")
    checkpoints.save(ckpt, tmp_path / "b.pt")
    assert (tmp_path / "a.pt").read_bytes() == (tmp_path / "b.pt").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pt", "b.pt"]  # no temporary file left


class _Set:
    """The two things a fingerprint reads of a FeatureSet."""

    def __init__(self, digest, shape):
        self._digest, self.shape = digest, shape

    def digest(self):
        return self._digest


def test_a_resume_file_of_another_run_is_ignored_and_its_own_restores_the_run(tmp_path):
    fp = checkpoints.fingerprint(PARAMS, {"hidden": 6}, {"n_mels": 4}, _Set("abc", (10, 4)), _Set("d", (5, 4)))
    other = checkpoints.fingerprint(PARAMS, {"hidden": 6}, {"n_mels": 4}, _Set("abd", (10, 4)), _Set("d", (5, 4)))
    assert fp != other
    torch.manual_seed(0)
    trainer = setup(PARAMS, {"hidden": 6, "layers": 1, "proj": 3}, _Features(), torch.device("cpu"))
    rng = np.random.default_rng([1, 2])
    path = tmp_path / "resume.pt"
    checkpoints.save_resume(path, fp, trainer, rng, {"epoch": 4, "step": 9})
    drawn = rng.random()
    assert checkpoints.load_resume(path, other, trainer, rng) is None  # another run's: nothing touched
    assert checkpoints.load_resume(tmp_path / "none.pt", fp, trainer, rng) is None
    saved = checkpoints.load_resume(path, fp, trainer, rng)
    assert (saved["epoch"], saved["step"]) == (4, 9) and rng.random() == drawn  # the generator as it was saved


class _Features:
    """What ``setup`` reads of a training set: its frames, for the input normalisation."""

    n_mels = 4

    def frame_stats(self, transform=None):
        return np.zeros(4, np.float32), np.ones(4, np.float32)
