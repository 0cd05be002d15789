"""The encoder the repository ships (ge2e.encoder.shipped): there, small, a TI-SV checkpoint the commands load."""

import pytest

from ge2e.encoder import shipped
from ge2e.encoder.embedding import load_encoder
from ge2e.errors import InputError


def test_the_shipped_encoder_is_a_small_tisv_checkpoint_that_loads():
    path = shipped.default_checkpoint()
    assert "tisv" in path.name and path.stat().st_size < 25_000_000
    model, ckpt = load_encoder(path)
    assert ckpt["init_from"]["from"] == "resemblyzer" and ckpt["calibration"] is not None


def test_without_the_repository_around_it_the_error_says_to_name_a_checkpoint(tmp_path, monkeypatch):
    monkeypatch.setattr(shipped, "REPOSITORY", tmp_path)
    with pytest.raises(InputError, match="no --checkpoint given and no shipped encoder at .*; name a checkpoint"):
        shipped.default_checkpoint()


def test_the_validation_speakers_choose_the_shipped_seed_and_it_is_copied_byte_for_byte(tmp_path):
    import torch

    paths = []
    for seed, val_eer in ((1, 0.02), (2, 0.01), (3, 0.01)):
        paths.append(tmp_path / f"seed{seed}.pt")
        torch.save({"val_eer": val_eer, "seed": seed}, paths[-1])
    assert shipped.chosen(paths) == (paths[1], 0.01)  # the lowest; the first of a tie
    out = tmp_path / "models" / "tisv.pt"
    out.parent.mkdir()
    assert shipped.ship(paths, out) == paths[1] and out.read_bytes() == paths[1].read_bytes()


def test_make_model_remakes_the_file_the_commands_use():
    makefile = (shipped.REPOSITORY / "Makefile").read_text()
    assert f"--configfile config/real-speech.yaml \\\n\t\t{shipped.TISV}" in makefile
