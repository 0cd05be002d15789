"""What training writes and how a killed run goes on: the self-describing checkpoint, saving it with the same bytes
for the same state, the run's fingerprint, and the resume file.

A checkpoint (init.pt, best.pt, final.pt) is a plain dict of tensors and values, loaded without running code
(``ge2e.encoder.embedding.load_checkpoint_file``): the encoder's weights and size, the loss's w and b, where
training stood, the validation EER with its threshold, calibration and operating points, and the training and
feature settings, so ``ge2e embed/verify/export`` need no config. The resume file (``resume.pt`` beside
final.pt, never a rule's output) holds everything else a run continues from, under the run's fingerprint.
"""

import logging
from pathlib import Path

import torch

from ge2e.atomic import atomic_path
from ge2e.encoder.embedding import load_checkpoint_file
from ge2e.evaluate import calibration

log = logging.getLogger(__name__)


def checkpoint(model, loss_fn, params, feature_params, epoch, step, val_eer, threshold, decision=None, extra=None):
    """A self-describing checkpoint dict, a snapshot: its tensors are CPU copies, so it stays as it
    is while training goes on (``state_dict()`` alone shares storage with the live parameters).

    ``decision``: the calibration and operating points fitted on the validation speakers' trials
    (``ge2e.evaluate.calibration.stored``), which ``ge2e verify`` decides by; None where there are none.
    ``extra``: further keys (``init_from``: the checkpoint the run started from; ``multireader``: its second
    source), only where the run has them, so a run without them writes what it always wrote.
    """
    decision = decision or {calibration.CHECKPOINT_KEY: None, calibration.THRESHOLDS_KEY: None}
    return {
        **decision,
        "model": {key: value.detach().to("cpu", copy=True) for key, value in model.state_dict().items()},
        "model_config": dict(model.config),
        "w": float(loss_fn.w.detach()),
        "b": float(loss_fn.b.detach()),
        "epoch": epoch,
        "step": step,
        "val_eer": val_eer,
        "eer_threshold": threshold,
        "train_params": params.stored(),
        "feature_params": dict(feature_params),
        **(extra or {}),
    }


def save(obj, path):
    # Through an open file: torch.save names the archive inside after a path it is given (here the
    # temporary name), so saving by path would give different bytes for the same state.
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        torch.save(obj, fh)


def fingerprint(params, model_config, feature_params, train_set, val_set, more=()):
    """Identifies a run, so a resume file from other settings or data is never used. ``more``: what else the run
    depends on (the start checkpoint's digest, the second source's weight and data), only where it has them."""
    return repr(
        (
            params.stored(),
            sorted(model_config.items()),
            dict(feature_params),
            train_set.digest(),
            val_set.shape,
            *more,
        )
    )


def save_resume(path, fingerprint, trainer, rng, state):
    """Write everything a killed run continues from: ``state`` (a dict: where training stands), the model, loss,
    optimiser and scheduler states, and both RNGs, under the run's ``fingerprint``."""
    save(
        {
            **state,
            "fingerprint": fingerprint,
            "model": trainer.model.state_dict(),
            "loss_fn": trainer.loss_fn.state_dict(),
            "optimiser": trainer.optimiser.state_dict(),
            "scheduler": trainer.scheduler.state_dict(),
            "numpy_rng": rng.bit_generator.state,
            "torch_rng": torch.get_rng_state(),
            **({"multireader": trainer.reader.state()} if trainer.reader else {}),
        },
        path,
    )


def load_resume(path, fingerprint, trainer, rng):
    """Restore ``trainer`` and ``rng`` from the resume file at ``path`` if it belongs to this run
    (``save_resume``) and return what it holds (a dict, where training stood among it); else None, nothing
    touched."""
    if not path or not Path(path).exists():
        return None
    saved = load_checkpoint_file(path, "cpu")
    if saved.get("fingerprint") != fingerprint:
        log.warning("ignoring %s: it was written with other settings or data", path)
        return None
    trainer.model.load_state_dict(saved["model"])
    trainer.loss_fn.load_state_dict(saved["loss_fn"])
    trainer.optimiser.load_state_dict(saved["optimiser"])
    trainer.scheduler.load_state_dict(saved["scheduler"])
    rng.bit_generator.state = saved["numpy_rng"]
    torch.set_rng_state(saved["torch_rng"])
    if trainer.reader:
        trainer.reader.restore(saved["multireader"])
    return saved
