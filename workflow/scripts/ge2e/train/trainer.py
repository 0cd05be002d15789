"""The GE2E training loop: schedules, validation-selected best checkpoint, loss log (the checkpoints and the
resume file they continue from: ge2e.train.checkpoints).

Paper recipe: SGD, gradient L2-norm clipped at 3, the gradients of w and b scaled by
0.01, w initialised 10 and kept > 0, b initialised -5. An epoch is one pass over the
training speakers in batches of N (as in the earlier public port).

A run may start from a trained encoder instead of the seeded random weights (``ge2e.train.transfer``), and may
add a second source's GE2E loss to every step (``ge2e.train.multireader``); without either it trains as it
always did, to the byte.
"""

import dataclasses
import logging
import time
from pathlib import Path

import numpy as np
import torch

from ge2e.atomic import write_text
from ge2e.encoder.embedding import EncoderEmbedder, window_frames
from ge2e.encoder.model import SpeakerEncoder
from ge2e.errors import InputError
from ge2e.evaluate import calibration
from ge2e.evaluate.protocols import full_trial_eer
from ge2e.features.batches import SpeakerBatches
from ge2e.train import checkpoints, optimisers
from ge2e.train.loss import W_MIN, GE2ELoss
from ge2e.train.multireader import MultiReader
from ge2e.train.transfer import file_digest, load_start, record

log = logging.getLogger(__name__)

CLIP_NORM = 3.0
WB_GRAD_SCALE = 0.01


@dataclasses.dataclass(frozen=True)
class TrainParams:
    """What the loop needs besides the model's size; filled from config by the rule script
    (config/schema.yaml holds the defaults, so every field is given)."""

    n_speakers: int
    n_utterances: int
    frames: tuple  # (lo, hi) segment length range in frames
    epochs: int
    lr: float
    schedule: str  # const | step
    step_epochs: int | None  # step schedule: multiply lr by gamma every step_epochs epochs; None: not a step schedule
    gamma: float  # the step schedule's lr factor (a const schedule ignores it)
    momentum: float
    loss_method: str  # softmax | contrast
    validate_every: int  # epochs
    checkpoint_every: int  # epochs between resume-file writes
    average_window: int  # steps in the loss log's running average (its total_loss column)
    seed: int
    device: str  # auto | cpu | cuda
    # At most this many training speakers, a subset fixed across seeds (ge2e.features.batches.speaker_subset);
    # None: all. Input normalisation still takes its statistics from the whole training set.
    max_speakers: int | None = None
    # best.pt is the checkpoint that ends the run of this many validations with the lowest mean EER;
    # 1: the lowest single EER. A validation set of one-utterance speakers (one target trial each)
    # moves by whole target trials, and a window keeps one lucky validation from choosing.
    best_window: int = 1
    optimiser: str = optimisers.SGD  # ge2e.train.optimisers.OPTIMISERS

    def __post_init__(self):
        if self.schedule == "step" and self.step_epochs is None:
            raise ValueError("a step schedule needs step_epochs")
        if self.optimiser not in optimisers.OPTIMISERS:
            raise ValueError(f"unknown optimiser {self.optimiser!r}")

    def stored(self):
        """The fields as checkpoints and the resume fingerprint keep them: the optimiser only where it is not SGD,
        so runs made before there was a choice keep their bytes."""
        fields = dataclasses.asdict(self)
        if fields["optimiser"] == optimisers.SGD:
            del fields["optimiser"]
        return fields


@dataclasses.dataclass
class TrainState:
    """Where training stands after an epoch: what the resume file keeps besides the model, loss,
    optimiser, scheduler and RNG states."""

    epoch: int  # the last finished epoch
    step: int  # optimiser steps so far
    rows: list  # loss log rows (TSV lines without the header)
    history: list  # every step's loss
    val_eer: float  # the last validation EER and its threshold
    threshold: float
    init: dict  # checkpoint of the untrained weights
    best: dict  # checkpoint of the lowest validation EER (mean over best_window validations) so far
    best_eer: float  # that mean
    best_epoch: int
    val_history: list = dataclasses.field(default_factory=list)  # every validation EER, untrained first
    # The last validation's calibration and operating points (ge2e.evaluate.calibration.stored); None in a
    # resume file written before checkpoints kept them, until the next validation.
    decision: dict = None

    def windowed(self, window):
        """Mean of the last ``window`` validation EERs (fewer at the start)."""
        return float(np.mean(self.val_history[-window:]))

    @classmethod
    def start(cls, untrained):
        """Before the first epoch: the ``untrained`` checkpoint is both init and best."""
        eer = untrained["val_eer"]
        decision = {key: untrained[key] for key in (calibration.CHECKPOINT_KEY, calibration.THRESHOLDS_KEY)}
        return cls(
            0, 0, [], [], eer, untrained["eer_threshold"], untrained, untrained, best_eer=eer, best_epoch=0,
            val_history=[eer], decision=decision,
        )  # fmt: skip


@dataclasses.dataclass
class Trainer:
    """The model and what updates it, as ``setup`` builds them."""

    model: SpeakerEncoder
    loss_fn: GE2ELoss
    optimiser: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    reader: MultiReader | None = None  # the second source (MultiReader), or None


def resolve_device(name):
    """'auto' -> 'cuda' when available, else 'cpu'."""
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name


def build_model(n_mels, model_config, seed, train_set):
    """The encoder at its seeded initial weights, with input statistics of ``train_set``.

    The seed depends only on the run's seed, so every schedule of a task starts from
    the same weights, and the untrained baseline is exactly that start.

    Args:
        model_config: the encoder's size, config ``model``: {"hidden", "layers", "proj"}.
    """
    torch.manual_seed(seed)
    model = SpeakerEncoder(n_mels, **model_config)
    model.set_normalisation(*train_set.frame_stats())
    return model


def setup(params, model_config, train_set, device, start=None, reader=None):
    """Model, GE2E loss, the schedule's optimiser over both (and over ``reader``'s loss), and the learning-rate
    schedule: a ``Trainer``.

    Args:
        start: None, or (encoder, checkpoint) to start from (``ge2e.train.transfer.load_start``): the model takes
            its weights and input normalisation, the loss its w and b.
        reader: None, or the run's ``ge2e.train.multireader.MultiReader``.
    """
    if start is None:
        model = build_model(train_set.n_mels, model_config, params.seed, train_set).to(device)
        loss_fn = GE2ELoss(method=params.loss_method).to(device)
    else:
        encoder, ckpt = start
        torch.manual_seed(params.seed)  # the torch generator stands where a seeded start leaves it
        model = SpeakerEncoder(train_set.n_mels, **model_config)
        model.load_state_dict(encoder.state_dict())
        model = model.to(device)
        # The checkpoint's w and b (the paper's start where a checkpoint has none).
        loss_fn = GE2ELoss(params.loss_method, **{f"init_{k}": ckpt[k] for k in ("w", "b") if k in ckpt}).to(device)
    groups = [{"params": model.parameters()}, {"params": loss_fn.parameters()}]
    if reader is not None:
        groups.append({"params": reader.loss_fn.parameters()})
    optimiser = optimisers.build(params.optimiser, groups, params.lr, params.momentum)
    if params.schedule == "step":
        scheduler = torch.optim.lr_scheduler.StepLR(optimiser, step_size=params.step_epochs, gamma=params.gamma)
    else:
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda _: 1.0)
    return Trainer(model, loss_fn, optimiser, scheduler, reader)


def _ge2e(model, loss_fn, batch):
    n, m, t, f = batch.shape
    return loss_fn(model(batch.reshape(n * m, t, f)).view(n, m, -1))


def train_step(model, loss_fn, optimiser, batch, second=None):
    """One optimiser step on one GE2E batch; the whole of the work per step that training adds to the model.

    Args:
        batch: (N, M, T, F) float tensor on the model's device: N speakers x M segments of T frames.
        second: None, or (loss, batch, weight) of a second source (MultiReader): its GE2E loss on its batch,
            times weight, joins the step's loss.
    Returns:
        The loss (0-d tensor, detached). A non-finite loss is returned without stepping, so the
        caller can stop with the weights still good.
    """
    loss = _ge2e(model, loss_fn, batch)
    losses = [loss_fn]
    if second is not None:
        second_loss, second_batch, weight = second
        loss = loss + weight * _ge2e(model, second_loss, second_batch)
        losses.append(second_loss)
    if not torch.isfinite(loss):
        return loss.detach()
    optimiser.zero_grad(set_to_none=True)
    loss.backward()
    for p in (p for fn in losses for p in fn.parameters()):
        p.grad *= WB_GRAD_SCALE
    torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP_NORM)
    optimiser.step()
    with torch.no_grad():
        for fn in losses:
            fn.w.clamp_(min=W_MIN)
    return loss.detach()


def train_epoch(trainer, batches, state, epoch, params, last_good, before_step=None):
    """One pass over ``batches`` (N, M, T, F arrays on the model's device): a step and a loss log row each.

    Each row is epoch, step, the step's loss and ``total_loss`` (the seed's column name): the mean
    loss of the last ``params.average_window`` steps. ``last_good`` names the file a non-finite
    loss's error points at. With a second source (``trainer.reader``) each step also draws its batch, and the
    step's loss is the sum that was minimised: own + weight x source. ``before_step``: None, or called before
    every step (``ge2e.train.cores.Follower``: the thread count to the cores left free).
    """
    reader = trainer.reader
    for batch in batches:
        if before_step is not None:
            before_step()
        second = None
        if reader is not None:
            second = (reader.loss_fn, torch.as_tensor(reader.batch(), device=batch.device), reader.weight)
        loss = train_step(trainer.model, trainer.loss_fn, trainer.optimiser, batch, second)
        if not torch.isfinite(loss):
            raise InputError(
                f"loss became {loss.item()} at epoch {epoch}, step {state.step + 1}; training stopped, the last "
                f"good state is in {last_good}; lower the learning rate"
            )
        state.step += 1
        state.history.append(loss.item())
        running = float(np.mean(state.history[-params.average_window :]))
        state.rows.append(f"{epoch}\t{state.step}\t{state.history[-1]:.6f}\t{running:.6f}")
    state.epoch = epoch


def train(
    train_set, val_set, params, model_config, feature_params, outputs, source="validation speakers", init=None,
    multireader=None, before_step=None,
):  # fmt: skip
    """Train and write checkpoints and the loss log, resuming where a killed run stopped.

    Every ``params.checkpoint_every`` epochs the whole state (model, optimiser,
    scheduler, epoch, sampling RNG, torch RNG, loss log, best checkpoint) goes to
    ``outputs["resume"]``, a file outside the rule's declared outputs. A rerun with the
    same settings and data continues from it, and its ``final.pt`` is bit-identical to an
    uninterrupted run on CPU. The resume file is removed once ``final.pt`` is written.

    Args:
        train_set, val_set: FeatureSets of training and validation speakers.
        params: TrainParams.
        model_config: the encoder's size, config ``model``: {"hidden", "layers", "proj"}.
        feature_params: dict of ``ge2e.features.frontend.FeatureParams`` (stored in checkpoints).
        outputs: dict of paths: init, final, best, loss (TSV), resume.
        source: what the validation speakers are (task and corpus), stored with the calibration fitted on them.
        init: None (the seeded random start), or a ``ge2e.train.transfer.Start``: the checkpoint to start from,
            whose model size and feature settings must be the run's (an InputError naming its config key
            otherwise). Every checkpoint records it (``init_from``), and init.pt holds its encoder.
        multireader: None, or a ``ge2e.train.multireader.Source`` whose weighted GE2E loss joins every step's;
            weight 0 trains exactly as None does. Checkpoints record it (``multireader``) where its weight is
            above 0.
        before_step: None, or called before every training step (``ge2e.train.cores.Follower``, which changes the
            thread count and no byte).
    Returns:
        dict with final loss, best validation EER and its epoch.
    """
    torch.use_deterministic_algorithms(True, warn_only=True)
    device = resolve_device(params.device)
    rng = np.random.default_rng([params.seed, 1])
    sampler = SpeakerBatches(
        train_set,
        params.n_speakers,
        params.n_utterances,
        params.frames[1],
        source="training speakers",
        max_speakers=params.max_speakers,
    )
    start, more, started = None, [], {}
    if init is not None:
        start = load_start(init, {"n_mels": train_set.n_mels, **model_config}, dict(feature_params))
        digest = file_digest(init.path)
        started = {"init_from": record(init, start[1], digest)}
        more.append(("init", digest))
    reader = None
    if multireader is not None and multireader.weight > 0:
        reader = MultiReader(multireader, params, device)
        more.append(("multireader", multireader.name, reader.weight, multireader.train_set.digest()))
    trainer = setup(params, model_config, train_set, device, start, reader)
    model, loss_fn = trainer.model, trainer.loss_fn
    embedder = EncoderEmbedder(model, window_frames(params.frames))
    fingerprint = checkpoints.fingerprint(params, model_config, feature_params, train_set, val_set, more)
    resume = outputs.get("resume")

    def validate():  # (EER, threshold, calibration and operating points) on the validation speakers
        model.eval()
        val_eer, threshold, trials = full_trial_eer(embedder, val_set)
        model.train()
        return val_eer, threshold, calibration.stored(trials["scores"], trials["labels"], source)

    def snapshot(epoch, step, val_eer, threshold, decision):
        extra = {**started, **({"multireader": reader.record()} if reader else {})}
        return checkpoints.checkpoint(
            model, loss_fn, params, feature_params, epoch, step, val_eer, threshold, decision, extra
        )

    saved = checkpoints.load_resume(resume, fingerprint, trainer, rng)
    state = saved and TrainState(**{f.name: saved[f.name] for f in dataclasses.fields(TrainState) if f.name in saved})
    if state:
        log.info("resuming from %s at epoch %d", resume, state.epoch)
    else:
        state = TrainState.start(snapshot(0, 0, *validate()))
        log.info(
            "training on %s: %d speakers, %d batches/epoch, N=%d M=%d; %s val EER %.4f",
            device, len(sampler.speakers), sampler.batches_per_epoch, params.n_speakers, params.n_utterances,
            f"starting from {init.path}:" if init else "untrained", state.val_eer,
        )  # fmt: skip
        if reader:
            log.info(
                "MultiReader: every step adds %g x the GE2E loss of a batch of %s (%d speakers)",
                reader.weight, reader.name, len(reader.sampler.speakers),
            )  # fmt: skip
    # init.pt and best.pt are declared outputs, which Snakemake deletes before a rerun: rewrite them.
    checkpoints.save(state.init, outputs["init"])
    checkpoints.save(state.best, outputs["best"])

    model.train()
    clock, start_step = time.perf_counter(), state.step
    for epoch in range(state.epoch + 1, params.epochs + 1):
        batches = (torch.as_tensor(batch, device=device) for batch in sampler.epoch(rng, params.frames))
        train_epoch(trainer, batches, state, epoch, params, resume or outputs["best"], before_step)
        trainer.scheduler.step()
        note = ""
        if epoch % params.validate_every == 0 or epoch == params.epochs:
            state.val_eer, state.threshold, state.decision = validate()
            note = f" val_eer {state.val_eer:.4f}"
            state.val_history.append(state.val_eer)
            if params.best_window > 1:
                note += f" (mean of {params.best_window}: {state.windowed(params.best_window):.4f})"
            if state.windowed(params.best_window) < state.best_eer:
                state.best = snapshot(epoch, state.step, state.val_eer, state.threshold, state.decision)
                state.best_eer, state.best_epoch = state.windowed(params.best_window), epoch
                checkpoints.save(state.best, outputs["best"])
                note += " (best)"
        log.info(
            "epoch %d step %d loss %.4f avg %.4f lr %.5f w %.3f b %.3f %.1f steps/s%s",
            epoch, state.step, state.history[-1], np.mean(state.history[-params.average_window :]),
            trainer.optimiser.param_groups[0]["lr"], loss_fn.w.item(), loss_fn.b.item(),
            (state.step - start_step) / (time.perf_counter() - clock), note,
        )  # fmt: skip
        if resume and epoch % params.checkpoint_every == 0 and epoch < params.epochs:
            checkpoints.save_resume(resume, fingerprint, trainer, rng, vars(state))
    # The last epoch always validates, so val_eer/threshold describe the final weights.
    final = snapshot(params.epochs, state.step, state.val_eer, state.threshold, state.decision)
    checkpoints.save(final, outputs["final"])
    # total_loss: the running mean over average_window steps (train_epoch), named as in the seed.
    write_text(outputs["loss"], "epoch\tstep\tloss\ttotal_loss\n" + "\n".join(state.rows) + "\n")
    if resume:
        Path(resume).unlink(missing_ok=True)
    return {
        "final_loss": state.history[-1] if state.history else None,
        "best_val_eer": state.best_eer,
        "best_epoch": state.best_epoch,
    }
