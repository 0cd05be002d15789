"""The speaker encoder (ge2e.encoder.model): shapes and unit-norm d-vectors, also through sliding-window inference."""

import numpy as np
import torch
from feature_sets import feature_set

from ge2e.encoder.embedding import embed_utterances
from ge2e.encoder.model import SpeakerEncoder


def test_encoder_shapes_and_unit_norm():
    model = SpeakerEncoder(n_mels=3, hidden=8, layers=2, proj=4)
    out = model(torch.randn(5, 17, 3))
    assert out.shape == (5, 4)
    assert torch.allclose(out.norm(dim=1), torch.ones(5), atol=1e-5)
    fs = feature_set([2, 2], lengths=[9, 30])
    emb = embed_utterances(lambda x: model(torch.as_tensor(x)).detach().numpy(), fs, frames=12)
    assert emb.shape == (4, 4) and np.allclose(np.linalg.norm(emb, axis=1), 1, atol=1e-5)


def test_input_statistics_standardise_the_frames_and_travel_in_the_state_dict():
    torch.manual_seed(0)
    model = SpeakerEncoder(n_mels=3, hidden=8, layers=1, proj=4)
    frames = torch.randn(2, 10, 3)
    mean, std = torch.tensor([1.0, -2.0, 0.5]), torch.tensor([2.0, 0.5, 1e-6])
    model.set_normalisation(mean.numpy(), std.numpy())
    floored = std.clamp_min(1e-3)  # a constant mel band must not blow up its frames
    assert torch.allclose(model.feature_std, floored)
    plain = SpeakerEncoder(n_mels=3, hidden=8, layers=1, proj=4)
    plain.lstm.load_state_dict(model.lstm.state_dict())
    assert torch.allclose(model(frames * floored + mean), plain(frames), atol=1e-5)
    assert {"feature_mean", "feature_std"} <= set(model.state_dict())  # a checkpoint carries them


def test_the_resemblyzer_arch_is_lstm_linear_relu_on_the_mel_power_with_resemblyzers_parameter_names():
    torch.manual_seed(0)
    model = SpeakerEncoder(n_mels=3, hidden=8, layers=2, proj=4, arch="resemblyzer")
    assert model.config == {"n_mels": 3, "hidden": 8, "layers": 2, "proj": 4, "arch": "resemblyzer"}
    assert set(model.state_dict()) == {
        *(f"lstm.{kind}_{part}_l{layer}" for kind in ("weight", "bias") for part in ("ih", "hh") for layer in (0, 1)),
        "linear.weight",
        "linear.bias",
    }
    log_mels = torch.randn(5, 17, 3)
    out = model(log_mels)
    assert out.shape == (5, 4) and (out >= 0).all()
    _, (hidden, _) = model.lstm(torch.exp(log_mels))
    expected = torch.relu(model.linear(hidden[-1]))
    assert torch.allclose(out, expected / expected.norm(dim=1, keepdim=True), atol=1e-6)
    model.set_normalisation(np.ones(3), np.ones(3))  # nothing to set: its input is the power itself
    assert "feature_mean" not in model.state_dict()
    assert SpeakerEncoder(n_mels=3, hidden=8, layers=2, proj=4).config == {
        "n_mels": 3,
        "hidden": 8,
        "layers": 2,
        "proj": 4,
    }
