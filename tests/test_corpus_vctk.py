"""VCTK 0.92 (ge2e.corpus.vctk): one microphone's files, speaker-info.txt, the seeded or listed test and
validation hold-out, 48 kHz resampled with one warning, and the layout problems named."""

import logging

import pytest
from audio_files import read_policy
from layouts import write_vctk

from ge2e.corpus import vctk
from ge2e.errors import InputError
from ge2e.schema import defaults


def spec(root, **overrides):
    """The schema's defaults for corpus.vctk (mic1), with ``overrides``."""
    fields = {**defaults("corpus.vctk"), "root": str(root), "test_fraction": 0.25, "val_fraction": 0.2}
    return vctk.Spec(**{**fields, **overrides})


def test_scan_reads_one_microphone(tmp_path):
    root = write_vctk(tmp_path / "VCTK", speakers=3, per_speaker=2)
    rows = vctk.scan(root, "mic2")
    assert [r["utterance"] for r in rows] == ["p225_001", "p225_002", "p226_001", "p226_002", "p227_001", "p227_002"]
    assert rows[0]["path"] == str(root / "wav48_silence_trimmed/p225/p225_001_mic2.flac")
    assert {r["part"] for r in rows} == {"train"}
    with pytest.raises(InputError, match=r"corpus\.vctk\.mic is 'mic3'"):
        vctk.scan(root, "mic3")


def test_speakers_without_the_chosen_mic_are_left_out_with_a_warning(tmp_path, caplog):
    root = write_vctk(tmp_path / "VCTK", speakers=3, per_speaker=2)
    for path in (root / "wav48_silence_trimmed/p226").glob("*_mic2.flac"):
        path.unlink()
    with caplog.at_level(logging.WARNING):
        rows = vctk.scan(root, "mic2")
    assert {r["speaker"] for r in rows} == {"p225", "p227"} and "1 speaker(s) have no mic2 files" in caplog.text
    for path in (root / "wav48_silence_trimmed").glob("*/*_mic2.flac"):
        path.unlink()
    with pytest.raises(InputError, match=r"wav48_silence_trimmed holds no <speaker>/<speaker>_<nnn>_mic2\.flac files"):
        vctk.scan(root, "mic2")


def test_layout_problems_name_the_file_or_key(tmp_path):
    root = write_vctk(tmp_path / "VCTK", speakers=2, per_speaker=1)
    (root / "wav48_silence_trimmed" / "p999").mkdir()
    with pytest.raises(InputError, match=rf"p999: speaker p999 is not listed in {root}/speaker-info\.txt"):
        vctk.scan(root, "mic1")
    (root / "speaker-info.txt").unlink()
    with pytest.raises(InputError, match=r"speaker-info\.txt is missing: is corpus\.vctk\.root the VCTK-Corpus-0\.92"):
        vctk.scan(root, "mic1")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "speaker-info.txt").write_text("ID AGE\n")
    with pytest.raises(InputError, match=r"wav48_silence_trimmed is missing: is corpus\.vctk\.root"):
        vctk.scan(tmp_path / "other", "mic1")
    with pytest.raises(InputError, match=r"not a folder \(config key corpus\.vctk\.root\)"):
        vctk.scan(tmp_path / "nope", "mic1")


def test_test_then_validation_speakers_are_held_out_seeded_and_resampled_with_a_warning(tmp_path, caplog):
    root = write_vctk(tmp_path / "VCTK", speakers=8, per_speaker=2)
    with caplog.at_level(logging.WARNING):
        rows = vctk.manifest_rows(spec(root), read_policy(resample=True), seed=11)
    assert "VCTK: 16 of 16 files are at 48000 Hz and are resampled to 16000 Hz" in caplog.text
    split_of = {r["speaker"]: r["split"] for r in rows}
    assert sorted(split_of.values()) == ["test"] * 2 + ["train"] * 5 + ["val"]  # 0.25 of 8, then 0.2 of 6
    again = vctk.manifest_rows(spec(root), read_policy(resample=True), seed=11)
    assert split_of == {r["speaker"]: r["split"] for r in again}
    assert all(r["duration"] == pytest.approx(0.1) for r in rows)
    with pytest.raises(InputError, match=r"VCTK: 16 of 16 files are not at 16000 Hz \(48000 Hz"):
        vctk.manifest_rows(spec(root), read_policy(), seed=11)


def test_listed_test_and_validation_speakers(tmp_path):
    root = write_vctk(tmp_path / "VCTK", speakers=6, per_speaker=1)
    (tmp_path / "test.txt").write_text("p225\np226\n")
    (tmp_path / "val.txt").write_text("p230\n")
    chosen = spec(root, test_speakers=str(tmp_path / "test.txt"), val_speakers=str(tmp_path / "val.txt"))
    rows = vctk.manifest_rows(chosen, read_policy(resample=True), seed=1)
    assert {r["speaker"]: r["split"] for r in rows} == {
        "p225": "test", "p226": "test", "p227": "train", "p228": "train", "p229": "train", "p230": "val"
    }  # fmt: skip
    (tmp_path / "val.txt").write_text("p225\n")  # already a test speaker
    with pytest.raises(
        InputError, match=r"val\.txt: 1 listed speaker.*\['p225'\]; config key corpus\.vctk\.val_speakers"
    ):
        vctk.manifest_rows(chosen, read_policy(resample=True), seed=1)


def test_spec_paths_name_the_keys(tmp_path):
    assert [key for key, _, _ in spec(tmp_path).paths()] == [
        "corpus.vctk.root", "corpus.vctk.test_speakers", "corpus.vctk.val_speakers"
    ]  # fmt: skip
    assert spec(tmp_path, mic="mic2").where() == f"{tmp_path} (mic2)"
