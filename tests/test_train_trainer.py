"""GE2E training (ge2e.train.trainer): checkpoints and log, seeded and byte-identical runs, a NaN loss stopped."""

import numpy as np
import pytest
import torch

from ge2e.encoder.embedding import EncoderEmbedder, load_encoder, window_frames
from ge2e.evaluate import calibration
from ge2e.evaluate.protocols import full_trial_eer
from ge2e.features.store import FeatureSet
from ge2e.train.trainer import TrainParams, train


def speaker_data(n_speakers, n_utts, seed, n_mels=8):
    """Each speaker's frames scatter around its own mean: a learnable toy task."""
    rng = np.random.default_rng(seed)
    feats, spk, utt = [], [], []
    for s in range(n_speakers):
        centre = rng.normal(0, 1, n_mels)
        for u in range(n_utts):
            feats.append((centre + rng.normal(0, 1.0, (int(rng.integers(30, 50)), n_mels))).astype(np.float32))
            spk.append(f"spk{s}")
            utt.append(f"spk{s}_{u}")
    return FeatureSet.from_list(feats, spk, utt)


def toy_params(**settings):
    """TrainParams for the toy task: every field, as the config gives them all, then ``settings``."""
    base = dict(
        n_speakers=4, n_utterances=3, frames=(20, 20), epochs=2, lr=0.05, schedule="const", step_epochs=None,
        gamma=0.5, momentum=0.0, loss_method="softmax", validate_every=1, checkpoint_every=10, average_window=50,
        seed=5, device="cpu",
    )  # fmt: skip
    return TrainParams(**{**base, **settings})


SMALL = {"hidden": 8, "layers": 1, "proj": 4}  # the encoder's size (config ``model``)


def test_training_writes_checkpoints_and_log_and_learns(tmp_path):
    torch.set_num_threads(1)
    params = toy_params(
        n_utterances=4, frames=(20, 30), epochs=8, schedule="step", step_epochs=4, validate_every=4, seed=3,
    )  # fmt: skip
    outputs = {k: tmp_path / f"{k}.pt" for k in ("init", "final", "best")} | {"loss": tmp_path / "loss.tsv"}
    model_config = {"hidden": 16, "layers": 1, "proj": 8}
    summary = train(speaker_data(8, 6, 0), speaker_data(4, 6, 1), params, model_config, {"n_mels": 8}, outputs)
    rows = [line.split("\t") for line in outputs["loss"].read_text().splitlines()]
    assert rows[0] == ["epoch", "step", "loss", "total_loss"] and len(rows) == 1 + 8 * 2
    losses = np.array([float(r[2]) for r in rows[1:]])
    assert losses[-4:].mean() < losses[:4].mean()  # it learns
    model, ckpt = load_encoder(outputs["final"])
    assert ckpt["epoch"] == 8 and ckpt["model_config"] == {"n_mels": 8, "hidden": 16, "layers": 1, "proj": 8}
    assert ckpt["w"] > 0 and 0 <= ckpt["val_eer"] <= 1
    init = torch.load(outputs["init"], weights_only=False)
    assert init["epoch"] == 0 and summary["best_val_eer"] <= init["val_eer"]


def test_each_checkpoint_keeps_the_calibration_and_thresholds_of_its_validation(tmp_path):
    torch.set_num_threads(1)
    outputs = {k: tmp_path / f"{k}.pt" for k in ("init", "final", "best")} | {"loss": tmp_path / "loss.tsv"}
    val = speaker_data(4, 6, 1)
    train(speaker_data(6, 6, 0), val, toy_params(epochs=3), SMALL, {"n_mels": 8}, outputs, source="toy validation")
    for name in ("init", "best", "final"):
        model, ckpt = load_encoder(outputs[name])
        cal = calibration.Calibration.from_dict(ckpt[calibration.CHECKPOINT_KEY])
        assert cal.source == "toy validation" and cal.scale >= 0
        # Recomputed from the checkpoint's own weights on the validation speakers: the same fit, the same points.
        _, threshold, trials = full_trial_eer(EncoderEmbedder(model, window_frames((20, 20))), val)
        assert (
            ckpt[calibration.CHECKPOINT_KEY]
            == calibration.stored(trials["scores"], trials["labels"], "toy validation")[calibration.CHECKPOINT_KEY]
        )
        assert ckpt[calibration.THRESHOLDS_KEY]["eer"] == pytest.approx(threshold)
        assert set(ckpt[calibration.THRESHOLDS_KEY]) == {"eer", *calibration.FAR_POINTS}


def test_adam_trains_and_is_recorded_only_where_chosen(tmp_path):
    """Adam moves the weights another way than SGD from the same start; a checkpoint names the optimiser only where it
    is not SGD, so SGD runs keep the bytes they had before there was a choice."""
    data, val = speaker_data(6, 4, 0), speaker_data(4, 4, 1)
    finals = {}
    for name in ("sgd", "adam"):
        out = {k: tmp_path / f"{name}{k}.pt" for k in ("init", "final", "best")} | {"loss": tmp_path / f"{name}.tsv"}
        train(data, val, toy_params(lr=0.01, optimiser=name), SMALL, {}, out)
        finals[name] = torch.load(out["final"], weights_only=True)
        init = torch.load(out["init"], weights_only=True)
        assert not torch.equal(finals[name]["model"]["lstm.weight_ih_l0"], init["model"]["lstm.weight_ih_l0"])
    assert "optimiser" not in finals["sgd"]["train_params"] and finals["adam"]["train_params"]["optimiser"] == "adam"
    assert not torch.equal(finals["sgd"]["model"]["lstm.weight_ih_l0"], finals["adam"]["model"]["lstm.weight_ih_l0"])
    with pytest.raises(ValueError, match="unknown optimiser 'rmsprop'"):
        toy_params(optimiser="rmsprop")


def test_same_seed_same_weights(tmp_path):
    params = toy_params(validate_every=2)
    data, val = speaker_data(6, 4, 0), speaker_data(4, 4, 1)
    finals = []
    for run in ("a", "b"):
        out = {k: tmp_path / f"{run}{k}.pt" for k in ("init", "final", "best")} | {"loss": tmp_path / f"{run}.tsv"}
        train(data, val, params, SMALL, {}, out)
        finals.append(torch.load(out["final"], weights_only=False)["model"])
    assert all(torch.equal(finals[0][k], finals[1][k]) for k in finals[0])


def test_nan_loss_stops_with_epoch_and_step_and_keeps_last_good_state(tmp_path, monkeypatch):
    from ge2e.errors import InputError
    from ge2e.train.loss import GE2ELoss

    calls = {"n": 0}
    real_forward = GE2ELoss.forward

    def flaky_forward(self, embeddings):
        calls["n"] += 1
        loss = real_forward(self, embeddings)
        return loss * float("nan") if calls["n"] == 5 else loss

    monkeypatch.setattr(GE2ELoss, "forward", flaky_forward)
    params = toy_params(epochs=4, checkpoint_every=1)
    out = {k: tmp_path / f"{k}.pt" for k in ("init", "final", "best", "resume")} | {"loss": tmp_path / "loss.tsv"}
    with pytest.raises(InputError, match=r"loss became nan at epoch 3, step 5.*resume.pt"):
        train(speaker_data(8, 4, 0), speaker_data(4, 4, 1), params, SMALL, {}, out)
    assert not out["final"].exists() and not out["loss"].exists()
    resume = torch.load(out["resume"], weights_only=False)
    assert resume["epoch"] == 2 and resume["step"] == 4  # the last good state, two steps per epoch
    assert torch.load(out["best"], weights_only=False)["epoch"] <= 2


def test_snapshots_do_not_follow_training_and_files_are_byte_identical(tmp_path):
    """init.pt must hold the untrained weights however long training ran, and the same state the same bytes."""
    params = toy_params(epochs=3, lr=0.5, checkpoint_every=1)
    runs = []
    for name in ("a", "b"):
        out = {k: tmp_path / name / f"{k}.pt" for k in ("init", "final", "best")} | {"loss": tmp_path / name / "l.tsv"}
        (tmp_path / name).mkdir()
        train(speaker_data(8, 4, 0), speaker_data(4, 4, 1), params, SMALL, {}, out)
        runs.append(out)
    torch.manual_seed(params.seed)
    from ge2e.encoder.model import SpeakerEncoder

    untrained = SpeakerEncoder(8, 8, 1, 4).state_dict()
    init = torch.load(runs[0]["init"], weights_only=True)["model"]
    assert all(torch.equal(init[k], untrained[k]) for k in untrained if not k.startswith("feature_"))
    final = torch.load(runs[0]["final"], weights_only=True)["model"]
    assert not torch.equal(final["lstm.weight_ih_l0"], init["lstm.weight_ih_l0"])
    for key in ("init", "final", "best"):
        assert runs[0][key].read_bytes() == runs[1][key].read_bytes(), key


def test_max_speakers_trains_on_the_fixed_subset_with_its_batches_per_epoch(tmp_path, caplog):
    import logging

    out = {k: tmp_path / f"{k}.pt" for k in ("init", "final", "best")} | {"loss": tmp_path / "loss.tsv"}
    with caplog.at_level(logging.INFO):
        train(speaker_data(12, 4, 0), speaker_data(4, 4, 1), toy_params(max_speakers=8), SMALL, {}, out)
    assert "a fixed subset of 8 of the 12 speakers" in caplog.text and "8 speakers, 2 batches/epoch" in caplog.text
    assert len(out["loss"].read_text().splitlines()) == 1 + 2 * 2  # 2 epochs of 8 // 4 batches
    assert torch.load(out["final"], weights_only=False)["train_params"]["max_speakers"] == 8


@pytest.mark.parametrize(("window", "best_epoch"), [(1, 2), (3, 6)])
def test_best_window_chooses_on_the_mean_of_consecutive_validations(tmp_path, monkeypatch, window, best_epoch):
    """A lucky single validation (0.1 at epoch 2) is best with window 1; with window 3 the checkpoint
    ending the lowest three-validation mean is (0.2, 0.2, 0.2 at epochs 4-6)."""
    import ge2e.train.trainer

    eers = iter([0.5, 0.3, 0.1, 0.4, 0.2, 0.2, 0.2])  # untrained, then epochs 1..6
    trials = {"scores": np.array([[0.9, 0.1], [0.2, 0.8]]), "labels": np.eye(2, dtype=np.int8)}
    monkeypatch.setattr(ge2e.train.trainer, "full_trial_eer", lambda embedder, val_set: (next(eers), 0.0, trials))
    out = {k: tmp_path / f"{k}.pt" for k in ("init", "final", "best")} | {"loss": tmp_path / "loss.tsv"}
    summary = train(
        speaker_data(4, 3, 0), speaker_data(4, 3, 1), toy_params(epochs=6, best_window=window), SMALL, {}, out
    )
    best = torch.load(out["best"], weights_only=False)
    assert summary["best_epoch"] == best["epoch"] == best_epoch
    assert best["val_eer"] == (0.1 if window == 1 else 0.2)  # the checkpoint's own EER
    assert summary["best_val_eer"] == pytest.approx(0.1 if window == 1 else 0.2)
