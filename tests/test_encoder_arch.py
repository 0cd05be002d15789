"""The encoder families (ge2e.encoder.arch): what a checkpoint stores of them, how each places its windows."""

import pytest

from ge2e.encoder import arch


def test_the_default_arch_is_not_stored_so_the_ge2e_encoders_checkpoints_are_what_they_were():
    size = {"n_mels": 40, "hidden": 8, "layers": 1, "proj": 4}
    assert arch.stored({**size, "arch": "ge2e"}) == size
    assert arch.stored({**size, "arch": "resemblyzer"}) == {**size, "arch": "resemblyzer"}


def test_each_arch_places_its_windows_and_a_checkpoint_without_arch_is_the_ge2e_encoders():
    assert arch.windows({"hidden": 8}) == arch.WINDOWS["ge2e"] == arch.Windows(0.5, None)
    rz = arch.windows({"arch": "resemblyzer"})
    assert round(160 * (1 - rz.overlap)) == 77 and rz.pad_coverage == 0.75  # Resemblyzer's 1.3 partials a second
    with pytest.raises(KeyError):
        arch.windows({"arch": "other"})


def test_resemblyzers_windows_are_its_partials_whatever_the_caller_asks():
    import torch

    from ge2e.encoder.embedding import EncoderEmbedder
    from ge2e.encoder.model import SpeakerEncoder

    model = SpeakerEncoder(n_mels=3, hidden=4, layers=1, proj=2, arch="resemblyzer")
    assert EncoderEmbedder(model, 50).frames == 160
    assert EncoderEmbedder(SpeakerEncoder(n_mels=3, hidden=4, layers=1, proj=2), 50).frames == 50
    assert isinstance(model, torch.nn.Module)
