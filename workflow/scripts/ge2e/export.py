"""A trained encoder for use outside this project: log-mel frames in, the evaluation's d-vector out.

``export(checkpoint, out_dir)`` writes three files:

- ``encoder.pt``: TorchScript (``torch.jit.load``), no ge2e code needed;
- ``encoder.onnx``: ONNX (e.g. onnxruntime), input ``frames`` (T, F) float32, output ``dvector`` (D,);
- ``encoder.json``: what a user needs besides: the feature parameters the frames must be computed with
  (``ge2e.features.frontend.extract``: VAD, log-mel, per-utterance normalisation), the sliding window, the
  embedding size, the checkpoint's validation EER threshold, and its calibration and operating points
  (``ge2e.evaluate.calibration``; null where the checkpoint holds none).

Both files embed a whole utterance exactly as evaluation, ``ge2e embed`` and ``ge2e verify`` do
(``ge2e.encoder.embedding.embed_utterances``): windows of W frames every H frames, the last one ending at the
last frame; an utterance shorter than W (T < W) gives one window, its frames repeated cyclically to W
(as ``ge2e.batches.segment_index`` wraps them); each window's d-vector, summed, renormalised. T >= 1.
The windowing is tensor arithmetic inside the graph, so one file serves every T.
"""

import contextlib
import dataclasses
import json
import warnings
from pathlib import Path

import torch
from torch import nn

from ge2e.atomic import atomic_path, write_text
from ge2e.encoder.embedding import load_encoder, window_frames
from ge2e.errors import InputError
from ge2e.evaluate import calibration
from ge2e.features import frontend as features

OVERLAP = 0.5  # of consecutive windows: embed_utterances' default, the evaluation's (the parity test checks)
FILES = {"torchscript": "encoder.pt", "onnx": "encoder.onnx", "json": "encoder.json"}
# 17: recent enough for every op used here, old enough for runtimes a few years old.
OPSET = 17


def hop_frames(window):
    """The window step H of embed_utterances for windows of ``window`` frames."""
    return max(1, int(round(window * (1 - OVERLAP))))


class SlidingWindowEncoder(nn.Module):
    """Frames (T, F) float32 -> unit-norm d-vector (D,): the mean of the sliding windows' d-vectors.

    Args:
        encoder: windows (B, W, F) -> unit d-vectors (B, D) (``SpeakerEncoder`` or ``UnrolledEncoder``).
        window: W frames. hop: H frames.
    """

    def __init__(self, encoder: nn.Module, window: int, hop: int):
        super().__init__()
        self.encoder, self.window, self.hop = encoder, window, hop

    def windows(self, frames: torch.Tensor) -> torch.Tensor:
        """Frames (T, F) -> the windows (B, W, F) of ``ge2e.encoder.embedding.window_index``, in its order."""
        if frames.shape[0] == 0:  # TorchScript raises here; the ONNX graph has no such check
            raise ValueError("no frames: the exported encoder needs T >= 1")
        # The frame count as a tensor, so a traced (ONNX) graph computes the windows from the input's shape
        # rather than baking in the example's (plain Python ints would be constants in the trace).
        length = torch.zeros((), dtype=torch.long, device=frames.device) + frames.shape[0]
        room = torch.clamp(length - self.window, min=0)  # the last start
        count = torch.div(room + (self.hop - 1), self.hop, rounding_mode="floor") + 1  # windows, >= 1
        starts = torch.minimum(torch.arange(count, device=frames.device) * self.hop, room)  # (B,)
        offsets = torch.arange(self.window, device=frames.device)
        return frames[torch.remainder(starts[:, None] + offsets[None, :], length)]  # wraps only when T < W

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        total = self.encoder(self.windows(frames)).sum(dim=0)  # (D,)
        return total / torch.linalg.vector_norm(total)


class UnrolledEncoder(nn.Module):
    """``SpeakerEncoder``'s forward with its LSTM written out step by step, for ONNX.

    ONNX's LSTM operator has no output projection; PyTorch 2.13's exporters refuse an ``nn.LSTM`` with
    ``proj_size`` (the TorchScript-based one) or write a graph onnxruntime rejects (the dynamo one). The
    same equations as ``nn.LSTM`` (gates i, f, g, o; c' = f c + i g; h' = W_hr (o tanh c')) on the same
    weights; the time loop unrolls at export over the W steps of a window, fixed for a checkpoint, while
    the number of windows stays dynamic.
    """

    def __init__(self, model):
        super().__init__()
        self.lstm = model.lstm
        self.feature_mean, self.feature_std = model.feature_mean, model.feature_std

    def forward(self, windows):
        """windows (B, W, F) -> (B, D) unit norm."""
        x = (windows - self.feature_mean) / self.feature_std
        lstm = self.lstm
        for k in range(lstm.num_layers):
            w_ih, w_hh, w_hr = (getattr(lstm, f"weight_{name}_l{k}") for name in ("ih", "hh", "hr"))
            inputs = x @ w_ih.T + (getattr(lstm, f"bias_ih_l{k}") + getattr(lstm, f"bias_hh_l{k}"))  # (B, W, 4H)
            h = x.new_zeros((x.shape[0], lstm.proj_size))
            c = x.new_zeros((x.shape[0], lstm.hidden_size))
            outputs = []
            for t in range(x.shape[1]):
                i, f, g, o = (inputs[:, t] + h @ w_hh.T).chunk(4, dim=1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = (torch.sigmoid(o) * torch.tanh(c)) @ w_hr.T
                outputs.append(h)
            x = torch.stack(outputs, dim=1) if k + 1 < lstm.num_layers else x  # the last layer: its last h only
        return nn.functional.normalize(h, dim=-1)


@contextlib.contextmanager
def quiet_deprecations():
    """Silence torch's deprecation notices of the two formats asked for, within this block only.

    torch 2.13 deprecates TorchScript (script, save, load) and the TorchScript-based ONNX exporter in favour
    of ``torch.export``. Its files need torch to load; TorchScript's load in torch or libtorch (C++), and the
    dynamo ONNX exporter cannot export this model correctly (see UnrolledEncoder). The notices are not
    actionable for a user of ``ge2e export``, so they are not shown.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        yield


def script(module):
    """``torch.jit.script(module)`` without the deprecation notice."""
    with quiet_deprecations():
        return torch.jit.script(module)


def describe(ckpt, window, hop, checkpoint_name):
    """The JSON beside the exported files (a dict)."""
    # As ge2e embed does: checkpoints from before per-utterance normalisation were trained without it.
    params = features.FeatureParams(**{"normalise": "none", **ckpt["feature_params"]})
    stored = ckpt.get(calibration.CHECKPOINT_KEY)
    return {
        "files": {"torchscript": FILES["torchscript"], "onnx": FILES["onnx"]},
        "input": {"name": "frames", "shape": ["T", params.n_mels], "dtype": "float32", "min_frames": 1},
        "output": {"name": "dvector", "shape": [ckpt["model_config"]["proj"]], "dtype": "float32", "norm": 1.0},
        "feature_params": dataclasses.asdict(params),
        "window": window,
        "hop": hop,
        "embedding_dim": ckpt["model_config"]["proj"],
        # ge2e verify: the cosine of the test d-vector with the renormalised mean of the enrolment ones.
        "scoring": "cosine(test, unit(mean(enrolment)))",
        "checkpoint": {
            "file": checkpoint_name,
            "epoch": ckpt.get("epoch"),
            "val_eer": ckpt.get("val_eer"),
            "eer_threshold": ckpt.get("eer_threshold"),
        },
        "calibration": None if stored is None else calibration.Calibration.from_dict(stored).to_dict(),
        "operating_points": ckpt.get(calibration.THRESHOLDS_KEY),
    }


def export(checkpoint_path, out_dir):
    """Write encoder.pt (TorchScript), encoder.onnx and encoder.json of a checkpoint from ``ge2e.train.trainer``.

    Returns:
        {"torchscript", "onnx", "json"}: the paths written.
    Raises:
        InputError (one line) when the file is not such a checkpoint.
    """
    model, ckpt = load_encoder(checkpoint_path)
    try:
        window = window_frames(ckpt["train_params"]["frames"])
        info = describe(ckpt, window, hop_frames(window), Path(checkpoint_path).name)
    except (KeyError, TypeError, ValueError, InputError) as exc:  # a key missing or of another kind
        why = (str(exc).splitlines() or [""])[0][:200]
        raise InputError(
            f"{checkpoint_path}: not a ge2e training checkpoint ({type(exc).__name__}: {why}); "
            "export a final.pt or best.pt"
        ) from None
    out_dir = Path(out_dir)
    paths = {kind: out_dir / name for kind, name in FILES.items()}
    with torch.no_grad(), quiet_deprecations():
        with atomic_path(paths["torchscript"]) as tmp:
            torch.jit.save(torch.jit.script(SlidingWindowEncoder(model, window, info["hop"])), str(tmp))
        unrolled = SlidingWindowEncoder(UnrolledEncoder(model), window, info["hop"]).eval()
        example = torch.zeros(2 * window + 1, model.config["n_mels"])  # any length: the graph does not depend on it
        with atomic_path(paths["onnx"]) as tmp:
            torch.onnx.export(
                unrolled, (example,), str(tmp), dynamo=False, opset_version=OPSET, input_names=["frames"],
                output_names=["dvector"], dynamic_axes={"frames": {0: "T"}},
            )  # fmt: skip
    write_text(paths["json"], json.dumps(info, indent=2) + "\n")
    return paths
