"""Starting training from a checkpoint (ge2e.train.transfer through ge2e.train.trainer.train): refused where the
checkpoint's size or features differ from the run's, started from its weights and w, b where they match, and
resumed to the byte after a kill."""

import hashlib
import pickle

import pytest
import torch
from test_train_trainer import SMALL, speaker_data, toy_params

import ge2e.train.trainer
from ge2e.errors import InputError
from ge2e.train.trainer import train
from ge2e.train.transfer import Start, mismatch

FEATURES = {"n_mels": 8, "hop_ms": 10.0}


def outputs(folder):
    folder.mkdir(parents=True, exist_ok=True)
    out = {k: folder / f"{k}.pt" for k in ("init", "final", "best")}
    return out | {"loss": folder / "loss.tsv", "resume": folder / "resume.pt"}


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A trained checkpoint of the toy task (model SMALL, features FEATURES) to start from."""
    torch.set_num_threads(1)
    out = outputs(tmp_path_factory.mktemp("source"))
    train(speaker_data(8, 4, 10), speaker_data(4, 4, 11), toy_params(epochs=2, seed=9), SMALL, FEATURES, out)
    return out["final"]


@pytest.mark.parametrize(
    ("theirs", "message"),
    [
        ({}, None),
        ({"model": {"proj": 8}}, "has model proj 4, the run's model has proj 8"),
        ({"features": {"hop_ms": 12.5}}, "has features hop_ms 10.0, the run's features have hop_ms 12.5"),
        ({"features": {"normalise": "mean"}}, "has no features normalise, the run's features have normalise mean"),
        # A checkpoint from before features.arithmetic stored nothing: it was portable.
        ({"features": {"arithmetic": "portable"}}, None),
        (
            {"features": {"arithmetic": "native"}},
            "has features arithmetic portable, the run's features have arithmetic native",
        ),
    ],
)
def test_mismatch_names_the_first_setting_that_differs(theirs, message):
    ckpt = {"model_config": {"n_mels": 8, **SMALL}, "feature_params": dict(FEATURES)}
    run_model = {"n_mels": 8, **SMALL, **theirs.get("model", {})}
    assert mismatch(ckpt, run_model, {**FEATURES, **theirs.get("features", {})}) == message


@pytest.mark.parametrize(
    ("model", "features", "message"),
    [
        ({**SMALL, "proj": 6}, FEATURES, "has model proj 4, the run's model has proj 6"),
        ({**SMALL, "hidden": 16}, FEATURES, "has model hidden 8, the run's model has hidden 16"),
        (SMALL, {**FEATURES, "hop_ms": 12.5}, "has features hop_ms 10.0, the run's features have hop_ms 12.5"),
    ],
)
def test_a_checkpoint_of_another_size_or_features_is_refused_in_one_line_naming_the_key(
    source, tmp_path, model, features, message
):
    start, data, val = Start(str(source), "tisv", "train.tdsv.init"), speaker_data(8, 4, 0), speaker_data(4, 4, 1)
    with pytest.raises(InputError) as caught:
        train(data, val, toy_params(), model, features, outputs(tmp_path), init=start)
    assert str(caught.value) == f"train.tdsv.init: {source} {message}"
    assert not (tmp_path / "init.pt").exists()


def test_a_file_that_is_no_checkpoint_is_refused_naming_the_key(tmp_path):
    bad = tmp_path / "best.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(InputError, match=rf"^train.tisv.init: {bad}: (refused, it is )?not a (plain )?ge2e checkpoint"):
        train(
            speaker_data(8, 4, 0), speaker_data(4, 4, 1), toy_params(), SMALL, FEATURES, outputs(tmp_path / "run"),
            init=Start(str(bad), str(bad), "train.tisv.init"),
        )  # fmt: skip


def test_a_fine_tuned_run_starts_from_the_checkpoints_encoder_and_w_b_and_records_it(source, tmp_path):
    out = outputs(tmp_path)
    train(
        speaker_data(8, 4, 0), speaker_data(4, 4, 1), toy_params(epochs=2), SMALL, FEATURES, out,
        init=Start(str(source), "tisv", "train.tdsv.init"),
    )  # fmt: skip
    given = torch.load(source, weights_only=True)
    init, final = (torch.load(out[k], weights_only=True) for k in ("init", "final"))
    # The whole encoder, its input normalisation included; and the loss's w and b.
    assert all(torch.equal(init["model"][k], given["model"][k]) for k in given["model"])
    assert (init["w"], init["b"]) == (given["w"], given["b"])
    assert init["epoch"] == 0 and init["train_params"]["seed"] == 5  # the run's own settings otherwise
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    for ckpt in (init, final):
        assert ckpt["init_from"] == {"from": "tisv", "path": str(source), "sha256": digest, "epoch": 2}
    assert not torch.equal(final["model"]["lstm.weight_ih_l0"], given["model"]["lstm.weight_ih_l0"])


def test_without_init_checkpoints_hold_no_init_from(tmp_path):
    out = outputs(tmp_path)
    train(speaker_data(8, 4, 0), speaker_data(4, 4, 1), toy_params(epochs=1), SMALL, FEATURES, out)
    assert "init_from" not in torch.load(out["final"], weights_only=True)


def _killed_at(monkeypatch, step):
    """Make the training step ``step`` (counted from 1) raise, as a kill would stop the job."""
    real, calls = ge2e.train.trainer.train_step, {"n": 0}

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == step:
            raise KeyboardInterrupt("killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(ge2e.train.trainer, "train_step", dying)


@pytest.mark.parametrize(("optimiser", "lr"), [("sgd", 0.1), ("adam", 0.01)])
def test_a_fine_tuned_run_killed_midway_resumes_to_the_same_bytes(source, tmp_path, monkeypatch, caplog, optimiser, lr):
    """Two batches an epoch, a resume file every epoch: killed in epoch 3, the rerun continues from epoch 2 and
    writes what an uninterrupted run writes, file for file; Adam's moment estimates are restored as SGD's state."""
    # Through pickle, as the rule script gets them from Snakemake: a literal "cpu" would be the very string object
    # torch names tensors' device by, and pickled as a reference to it in files written from the live settings
    # but not in those written from a resume file's copy.
    params = pickle.loads(pickle.dumps(toy_params(epochs=4, checkpoint_every=1, lr=lr, optimiser=optimiser)))
    start = Start(str(source), "tisv", "train.tdsv.init")
    data, val = speaker_data(8, 4, 0), speaker_data(4, 4, 1)
    straight, killed = outputs(tmp_path / "straight"), outputs(tmp_path / "killed")
    train(data, val, params, SMALL, FEATURES, straight, init=start)
    with monkeypatch.context() as patch:
        _killed_at(patch, 6)
        with pytest.raises(KeyboardInterrupt):
            train(data, val, params, SMALL, FEATURES, killed, init=start)
    assert torch.load(killed["resume"], weights_only=True)["epoch"] == 2
    caplog.set_level("INFO")
    train(data, val, params, SMALL, FEATURES, killed, init=start)
    assert "resuming from" in caplog.text and "at epoch 2" in caplog.text
    assert not killed["resume"].exists()
    for key in ("init", "best", "final", "loss"):
        assert straight[key].read_bytes() == killed[key].read_bytes(), key


def test_a_resume_file_of_another_start_checkpoint_is_not_used(source, tmp_path, monkeypatch, caplog):
    params = toy_params(epochs=3, checkpoint_every=1)
    data, val = speaker_data(8, 4, 0), speaker_data(4, 4, 1)
    out = outputs(tmp_path / "run")
    with monkeypatch.context() as patch:
        _killed_at(patch, 4)
        with pytest.raises(KeyboardInterrupt):
            train(data, val, params, SMALL, FEATURES, out, init=Start(str(source), "tisv", "train.tdsv.init"))
    other = tmp_path / "other.pt"
    ckpt = torch.load(source, weights_only=True)
    torch.save({**ckpt, "w": ckpt["w"] + 1.0}, other)  # the same settings, another file
    train(data, val, params, SMALL, FEATURES, out, init=Start(str(other), str(other), "train.tdsv.init"))
    assert "it was written with other settings or data" in caplog.text
    assert torch.load(out["init"], weights_only=True)["w"] == pytest.approx(ckpt["w"] + 1.0)
