"""Starting training from a trained encoder (config ``train.<task>.init``): the checkpoint, checked against the run.

A checkpoint can start a run only where its encoder takes the run's inputs and has the run's size: its
``feature_params`` and ``model_config`` must be the run's, key by key (:func:`mismatch` names the first that
differs). The run then starts from the checkpoint's whole encoder, its input normalisation included (the weights
were learned on inputs standardised by it), and from its GE2E loss's w and b (what GE2E fine-tuning usually keeps:
they scale the similarities the encoder learned to separate); the optimiser and the learning-rate schedule are the
run's own, started afresh.
"""

import dataclasses
import hashlib

from ge2e.encoder.arch import MODEL_DEFAULTS
from ge2e.errors import InputError
from ge2e.features.frontend import later_defaults

# Settings a checkpoint written before they existed does not store: the value it was made with.
FEATURE_DEFAULTS = later_defaults()


@dataclasses.dataclass(frozen=True)
class Start:
    """The checkpoint a run starts from.

    path: the file; origin: what the config named (a task's name, or the path itself); key: the config key, for
    messages (e.g. ``train.tdsv.init``).
    """

    path: str
    origin: str
    key: str


def mismatch(ckpt, model_config, feature_params):
    """The first setting in which checkpoint ``ckpt`` differs from the run, in words (``has features n_mels 40,
    the run's features have n_mels 80``), or None where it can start the run: every feature parameter and every
    key of the encoder's size are compared.

    Args:
        model_config: the run's encoder size with its input size: {"n_mels", "hidden", "layers", "proj"}.
        feature_params: the run's ``ge2e.features.frontend.FeatureParams`` settings (as checkpoints store them).
    """
    for what, has, theirs, ours in (
        (
            "features", "have", {**FEATURE_DEFAULTS, **ckpt.get("feature_params", {})},
            {**FEATURE_DEFAULTS, **feature_params},
        ),
        ("model", "has", {**MODEL_DEFAULTS, **ckpt["model_config"]}, {**MODEL_DEFAULTS, **model_config}),
    ):  # fmt: skip
        for key in sorted(set(theirs) | set(ours)):
            if key not in theirs:
                return f"has no {what} {key}, the run's {what} {has} {key} {ours[key]}"
            if key not in ours:
                return f"has {what} {key} {theirs[key]}, the run's {what} {has} no {key}"
            if theirs[key] != ours[key]:
                return f"has {what} {key} {theirs[key]}, the run's {what} {has} {key} {ours[key]}"
    return None


def load_start(start, model_config, feature_params, device="cpu"):
    """The encoder and checkpoint ``start`` (a :class:`Start`) gives the run: ``(model, checkpoint)``, loaded
    without running code from the file (``ge2e.encoder.embedding.load_encoder``); an InputError, one line naming
    ``start.key``, where it is no checkpoint or differs from the run (:func:`mismatch`)."""
    # Here, not at the top: the run planner checks checkpoints with mismatch() and must not load torch to plan.
    from ge2e.encoder.embedding import load_encoder

    try:
        model, ckpt = load_encoder(start.path, device)
    except InputError as exc:
        raise InputError(f"{start.key}: {exc}") from None
    differs = mismatch(ckpt, model_config, feature_params)
    if differs:
        raise InputError(f"{start.key}: {start.path} {differs}")
    return model, ckpt


def file_digest(path):
    """The SHA-256 of a file's bytes: what identifies the checkpoint a run started from."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record(start, ckpt, digest):
    """What checkpoints of a run started from ``start`` keep of it (their ``init_from``)."""
    return {"from": start.origin, "path": str(start.path), "sha256": digest, "epoch": ckpt.get("epoch")}
