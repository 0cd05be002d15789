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
