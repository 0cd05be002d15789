"""The encoder the repository ships (ge2e.encoder.shipped): there, small, a TI-SV checkpoint the commands load."""

import re

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


def test_make_model_remakes_both_files_targets_before_the_configfile_that_would_swallow_them():
    makefile = (shipped.REPOSITORY / "Makefile").read_text()
    recipe = makefile[makefile.index("\nmodel:") :].split("\n\n")[0]
    assert f"{shipped.TISV} {shipped.TDSV} \\\n\t\t--configfile config/real-speech.yaml" in recipe


@pytest.mark.parametrize(
    ("corpus", "refused"),
    [
        ({"tdsv_format": "speech_commands", "speech_commands": {"keyword": "yes"}}, None),
        ({"tdsv_format": "speech_commands", "speech_commands": {"keyword": "no"}}, "TD-SV corpus is the word 'no'"),
        ({"tdsv_format": "snips", "speech_commands": {"keyword": ""}}, "TD-SV corpus is snips"),
    ],
)
def test_the_tdsv_file_is_made_only_from_the_word_it_is_named_for(corpus, refused):
    if refused is None:
        shipped.check_keyword(corpus)
        return
    word = f"^{shipped.TDSV} is the encoder of the Speech Commands word 'yes', "
    with pytest.raises(InputError, match=f"{word}.*{refused}"):
        shipped.check_keyword(corpus)
    assert shipped.task_of(shipped.TDSV) == "tdsv" and shipped.stems()[0] == "tisv-resemblyzer-finetuned"


CARD = shipped.REPOSITORY / "docs" / "models.md"
CHECKED = {"LibriSpeech test-other": "test-other", "speechocean762 test part": "so762"}


def card_figures():
    """{row label: (shipped EER, MFCC EER)} of the card's held-out check table."""
    out = {}
    for line in CARD.read_text().splitlines():
        for label in CHECKED:
            if line.startswith(f"| {label}"):
                cells = [c.strip().strip("*") for c in line.strip("|").split("|")]
                out[label] = (float(cells[1]), float(cells[4]))
    return out


def test_the_shipped_keyword_encoder_is_a_small_tdsv_checkpoint_fine_tuned_from_the_tisv_one():
    path = shipped.REPOSITORY / shipped.TDSV
    assert path.stat().st_size < 25_000_000
    model, ckpt = load_encoder(path)
    assert ckpt["init_from"]["from"] == "tisv" and "keyword 'yes'" in ckpt["calibration"]["source"]


def test_the_model_cards_keyword_figure_is_what_ge2e_eer_measures_now(tmp_path, capsys):
    from workflow_run import REAL_SPEECH, require_real_speech

    from ge2e import cli
    from ge2e.corpus import speaker_split

    root = require_real_speech(REAL_SPEECH) / "speech-commands"
    speakers = {p.name.split("_")[0] for p in root.glob("*/*.wav")}
    part = speaker_split.split(speakers, val=24, test=24, seed=7)
    (tmp_path / "yes").mkdir()
    for path in sorted(root.glob(f"{shipped.TDSV_KEYWORD}/*.wav")):
        if part[path.name.split("_")[0]] == "test":
            (tmp_path / "yes" / path.name).symlink_to(path)
    row = next(line for line in CARD.read_text().splitlines() if line.startswith('| Speech Commands "yes" test'))
    cells = [c.strip().strip("*") for c in row.strip("|").split("|")]
    checkpoint = str(shipped.REPOSITORY / shipped.TDSV)
    assert cli.main(["eer", str(tmp_path / "yes"), "--layout", "prefix", "--checkpoint", checkpoint]) == 0
    eer, mfcc = (float(x) for x in re.search(r"EER (\S+) \(MFCC mean\+std (\S+)\)", capsys.readouterr().out).groups())
    assert (round(eer, 4), round(mfcc, 4)) == (float(cells[1]), float(cells[4]))


def test_the_model_cards_held_out_figures_are_what_ge2e_eer_measures_now(tmp_path, capsys):
    from workflow_run import REAL_SPEECH, require_real_speech

    from ge2e import cli
    from ge2e.corpus import speaker_split

    root = require_real_speech(REAL_SPEECH)
    so762 = root / "speechocean762" / "WAVE"
    part = speaker_split.split([p.name for p in so762.iterdir() if p.is_dir()], val=20, test=25, seed=7)
    (tmp_path / "so762").mkdir()
    for speaker in sorted(s for s, p in part.items() if p == "test"):
        (tmp_path / "so762" / speaker).symlink_to(so762 / speaker)
    folders = {"test-other": root / "LibriSpeech" / "test-other", "so762": tmp_path / "so762"}
    figures = card_figures()
    assert set(figures) == set(CHECKED)
    for label, name in CHECKED.items():
        assert cli.main(["eer", str(folders[name])]) == 0  # the shipped encoder: no --checkpoint
        line = capsys.readouterr().out
        eer, mfcc = (float(x) for x in re.search(r"EER (\S+) \(MFCC mean\+std (\S+)\)", line).groups())
        assert (round(eer, 4), round(mfcc, 4)) == figures[label], line
