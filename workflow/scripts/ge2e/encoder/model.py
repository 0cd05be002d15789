"""The GE2E speaker encoder: stacked LSTM with projection, last frame, unit norm."""

import warnings

import torch
from torch import nn

# PyTorch notes once per process that LSTM projections bypass oneDNN on CPU; expected, not actionable.
warnings.filterwarnings("ignore", message="LSTM with projections is not supported with oneDNN")


class SpeakerEncoder(nn.Module):
    """LSTM d-vector encoder (paper: 3 layers x 768 cells, projection 256).

    Input log-mels are standardised with per-mel statistics of the training set,
    stored as buffers so a checkpoint carries them.

    Args:
        n_mels: F, features per frame.
        hidden: LSTM cells per layer.
        layers: stacked LSTM layers.
        proj: D, projection size = embedding size.
    """

    def __init__(self, n_mels, hidden, layers, proj):
        super().__init__()
        self.config = {"n_mels": n_mels, "hidden": hidden, "layers": layers, "proj": proj}
        self.lstm = nn.LSTM(n_mels, hidden, num_layers=layers, batch_first=True, proj_size=proj)
        self.register_buffer("feature_mean", torch.zeros(n_mels))
        self.register_buffer("feature_std", torch.ones(n_mels))

    def set_normalisation(self, mean, std):
        """Set input statistics: mean, std (F,)."""
        self.feature_mean.copy_(torch.as_tensor(mean, dtype=torch.float32))
        self.feature_std.copy_(torch.as_tensor(std, dtype=torch.float32).clamp_min(1e-3))

    def forward(self, frames):
        """frames (B, T, F) -> embeddings (B, D), each of unit L2 norm."""
        x = (frames - self.feature_mean) / self.feature_std
        out, _ = self.lstm(x)  # (B, T, D)
        return nn.functional.normalize(out[:, -1], dim=-1)
