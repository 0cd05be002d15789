"""ge2e.export: the TorchScript and ONNX encoders give the evaluation's d-vectors, with their JSON beside them."""

import json

import numpy as np
import pytest
import torch

from ge2e import export, schema
from ge2e.encoder.embedding import EncoderEmbedder, load_encoder, window_index
from ge2e.encoder.model import SpeakerEncoder
from ge2e.errors import InputError
from ge2e.evaluate import calibration
from ge2e.features.store import FeatureSet
from ge2e.train.checkpoints import checkpoint
from ge2e.train.loss import GE2ELoss
from ge2e.train.trainer import TrainParams

# TorchScript is deprecated in torch 2.13 (ge2e.export.quiet_deprecations says why it is used all the same).
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")

N_MELS = 8
FRAMES = (10, 14)  # training segment lengths: windows of 12 frames, every 6


def write_checkpoint(path, layers=2, extra=None):
    """A random encoder saved as ge2e.train saves one (its ``checkpoint`` dict), with input statistics."""
    torch.manual_seed(0)
    model = SpeakerEncoder(N_MELS, hidden=16, layers=layers, proj=6)
    model.set_normalisation(torch.randn(N_MELS), torch.rand(N_MELS) + 0.5)
    params = TrainParams(
        n_speakers=4, n_utterances=3, frames=FRAMES, epochs=1, lr=0.05, schedule="const", step_epochs=None,
        gamma=0.5, momentum=0.0, loss_method="softmax", validate_every=1, checkpoint_every=10, average_window=50,
        seed=5, device="cpu",
    )  # fmt: skip
    feature_params = {**schema.defaults("features.params"), "n_mels": N_MELS}
    ckpt = checkpoint(model, GE2ELoss(method="softmax"), params, feature_params, 3, 30, 0.25, 0.61)
    torch.save({**ckpt, **(extra or {})}, path)
    return path


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("export")
    cal = calibration.Calibration(12.5, -7.25, 0.5, "validation speakers of a toy corpus")
    points = {"eer": 0.61, "far1": 0.8, "far0.1": 0.9}
    ckpt = write_checkpoint(
        tmp / "best.pt", extra={calibration.CHECKPOINT_KEY: cal.to_dict(), calibration.THRESHOLDS_KEY: points}
    )
    return ckpt, export.export(ckpt, tmp / "out"), cal, points


def reference(ckpt, utterances):
    """d-vectors (U, D) as evaluation, ge2e embed and ge2e verify compute them."""
    model, stored = load_encoder(ckpt)
    fs = FeatureSet.from_list(utterances, ["s"] * len(utterances), [str(i) for i in range(len(utterances))])
    return EncoderEmbedder(model, export.window_frames(stored["train_params"]["frames"])).utterances(fs)


# Shorter than a window (one wrapped window), exactly one, one frame over, a whole number of hops, and long.
LENGTHS = (1, 5, 11, 12, 13, 18, 19, 25, 61, 200)


def test_torchscript_and_onnx_give_the_evaluation_d_vectors_at_every_length(exported):
    import onnx
    import onnxruntime

    ckpt, paths, _, _ = exported
    onnx.checker.check_model(str(paths["onnx"]), full_check=True)
    rng = np.random.default_rng(0)
    utterances = [rng.normal(0, 2, (t, N_MELS)).astype(np.float32) for t in LENGTHS]
    want = reference(ckpt, utterances)  # (U, D)
    scripted = torch.jit.load(str(paths["torchscript"]))
    session = onnxruntime.InferenceSession(str(paths["onnx"]), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["frames"]
    for frames, expected in zip(utterances, want, strict=True):
        with torch.no_grad():
            got_ts = scripted(torch.from_numpy(frames)).numpy()
        (got_onnx,) = session.run(["dvector"], {"frames": frames})
        assert got_ts.shape == got_onnx.shape == expected.shape == (6,)
        np.testing.assert_allclose(got_ts, expected, atol=1e-5, err_msg=f"TorchScript, T={len(frames)}")
        np.testing.assert_allclose(got_onnx, expected, atol=1e-5, err_msg=f"ONNX, T={len(frames)}")
        assert np.linalg.norm(got_onnx) == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(torch.jit.Error, match="T >= 1"):
        scripted(torch.zeros(0, N_MELS))


def test_the_windows_in_the_graph_are_the_evaluations():
    # Frame t holds the value t, so each window shows which frames it took.
    wrapper = export.SlidingWindowEncoder(torch.nn.Identity(), 12, 6)
    scripted = export.script(wrapper)
    for t in range(1, 40):
        frames = torch.arange(t, dtype=torch.float32)[:, None]
        _, starts = window_index(np.array([t]), 12, 6)
        want = (starts[:, None] + np.arange(12)[None, :]) % t  # (B, W): ge2e.batches.segment_index's wrap
        np.testing.assert_array_equal(wrapper.windows(frames)[..., 0].numpy(), want)
        np.testing.assert_array_equal(scripted.windows(frames)[..., 0].numpy(), want)


def test_json_holds_the_features_window_and_calibration(exported):
    ckpt, paths, cal, points = exported
    info = json.loads(paths["json"].read_text())
    assert info["feature_params"] == {**schema.defaults("features.params"), "n_mels": N_MELS, "arithmetic": "portable"}
    assert (info["window"], info["hop"], info["embedding_dim"]) == (12, 6, 6)
    assert info["input"] == {"name": "frames", "shape": ["T", N_MELS], "dtype": "float32", "min_frames": 1}
    assert info["checkpoint"] == {"file": "best.pt", "epoch": 3, "val_eer": 0.25, "eer_threshold": 0.61}
    assert calibration.Calibration.from_dict(info["calibration"]) == cal
    assert info["operating_points"] == points
    assert info["files"] == {"torchscript": "encoder.pt", "onnx": "encoder.onnx"}


def test_a_checkpoint_without_calibration_exports_null(tmp_path):
    ckpt = write_checkpoint(tmp_path / "final.pt", layers=1)
    paths = export.export(ckpt, tmp_path / "out")
    info = json.loads(paths["json"].read_text())
    assert info["calibration"] is None and info["operating_points"] is None
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["encoder.json", "encoder.onnx", "encoder.pt"]


def test_a_file_that_is_not_a_checkpoint_is_one_line_error(tmp_path):
    text = tmp_path / "notes.pt"
    text.write_text("not a checkpoint\nat all\n")
    other = tmp_path / "other.pt"
    torch.save({"model": {}, "weights": torch.zeros(3)}, other)
    partial = tmp_path / "partial.pt"
    ckpt = torch.load(write_checkpoint(tmp_path / "full.pt", layers=1), weights_only=True)
    torch.save({k: v for k, v in ckpt.items() if k != "train_params"}, partial)
    bad_calibration = tmp_path / "bad_calibration.pt"
    torch.save({**ckpt, calibration.CHECKPOINT_KEY: {"scale": 1.0}}, bad_calibration)
    for path in (text, other, partial, bad_calibration, tmp_path / "missing.pt"):
        with pytest.raises(InputError) as err:
            export.export(path, tmp_path / "out")
        assert path.name in str(err.value) and "\n" not in str(err.value)
    assert not (tmp_path / "out").exists()


def test_ge2e_export_writes_the_three_files_and_says_where(tmp_path, capsys):
    from ge2e import cli

    ckpt = write_checkpoint(tmp_path / "final.pt")
    assert cli.main(["export", "--checkpoint", str(ckpt), "--out", str(tmp_path / "out")]) == 0
    written = capsys.readouterr().out.splitlines()
    assert written == [f"wrote {tmp_path / 'out' / name}" for name in ("encoder.pt", "encoder.onnx", "encoder.json")]
    assert json.loads((tmp_path / "out" / "encoder.json").read_text())["calibration"] is None
    (tmp_path / "junk.pt").write_bytes(b"junk")
    assert cli.main(["export", "--checkpoint", str(tmp_path / "junk.pt"), "--out", str(tmp_path / "x")]) == 1
    assert "not a ge2e checkpoint" in capsys.readouterr().err
