"""Placeholder corpora (bench/placeholder.py): the real layouts, which the real readers accept."""

from audio_files import STRICT

from bench import placeholder
from ge2e.corpus import librispeech, snips, timit, voxceleb


def test_timit_layout_is_read_as_timit(tmp_path):
    rows = timit.scan(placeholder.write_timit(tmp_path / "TIMIT", train_speakers=3, test_speakers=2), "full")
    assert len(rows) == 5 * 10
    parts = {part: {r["speaker"] for r in rows if r["part"] == part} for part in ("train", "test")}
    assert len(parts["train"]) == 3 and len(parts["test"]) == 2
    assert sorted(r["utterance"].split("_")[1] for r in rows if r["speaker"] == rows[0]["speaker"]) == sorted(
        ["SA1", "SA2", "SX10", "SX100", "SX190", "SX280", "SX370", "SI500", "SI1130", "SI1760"]
    )


def test_snips_layout_is_read_as_snips_with_disjoint_workers(tmp_path):
    root = placeholder.write_snips(tmp_path / "snips", {"train": 3, "dev": 1, "test": 2}, hotwords=2)
    rows = snips.scan(root, STRICT)
    assert len(rows) == (3 + 1 + 2) * 2  # the negatives are written but are not keyword positives
    by_split = {s: {r["speaker"] for r in rows if r["split"] == s} for s in ("train", "val", "test")}
    assert [len(v) for v in by_split.values()] == [3, 1, 2] and all(r["duration"] == 0.1 for r in rows)


def test_voxceleb_layout_is_read_as_voxceleb_with_its_test_speakers(tmp_path):
    root = placeholder.write_voxceleb(tmp_path / "vox1", speakers=50, files=400, first_id=10265)
    rows = voxceleb.scan([str(root)])  # default test speakers: id10270..id10309, all present
    assert len(rows) == 400 and len({r["speaker"] for r in rows}) == 50
    assert {r["speaker"] for r in rows if r["part"] == "test"} == voxceleb.VOX1_TEST
    assert all(len(r["utterance"].split("/")[1]) == 11 for r in rows)
    placeholder.write_voxceleb(tmp_path / "again", speakers=50, files=400, first_id=10265)  # seeded: the same tree
    assert sorted(p.relative_to(tmp_path / "again") for p in (tmp_path / "again").rglob("*.wav")) == sorted(
        p.relative_to(root) for p in root.rglob("*.wav")
    )


def test_librispeech_layout_is_read_as_librispeech(tmp_path):
    root = placeholder.write_librispeech(tmp_path / "LibriSpeech", {"train-clean-100": (5, 60), "test-clean": (2, 10)})
    rows = librispeech.scan(root, ["train-clean-100"], ["test-clean"], STRICT.bad_files("convert"))
    assert len(rows) == 70
    parts = {part: {r["speaker"] for r in rows if r["part"] == part} for part in ("train", "test")}
    assert len(parts["train"]) == 5 and len(parts["test"]) == 2
    assert set(librispeech.read_speakers_table(root / "SPEAKERS.TXT")) == parts["train"] | parts["test"]
