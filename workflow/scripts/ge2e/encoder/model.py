"""The speaker encoder: stacked LSTM, last frame, unit norm, in the two families of ``ge2e.encoder.arch``."""

import warnings

import torch
from torch import nn

from ge2e.encoder.arch import ARCHS, MODEL_DEFAULTS, stored

# PyTorch notes once per process that LSTM projections bypass oneDNN on CPU; expected, not actionable.
warnings.filterwarnings("ignore", message="LSTM with projections is not supported with oneDNN")


class SpeakerEncoder(nn.Module):
    """LSTM d-vector encoder (paper: 3 layers x 768 cells, projection 256).

    arch ``ge2e``: LSTM with projection; input log-mels are standardised with per-mel statistics of the
    training set, stored as buffers so a checkpoint carries them. arch ``resemblyzer``: LSTM, then a linear
    layer and ReLU on the last frame; its input is the mel power, exp of the log-mels, unstandardised (the
    public encoder's weights were learned on it), so it has no statistics to set.

    Args:
        n_mels: F, features per frame.
        hidden: LSTM cells per layer.
        layers: stacked LSTM layers.
        proj: D, embedding size (the LSTM's projection, or the linear layer's output).
        arch: one of ``ge2e.encoder.arch.ARCHS``.
    """

    # A constant to TorchScript (ge2e export), which then compiles only the branch of forward the arch takes.
    resemblyzer: torch.jit.Final[bool]

    def __init__(self, n_mels, hidden, layers, proj, arch=MODEL_DEFAULTS["arch"]):
        super().__init__()
        if arch not in ARCHS:
            raise ValueError(f"encoder arch {arch!r}; use one of {ARCHS}")
        self.resemblyzer = arch == "resemblyzer"
        self.config = stored({"n_mels": n_mels, "hidden": hidden, "layers": layers, "proj": proj, "arch": arch})
        if not self.resemblyzer:
            self.lstm = nn.LSTM(n_mels, hidden, num_layers=layers, batch_first=True, proj_size=proj)
            self.register_buffer("feature_mean", torch.zeros(n_mels))
            self.register_buffer("feature_std", torch.ones(n_mels))
        else:
            self.lstm = nn.LSTM(n_mels, hidden, num_layers=layers, batch_first=True)
            self.linear = nn.Linear(hidden, proj)

    def set_normalisation(self, mean, std):
        """Set input statistics: mean, std (F,). The resemblyzer encoder takes its input as it is: a no-op."""
        if not self.resemblyzer:
            self.feature_mean.copy_(torch.as_tensor(mean, dtype=torch.float32))
            self.feature_std.copy_(torch.as_tensor(std, dtype=torch.float32).clamp_min(1e-3))

    def forward(self, frames):
        """frames (B, T, F) log-mels -> embeddings (B, D), each of unit L2 norm."""
        if self.resemblyzer:
            out, _ = self.lstm(torch.exp(frames))  # (B, T, H)
            return nn.functional.normalize(torch.relu(self.linear(out[:, -1])), dim=-1)
        out, _ = self.lstm((frames - self.feature_mean) / self.feature_std)  # (B, T, D)
        return nn.functional.normalize(out[:, -1], dim=-1)
