"""The GE2E training loop: schedules, validation-selected best checkpoint, loss log.

Paper recipe: SGD, gradient L2-norm clipped at 3, the gradients of w and b scaled by
0.01, w initialised 10 and kept > 0, b initialised -5. An epoch is one pass over the
training speakers in batches of N (as in the earlier public port).
"""

import dataclasses
import logging
import time

import numpy as np
import torch

from ge2e.atomic import atomic_path, write_text
from ge2e.batches import SpeakerBatches
from ge2e.errors import InputError
from ge2e.evaluate import EncoderEmbedder, full_trial_eer
from ge2e.loss import GE2ELoss
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
    model.set_normalisation(train_set.features.mean(axis=0), train_set.features.std(axis=0))
    return model


def checkpoint(model, loss_fn, params, feature_params, epoch, step, val_eer, threshold):
    """A self-describing checkpoint dict."""
    return {
        "model": model.state_dict(),
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
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def train(train_set, val_set, params, feature_params, outputs):
    """Train and write checkpoints and the loss log.

    Args:
        train_set, val_set: FeatureSets of training and validation speakers.
        params: TrainParams.
        feature_params: dict of ``ge2e.features.FeatureParams`` (stored in checkpoints).
        outputs: dict of paths: init, final, best, loss (TSV).
    Returns:
        dict with final loss, best validation EER and its epoch.
    """
    device = resolve_device(params.device)
    rng = np.random.default_rng([params.seed, 1])
    sampler = SpeakerBatches(train_set, params.n_speakers, params.n_utterances, source="training speakers")
    n_mels = train_set.features.shape[1]
    model = build_model(n_mels, params, train_set).to(device)
    loss_fn = GE2ELoss(method=params.loss_method).to(device)
    optimiser = torch.optim.SGD(
        [{"params": model.parameters()}, {"params": loss_fn.parameters()}], lr=params.lr, momentum=params.momentum
    )
    if params.schedule == "step":
        scheduler = torch.optim.lr_scheduler.StepLR(optimiser, step_size=params.step_epochs, gamma=params.gamma)
    else:
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda _: 1.0)
    val_frames = int(round(np.mean(params.frames)))

    def validate():
        model.eval()
        rate, threshold, _ = full_trial_eer(EncoderEmbedder(model, val_frames), val_set)
        model.train()
        return rate, threshold

    init_eer, init_threshold = validate()
    start_ckpt = checkpoint(model, loss_fn, params, feature_params, 0, 0, init_eer, init_threshold)
    _save(start_ckpt, outputs["init"])
    _save(start_ckpt, outputs["best"])  # until validation improves on the start
    best = {"eer": init_eer, "epoch": 0}
    log.info(
        "training on %s: %d speakers, %d batches/epoch, N=%d M=%d; untrained val EER %.4f",
        device, len(sampler.speakers), sampler.batches_per_epoch, params.n_speakers, params.n_utterances, init_eer,
    )  # fmt: skip

    rate, threshold = init_eer, init_threshold  # replaced by each validation
    rows, history, step = [], [], 0
    model.train()
    start = time.perf_counter()
    for epoch in range(1, params.epochs + 1):
        for batch in sampler.epoch(rng, params.frames):
            n, m, t, f = batch.shape
            x = torch.as_tensor(batch.reshape(n * m, t, f), device=device)
            loss = loss_fn(model(x).view(n, m, -1))
            if not torch.isfinite(loss):
                raise InputError(
                    f"loss became {loss.item()} at epoch {epoch}, step {step + 1}; lower the learning rate"
                )
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            for p in loss_fn.parameters():
                p.grad *= WB_GRAD_SCALE
            torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP_NORM)
            optimiser.step()
            with torch.no_grad():
                loss_fn.w.clamp_(min=1e-6)
            step += 1
            history.append(loss.item())
            running = float(np.mean(history[-params.average_window :]))
            rows.append(f"{epoch}\t{step}\t{history[-1]:.6f}\t{running:.6f}")
        scheduler.step()
        val_msg = ""
        if epoch % params.validate_every == 0 or epoch == params.epochs:
            rate, threshold = validate()
            val_msg = f" val_eer {rate:.4f}"
            if rate < best["eer"]:
                best = {"eer": rate, "epoch": epoch}
                _save(checkpoint(model, loss_fn, params, feature_params, epoch, step, rate, threshold), outputs["best"])
                val_msg += " (best)"
        log.info(
            "epoch %d step %d loss %.4f avg %.4f lr %.5f w %.3f b %.3f %.1f steps/s%s",
            epoch, step, history[-1], running, optimiser.param_groups[0]["lr"], loss_fn.w.item(),
            loss_fn.b.item(), step / (time.perf_counter() - start), val_msg,
        )  # fmt: skip
    # The last epoch always validates, so rate/threshold describe the final weights.
    _save(checkpoint(model, loss_fn, params, feature_params, params.epochs, step, rate, threshold), outputs["final"])
    write_text(outputs["loss"], "epoch\tstep\tloss\ttotal_loss\n" + "\n".join(rows) + "\n")
    return {"final_loss": history[-1] if history else None, "best_val_eer": best["eer"], "best_epoch": best["epoch"]}
