import numpy as np
import pytest
import torch

from ge2e import augment, features
from ge2e.audio import write_wav
from ge2e.features import FeatureSet
from ge2e.inference import load_encoder
from ge2e.train import TrainParams, train


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


def test_training_writes_checkpoints_and_log_and_learns(tmp_path):
    torch.set_num_threads(1)
    params = TrainParams(
        n_speakers=4, n_utterances=4, frames=(20, 30), epochs=8, lr=0.05, schedule="step", step_epochs=4,
        validate_every=4, hidden=16, layers=1, proj=8, seed=3,
    )  # fmt: skip
    outputs = {k: tmp_path / f"{k}.pt" for k in ("init", "final", "best")} | {"loss": tmp_path / "loss.tsv"}
    summary = train(speaker_data(8, 6, 0), speaker_data(4, 6, 1), params, {"n_mels": 8}, outputs)
    rows = [line.split("\t") for line in outputs["loss"].read_text().splitlines()]
    assert rows[0] == ["epoch", "step", "loss", "total_loss"] and len(rows) == 1 + 8 * 2
    losses = np.array([float(r[2]) for r in rows[1:]])
    assert losses[-4:].mean() < losses[:4].mean()  # it learns
    model, ckpt = load_encoder(outputs["final"])
    assert ckpt["epoch"] == 8 and ckpt["model_config"] == {"n_mels": 8, "hidden": 16, "layers": 1, "proj": 8}
    assert ckpt["w"] > 0 and 0 <= ckpt["val_eer"] <= 1
    init = torch.load(outputs["init"], weights_only=False)
    assert init["epoch"] == 0 and summary["best_val_eer"] <= init["val_eer"]


def test_same_seed_same_weights(tmp_path):
    params = TrainParams(
        n_speakers=4, n_utterances=3, frames=(20, 20), epochs=2, lr=0.05, schedule="const",
        validate_every=2, hidden=8, layers=1, proj=4, seed=5,
    )  # fmt: skip
    data, val = speaker_data(6, 4, 0), speaker_data(4, 4, 1)
    finals = []
    for run in ("a", "b"):
        out = {k: tmp_path / f"{run}{k}.pt" for k in ("init", "final", "best")} | {"loss": tmp_path / f"{run}.tsv"}
        train(data, val, params, {}, out)
        finals.append(torch.load(out["final"], weights_only=False)["model"])
    assert all(torch.equal(finals[0][k], finals[1][k]) for k in finals[0])


def aug_params(**kinds):
    off = dict(noise_copies=0, snr_db=(10, 20), babble=0.0, reverb_copies=0, rt60_s=(0.3, 0.6), bandlimit_copies=0)
    return augment.AugmentParams(**{**off, "gain_db": (-20, 0), "stretch_rates": (), "speed_rates": (), **kinds})


def tone_file(path, hz=200, seconds=1.0):
    t = np.arange(int(16000 * seconds)) / 16000
    write_wav(path, np.concatenate([np.zeros(4000), 0.5 * np.sin(2 * np.pi * hz * t), np.zeros(4000)]))
    return str(path)


def test_augmented_copies_are_seeded_and_named(tmp_path):
    rows = [{"speaker": "w1", "utterance": "u1", "path": tone_file(tmp_path / "u1.wav")}]
    params = aug_params(noise_copies=2, stretch_rates=(0.8, 1.25))
    a = augment.augment_rows(rows, features.FeatureParams(), params, seed=1)
    b = augment.augment_rows(rows, features.FeatureParams(), params, seed=1)
    assert list(a.utterances) == ["u1", "u1+noise0", "u1+noise1", "u1+stretch0.8", "u1+stretch1.25"]
    assert set(a.speakers) == {"w1"} and np.array_equal(a.features, b.features)
    # Time-stretch changes the length by 1/rate (the original is ~1 s = ~100 frames after VAD).
    lengths = dict(zip(a.utterances, a.lengths, strict=True))
    assert lengths["u1+stretch0.8"] > lengths["u1"] > lengths["u1+stretch1.25"]
    assert not np.array_equal(a.utterance(1), a.utterance(0))


def test_every_kind_of_copy_and_speed_perturbed_speakers(tmp_path):
    rows = [
        {"speaker": "w1", "utterance": "u1", "path": tone_file(tmp_path / "u1.wav", 200)},
        {"speaker": "w2", "utterance": "u2", "path": tone_file(tmp_path / "u2.wav", 330, 1.5)},
    ]
    params = aug_params(noise_copies=1, babble=1.0, reverb_copies=1, bandlimit_copies=1, speed_rates=(0.9, 1.1))
    assert params.copies == 4 and params.enabled
    fs = augment.augment_rows(rows, features.FeatureParams(normalise="none"), params, seed=3)
    names = list(fs.utterances[fs.speakers == "w1"])
    assert names == ["u1", "u1+babble0", "u1+reverb0", "u1+phone0"]  # babble: w2 is another speaker
    assert sorted(set(fs.speakers)) == ["w1", "w1_sp0.9", "w1_sp1.1", "w2", "w2_sp0.9", "w2_sp1.1"]
    assert list(fs.utterances[fs.speakers == "w1_sp1.1"])[:2] == ["u1+sp1.1", "u1+sp1.1+babble0"]
    lengths = dict(zip(fs.utterances, fs.lengths, strict=True))
    assert lengths["u1+sp0.9"] > lengths["u1"] > lengths["u1+sp1.1"]  # speed changes duration by 1/rate
    # The telephone copy has lost the energy below 300 Hz: the 200 Hz tone is 20+ dB down in its mel band.
    low_band = int(np.argmax(fs.utterance(0).mean(axis=0)))
    assert fs.utterance(0)[:, low_band].mean() - fs.utterance(3)[:, low_band].mean() > np.log(100)


def test_room_impulse_response_decays_by_rt60():
    rng = np.random.default_rng(0)
    rir = augment.room_impulse_response(rng, 0.5, 16000)
    assert len(rir) == 8000 and np.isclose(np.sum(rir**2), 1.0) and rir[0] == rir.max()
    early, late = np.sum(rir[1:1600] ** 2), np.sum(rir[6400:] ** 2)
    assert late < early / 100  # the tail has died away
    assert 10 ** (-3 / 10) * 0.99 < rir[0] ** 2 / np.sum(rir[1:] ** 2) < 10 ** (12 / 10) * 1.01  # DRR in range
    wave = np.random.default_rng(1).standard_normal(16000).astype(np.float32)
    wet = augment.reverberate(wave, rir)
    assert wet.shape == wave.shape and np.isclose(np.sqrt(np.mean(wet**2)), np.sqrt(np.mean(wave**2)), rtol=1e-3)


def test_nan_loss_stops_with_epoch_and_step_and_keeps_last_good_state(tmp_path, monkeypatch):
    from ge2e.errors import InputError
    from ge2e.loss import GE2ELoss

    calls = {"n": 0}
    real_forward = GE2ELoss.forward

    def flaky_forward(self, embeddings):
        calls["n"] += 1
        loss = real_forward(self, embeddings)
        return loss * float("nan") if calls["n"] == 5 else loss

    monkeypatch.setattr(GE2ELoss, "forward", flaky_forward)
    params = TrainParams(
        n_speakers=4, n_utterances=3, frames=(20, 20), epochs=4, lr=0.05, schedule="const",
        validate_every=1, checkpoint_every=1, hidden=8, layers=1, proj=4, seed=5,
    )  # fmt: skip
    out = {k: tmp_path / f"{k}.pt" for k in ("init", "final", "best", "resume")} | {"loss": tmp_path / "loss.tsv"}
    with pytest.raises(InputError, match=r"loss became nan at epoch 3, step 5.*resume.pt"):
        train(speaker_data(8, 4, 0), speaker_data(4, 4, 1), params, {}, out)
    assert not out["final"].exists() and not out["loss"].exists()
    resume = torch.load(out["resume"], weights_only=False)
    assert resume["epoch"] == 2 and resume["step"] == 4  # the last good state, two steps per epoch
    assert torch.load(out["best"], weights_only=False)["epoch"] <= 2


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


def test_snapshots_do_not_follow_training_and_files_are_byte_identical(tmp_path):
    """init.pt must hold the untrained weights however long training ran, and the same state the same bytes."""
    params = TrainParams(
        n_speakers=4, n_utterances=3, frames=(20, 20), epochs=3, lr=0.5, schedule="const",
        validate_every=1, checkpoint_every=1, hidden=8, layers=1, proj=4, seed=5,
    )  # fmt: skip
    runs = []
    for name in ("a", "b"):
        out = {k: tmp_path / name / f"{k}.pt" for k in ("init", "final", "best")} | {"loss": tmp_path / name / "l.tsv"}
        (tmp_path / name).mkdir()
        train(speaker_data(8, 4, 0), speaker_data(4, 4, 1), params, {}, out)
        runs.append(out)
    torch.manual_seed(params.seed)
    from ge2e.model import SpeakerEncoder

    untrained = SpeakerEncoder(8, 8, 1, 4).state_dict()
    init = torch.load(runs[0]["init"], weights_only=True)["model"]
    assert all(torch.equal(init[k], untrained[k]) for k in untrained if not k.startswith("feature_"))
    final = torch.load(runs[0]["final"], weights_only=True)["model"]
    assert not torch.equal(final["lstm.weight_ih_l0"], init["lstm.weight_ih_l0"])
    for key in ("init", "final", "best"):
        assert runs[0][key].read_bytes() == runs[1][key].read_bytes(), key
