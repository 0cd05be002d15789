"""Placeholder corpora (ge2e.corpus.placeholder): the real layouts, which the real readers accept."""

from audio_files import STRICT

from ge2e.corpus import placeholder, snips, timit


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
