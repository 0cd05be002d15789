"""The GE2E training loop: schedules, validation-selected best checkpoint, loss log.

Paper recipe: SGD, gradient L2-norm clipped at 3, the gradients of w and b scaled by
0.01, w initialised 10 and kept > 0, b initialised -5. An epoch is one pass over the
training speakers in batches of N (as in the earlier public port).
"""

import dataclasses
import logging
import time
from pathlib import Path

import numpy as np
import torch

from ge2e.atomic import atomic_path, write_text
from ge2e.batches import SpeakerBatches
from ge2e.errors import InputError
from ge2e.evaluate import full_trial_eer
from ge2e.inference import EncoderEmbedder, load_checkpoint_file, window_frames
from ge2e.loss import W_MIN, GE2ELoss
from ge2e.model import SpeakerEncoder

log = logging.getLogger(__name__)

CLIP_NORM = 3.0
WB_GRAD_SCALE = 0.01


@dataclasses.dataclass(frozen=True)
class TrainParams:
    """Everything the loop needs; filled from config by the rule script."""

    n_speakers: int
    n_utterances: int
    frames: tuple  # (lo, hi) segment length range in frames
    epochs: int
    lr: float
    schedule: str  # const | step
    step_epochs: int = 0  # step schedule: multiply lr by gamma every step_epochs epochs
    gamma: float = 0.5
    momentum: float = 0.0
    loss_method: str = "softmax"
    validate_every: int = 5  # epochs
    checkpoint_every: int = 10  # epochs between resume-file writes
    average_window: int = 50  # steps in the loss log's running average
    hidden: int = 768
    layers: int = 3
    proj: int = 256
    seed: int = 0
    device: str = "cpu"


def resolve_device(name):
    """'auto' -> 'cuda' when available, else 'cpu'."""
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name


def build_model(n_mels, params, train_set):
    """The encoder at its seeded initial weights, with input statistics of ``train_set``.

    The seed depends only on the run's seed, so every schedule of a task starts from
    the same weights, and the untrained baseline is exactly that start.
    """
    torch.manual_seed(params.seed)
    model = SpeakerEncoder(n_mels, params.hidden, params.layers, params.proj)
    model.set_normalisation(*train_set.frame_stats())
    return model


def checkpoint(model, loss_fn, params, feature_params, epoch, step, val_eer, threshold):
    """A self-describing checkpoint dict, a snapshot: its tensors are CPU copies, so it stays as it
    is while training goes on (``state_dict()`` alone shares storage with the live parameters)."""
    return {
        "model": {key: value.detach().to("cpu", copy=True) for key, value in model.state_dict().items()},
        "model_config": dict(model.config),
        "w": float(loss_fn.w.detach()),
        "b": float(loss_fn.b.detach()),
        "epoch": epoch,
        "step": step,
        "val_eer": val_eer,
        "eer_threshold": threshold,
        "train_params": dataclasses.asdict(params),
        "feature_params": dict(feature_params),
    }


def _save(obj, path):
    # Through an open file: torch.save names the archive inside after a path it is given (here the
    # temporary name), so saving by path would give different bytes for the same state.
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        torch.save(obj, fh)


def _fingerprint(params, feature_params, train_set, val_set):
    """Identifies a run, so a resume file from other settings or data is never used."""
    return repr(
        (
            dataclasses.asdict(params),
            dict(feature_params),
            train_set.digest(),
            val_set.shape,
        )
    )


def train_step(model, loss_fn, optimiser, batch):
    """One optimiser step on one GE2E batch; the whole of the work per step that training adds to the model.

    Args:
        batch: (N, M, T, F) float tensor on the model's device: N speakers x M segments of T frames.
    Returns:
        The loss (0-d tensor, detached). A non-finite loss is returned without stepping, so the
        caller can stop with the weights still good.
    """
    n, m, t, f = batch.shape
    loss = loss_fn(model(batch.reshape(n * m, t, f)).view(n, m, -1))
    if not torch.isfinite(loss):
        return loss.detach()
    optimiser.zero_grad(set_to_none=True)
    loss.backward()
    for p in loss_fn.parameters():
        p.grad *= WB_GRAD_SCALE
    torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP_NORM)
    optimiser.step()
    with torch.no_grad():
        loss_fn.w.clamp_(min=W_MIN)
    return loss.detach()


def train(train_set, val_set, params, feature_params, outputs):
    """Train and write checkpoints and the loss log, resuming where a killed run stopped.

    Every ``params.checkpoint_every`` epochs the whole state (model, optimiser,
    scheduler, epoch, sampling RNG, torch RNG, loss log, best checkpoint) goes to
    ``outputs["resume"]``, a file outside the rule's declared outputs. A rerun with the
    same settings and data continues from it, and its ``final.pt`` is bit-identical to an
    uninterrupted run on CPU. The resume file is removed once ``final.pt`` is written.

    Args:
        train_set, val_set: FeatureSets of training and validation speakers.
        params: TrainParams.
        feature_params: dict of ``ge2e.features.FeatureParams`` (stored in checkpoints).
        outputs: dict of paths: init, final, best, loss (TSV), resume.
    Returns:
        dict with final loss, best validation EER and its epoch.
    """
    torch.use_deterministic_algorithms(True, warn_only=True)
    device = resolve_device(params.device)
    rng = np.random.default_rng([params.seed, 1])
    sampler = SpeakerBatches(train_set, params.n_speakers, params.n_utterances, source="training speakers")
    n_mels = train_set.n_mels
    model = build_model(n_mels, params, train_set).to(device)
    loss_fn = GE2ELoss(method=params.loss_method).to(device)
    optimiser = torch.optim.SGD(
        [{"params": model.parameters()}, {"params": loss_fn.parameters()}], lr=params.lr, momentum=params.momentum
    )
    if params.schedule == "step":
        scheduler = torch.optim.lr_scheduler.StepLR(optimiser, step_size=params.step_epochs, gamma=params.gamma)
    else:
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda _: 1.0)
    val_frames = window_frames(params.frames)
    fingerprint = _fingerprint(params, feature_params, train_set, val_set)

    def validate():
        model.eval()
        rate, threshold, _ = full_trial_eer(EncoderEmbedder(model, val_frames), val_set)
        model.train()
        return rate, threshold

    def snapshot(epoch, step, rate, threshold):
        return checkpoint(model, loss_fn, params, feature_params, epoch, step, rate, threshold)

    state = _load_resume(outputs.get("resume"), fingerprint)
    if state:
        model.load_state_dict(state["model"])
        loss_fn.load_state_dict(state["loss_fn"])
        optimiser.load_state_dict(state["optimiser"])
        scheduler.load_state_dict(state["scheduler"])
        rng.bit_generator.state = state["numpy_rng"]
        torch.set_rng_state(state["torch_rng"])
        log.info("resuming from %s at epoch %d", outputs["resume"], state["epoch"])
    else:
        rate, threshold = validate()
        start_ckpt = snapshot(0, 0, rate, threshold)
        state = {
            "epoch": 0, "step": 0, "rows": [], "history": [], "rate": rate, "threshold": threshold,
            "init": start_ckpt, "best": start_ckpt, "best_eer": rate, "best_epoch": 0,
        }  # fmt: skip
        log.info(
            "training on %s: %d speakers, %d batches/epoch, N=%d M=%d; untrained val EER %.4f",
            device, len(sampler.speakers), sampler.batches_per_epoch, params.n_speakers, params.n_utterances, rate,
        )  # fmt: skip
    # init.pt and best.pt are declared outputs, which Snakemake deletes before a rerun: rewrite them.
    _save(state["init"], outputs["init"])
    _save(state["best"], outputs["best"])

    rows, history, step = state["rows"], state["history"], state["step"]
    model.train()
    start, start_step = time.perf_counter(), step
    for epoch in range(state["epoch"] + 1, params.epochs + 1):
        for batch in sampler.epoch(rng, params.frames):
            loss = train_step(model, loss_fn, optimiser, torch.as_tensor(batch, device=device))
            if not torch.isfinite(loss):
                raise InputError(
                    f"loss became {loss.item()} at epoch {epoch}, step {step + 1}; training stopped, the last good "
                    f"state is in {outputs.get('resume') or outputs['best']}; lower the learning rate"
                )
            step += 1
            history.append(loss.item())
            running = float(np.mean(history[-params.average_window :]))
            rows.append(f"{epoch}\t{step}\t{history[-1]:.6f}\t{running:.6f}")
        scheduler.step()
        val_msg = ""
        if epoch % params.validate_every == 0 or epoch == params.epochs:
            state["rate"], state["threshold"] = validate()
            val_msg = f" val_eer {state['rate']:.4f}"
            if state["rate"] < state["best_eer"]:
                state.update(best=snapshot(epoch, step, state["rate"], state["threshold"]))
                state.update(best_eer=state["rate"], best_epoch=epoch)
                _save(state["best"], outputs["best"])
                val_msg += " (best)"
        log.info(
            "epoch %d step %d loss %.4f avg %.4f lr %.5f w %.3f b %.3f %.1f steps/s%s",
            epoch, step, history[-1], running, optimiser.param_groups[0]["lr"], loss_fn.w.item(),
            loss_fn.b.item(), (step - start_step) / (time.perf_counter() - start), val_msg,
        )  # fmt: skip
        if outputs.get("resume") and epoch % params.checkpoint_every == 0 and epoch < params.epochs:
            state.update(epoch=epoch, step=step)
            _save(
                {
                    **state,
                    "fingerprint": fingerprint,
                    "model": model.state_dict(),
                    "loss_fn": loss_fn.state_dict(),
                    "optimiser": optimiser.state_dict(),
                    "scheduler": scheduler.state_dict(),
                    "numpy_rng": rng.bit_generator.state,
                    "torch_rng": torch.get_rng_state(),
                },
                outputs["resume"],
            )
    # The last epoch always validates, so rate/threshold describe the final weights.
    _save(snapshot(params.epochs, step, state["rate"], state["threshold"]), outputs["final"])
    write_text(outputs["loss"], "epoch\tstep\tloss\ttotal_loss\n" + "\n".join(rows) + "\n")
    if outputs.get("resume"):
        Path(outputs["resume"]).unlink(missing_ok=True)
    return {
        "final_loss": history[-1] if history else None,
        "best_val_eer": state["best_eer"],
        "best_epoch": state["best_epoch"],
    }


def _load_resume(path, fingerprint):
    """The saved training state at ``path`` if it belongs to this run, else None."""
    if not path or not Path(path).exists():
        return None
    state = load_checkpoint_file(path, "cpu")
    if state.get("fingerprint") != fingerprint:
        log.warning("ignoring %s: it was written with other settings or data", path)
        return None
    return state
