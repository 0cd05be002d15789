"""LibriSpeech (ge2e.corpus.librispeech): its layout, SPEAKERS.TXT and transcripts, the chosen subsets, the
validation hold-out, and every layout problem reported with the file or config key."""

import logging

import pytest
from audio_files import read_policy
from layouts import write_librispeech
from workflow_run import REAL_SPEECH, require_real_speech

from ge2e.corpus import formats, librispeech
from ge2e.errors import InputError
from ge2e.schema import defaults

FAIL = read_policy().bad_files("convert")


def spec(root, **overrides):
    """The schema's defaults for corpus.librispeech, on one training subset, with ``overrides``."""
    fields = {**defaults("corpus.librispeech"), "root": str(root), "train_subsets": ["train-clean-100"]}
    return formats.spec("librispeech", {**fields, "val_fraction": 0.34, **overrides})


def test_speakers_table_skips_comments_and_keeps_names_with_bars(tmp_path):
    root = write_librispeech(tmp_path / "LS")
    table = librispeech.read_speakers_table(root / "SPEAKERS.TXT")
    assert sorted(table) == [str(100 + k) for k in range(9)]
    assert table["101"] == {"sex": "M", "subset": "train-clean-100", "minutes": "1.00", "name": "Reader|1"}


def test_scan_lists_the_chosen_subsets_with_librispeech_ids(tmp_path):
    root = write_librispeech(tmp_path / "LS", {"train-clean-100": 2, "train-clean-360": 2, "test-clean": 2})
    rows = librispeech.scan(root, ["train-clean-100", "train-clean-360"], ["test-clean"], FAIL)
    assert len(rows) == 6 * 2 * 3
    first = rows[0]
    assert (first["speaker"], first["utterance"], first["part"]) == ("100", "100-2000-0000", "train")
    assert first["path"] == str(root / "train-clean-100/100/2000/100-2000-0000.flac")
    assert {r["speaker"] for r in rows if r["part"] == "test"} == {"104", "105"}
    only_100 = librispeech.scan(root, ["train-clean-100"], ["test-clean"], FAIL)
    assert {r["speaker"] for r in only_100 if r["part"] == "train"} == {"100", "101"}


def test_manifest_rows_hold_out_validation_speakers_seeded(tmp_path):
    root = write_librispeech(tmp_path / "LS")
    rows = librispeech.manifest_rows(spec(root), read_policy(), seed=3)
    again = librispeech.manifest_rows(spec(root), read_policy(), seed=3)
    assert [(r["utterance"], r["split"]) for r in rows] == [(r["utterance"], r["split"]) for r in again]
    split_of = {r["speaker"]: r["split"] for r in rows}
    assert sorted(split_of.values()) == ["test"] * 3 + ["train"] * 4 + ["val"] * 2  # 0.34 of 6 training speakers
    assert {s for s, split in split_of.items() if split == "test"} == {"106", "107", "108"}
    assert all(r["duration"] == pytest.approx(0.1) for r in rows)
    listed = tmp_path / "val.txt"
    listed.write_text("# held out\n101\n104\n")
    rows = librispeech.manifest_rows(spec(root, val_speakers=str(listed)), read_policy(), seed=3)
    assert {r["speaker"] for r in rows if r["split"] == "val"} == {"101", "104"}
    listed.write_text("101\n107\n")  # a test speaker is no training speaker
    with pytest.raises(InputError, match=r"val\.txt: 1 listed speaker.*\['107'\].*corpus\.librispeech\.val_speakers"):
        librispeech.manifest_rows(spec(root, val_speakers=str(listed)), read_policy(), seed=3)


def test_chapters_without_transcripts_contribute_their_flac_files_with_one_warning(tmp_path, caplog):
    root = write_librispeech(tmp_path / "LS", transcripts=False)
    with caplog.at_level(logging.WARNING):
        rows = librispeech.scan(root, ["train-clean-100"], ["test-clean"], FAIL)
    assert [r["utterance"] for r in rows[:3]] == ["100-2000-0000", "100-2000-0001", "100-2000-0002"]
    assert len(rows) == 9 * 2 * 3 and {r["part"] for r in rows if r["speaker"] == "107"} == {"test"}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("LibriSpeech: 18 chapter folder(s) have no .trans.txt (e.g. ")
    assert "their 54 .flac files are read as the chapters' utterances" in warnings[0]
    # Chapters with and without transcripts mix; one with its transcript still says what its utterances are.
    mixed = write_librispeech(tmp_path / "LS2", {"train-clean-100": 2, "test-clean": 1})
    chapter = mixed / "train-clean-100/100/2000"
    (chapter / "100-2000-0000.flac").rename(chapter / "100-2000-0007.flac")
    (chapter / "100-2000.trans.txt").unlink()
    (mixed / "train-clean-100/101/2010/101-2010-0009.flac").write_bytes(b"")  # not in its chapter's transcript
    rows = librispeech.scan(mixed, ["train-clean-100"], ["test-clean"], FAIL)
    found = {r["utterance"] for r in rows}
    assert {"100-2000-0001", "100-2000-0002", "100-2000-0007"} <= found and "100-2000-0000" not in found
    assert "101-2010-0009" not in found and len(rows) == 3 * 2 * 3


def test_a_flac_of_another_speaker_or_chapter_without_transcript_names_the_file(tmp_path):
    root = write_librispeech(tmp_path / "LS", transcripts=False)
    stray = root / "train-clean-100/101/2010/100-2000-0005.flac"
    stray.write_bytes(b"")
    with pytest.raises(InputError, match=rf"{stray}: in a chapter folder without .trans.txt each .flac must be named "):
        librispeech.scan(root, ["train-clean-100"], ["test-clean"], FAIL)
    stray.unlink()
    (root / "train-clean-100/101/2010/notes.flac").write_bytes(b"")
    with pytest.raises(InputError, match=r"notes\.flac: .* must be named 101-2010-<nnnn>\.flac; rename or remove it"):
        librispeech.scan(root, ["train-clean-100"], ["test-clean"], FAIL)


def test_the_real_librispeech_copy_without_transcripts_reads(caplog):
    """../shared/real-speech/LibriSpeech: no .trans.txt at all, one utterance per training reader."""
    root = require_real_speech(REAL_SPEECH / "LibriSpeech")
    s = spec(root, train_subsets=["train-clean-100"], test_subsets=["test-other"], val_fraction=0.2)
    with caplog.at_level(logging.WARNING):
        rows = librispeech.manifest_rows(s, read_policy(), seed=1, threads=2)
    counts = {split: len({r["speaker"] for r in rows if r["split"] == split}) for split in ("train", "val", "test")}
    assert counts == {"train": 201, "val": 50, "test": 10}
    assert len(rows) == 251 + 100 and "no .trans.txt" in caplog.text


def test_missing_metadata_names_the_file(tmp_path):
    root = write_librispeech(tmp_path / "LS")
    (root / "SPEAKERS.TXT").unlink()
    with pytest.raises(InputError, match=r"SPEAKERS\.TXT is missing: is corpus\.librispeech\.root the LibriSpeech"):
        librispeech.scan(root, ["train-clean-100"], ["test-clean"], FAIL)
    with pytest.raises(InputError, match=r"does not exist or is not a folder \(config key corpus\.librispeech\.root\)"):
        librispeech.scan(tmp_path / "nope", ["train-clean-100"], ["test-clean"], FAIL)


def test_bad_metadata_lines_name_file_and_line(tmp_path):
    root = write_librispeech(tmp_path / "LS", {"train-clean-100": 2, "test-clean": 1})
    with open(root / "SPEAKERS.TXT", "a") as fh:
        fh.write("999 | F | train-clean-100\n")
    with pytest.raises(InputError, match=r"SPEAKERS\.TXT:6: expected 'ID \| SEX \| SUBSET \| MINUTES \| NAME'"):
        librispeech.scan(root, ["train-clean-100"], ["test-clean"], FAIL)
    root = write_librispeech(tmp_path / "LS2", {"train-clean-100": 2, "test-clean": 1})
    trans = root / "test-clean/102/2020/102-2020.trans.txt"
    trans.write_text(trans.read_text() + "103-2020-0009 NOT THIS SPEAKER\n")
    with pytest.raises(InputError, match=rf"{trans}: lists 103-2020-0009, which is not of speaker 102"):
        librispeech.scan(root, ["train-clean-100"], ["test-clean"], FAIL)


def test_missing_or_empty_subsets_and_unknown_speakers_name_the_key_or_file(tmp_path):
    root = write_librispeech(tmp_path / "LS")
    with pytest.raises(InputError, match=r"train-other-500 is missing: corpus\.librispeech\.train_subsets names"):
        librispeech.scan(root, ["train-clean-100", "train-other-500"], ["test-clean"], FAIL)
    with pytest.raises(InputError, match=r"test-other is missing: corpus\.librispeech\.test_subsets names"):
        librispeech.scan(root, ["train-clean-100"], ["test-other"], FAIL)
    (root / "dev-clean").mkdir()
    with pytest.raises(InputError, match=r"dev-clean holds no <speaker>/<chapter>/.*corpus\.librispeech\.test_subsets"):
        librispeech.scan(root, ["train-clean-100"], ["dev-clean"], FAIL)
    with pytest.raises(InputError, match=r"name \['test-clean'\] more than once"):
        librispeech.scan(root, ["test-clean"], ["test-clean"], FAIL)
    with pytest.raises(InputError, match=r"corpus\.librispeech\.test_subsets is empty"):
        librispeech.scan(root, ["train-clean-100"], [], FAIL)
    (root / "test-clean" / "4242" / "1").mkdir(parents=True)
    with pytest.raises(InputError, match=rf"test-clean/4242: speaker 4242 is not listed in {root}/SPEAKERS\.TXT"):
        librispeech.scan(root, ["train-clean-100"], ["test-clean"], FAIL)


def test_a_speaker_in_a_training_and_a_test_subset_is_refused(tmp_path, caplog):
    root = write_librispeech(tmp_path / "LS")
    (root / "test-clean" / "100").mkdir()
    with caplog.at_level(logging.WARNING), pytest.raises(InputError, match=r"speaker 100 is in both a training"):
        librispeech.scan(root, ["train-clean-100"], ["test-clean"], FAIL)
    assert "SPEAKERS.TXT puts speaker 100 in train-clean-100" in caplog.text


def test_bad_and_missing_audio_follow_the_bad_file_policy(tmp_path, caplog):
    root = write_librispeech(tmp_path / "LS")
    missing = root / "train-clean-100/100/2000/100-2000-0001.flac"
    missing.unlink()
    broken = root / "train-clean-100/101/2010/101-2010-0002.flac"
    broken.write_bytes(b"fLaC garbage")
    with pytest.raises(InputError, match=rf"lists 100-2000-0001, whose audio {missing} is missing"):
        librispeech.manifest_rows(spec(root), read_policy(), 1)
    with caplog.at_level(logging.WARNING):
        rows = librispeech.manifest_rows(spec(root), read_policy(on_bad_file="skip"), 1)
    assert len(rows) == 9 * 2 * 3 - 2 and str(broken) in caplog.text and "skipped 2 bad file(s)" in caplog.text


def test_other_rates_are_resampled_with_one_warning_or_refused(tmp_path, caplog):
    import soundfile as sf

    root = write_librispeech(tmp_path / "LS")
    path = root / "test-clean/107/2070/107-2070-0000.flac"
    sf.write(path, sf.read(path)[0], 8000)
    with caplog.at_level(logging.WARNING):
        librispeech.manifest_rows(spec(root), read_policy(resample=True), 1)
    assert "LibriSpeech: 1 of 54 files are at 8000 Hz and are resampled to 16000 Hz" in caplog.text
    with pytest.raises(InputError, match=r"LibriSpeech: 1 of 54 files are not at 16000 Hz.*corpus\.resample: true"):
        librispeech.manifest_rows(spec(root), read_policy(), 1)


def test_spec_paths_and_where(tmp_path):
    s = spec(tmp_path, train_subsets=["train-clean-100", "train-clean-360"])
    key = "corpus.librispeech"
    assert s.paths() == [(f"{key}.root", str(tmp_path), "folder"), (f"{key}.val_speakers", "", "file")]
    assert s.where() == f"{tmp_path} (train-clean-100 + train-clean-360; test: test-clean)"
