"""The table's two renderings and the run summary page."""

import re

import pytest

from ge2e import manifest, summary, table


def _result(eer):
    return {"eer_avg": eer, "eer_full": eer + 0.01, "eer_full_ci95": [eer - 0.02, eer + 0.03],
            "min_dcf_0.01": 0.9, "min_dcf_0.001": 1.0}  # fmt: skip


def test_markdown_and_html_tables_carry_the_same_cells():
    results = [("Ours: a & b", {"tdsv": _result(0.1234), "tisv": _result(0.2)}), ("Ours: half", {"tdsv": None})]
    md = table.render(results, "TD-SV on x, TI-SV on y")
    page = table.render_html(results, "TD-SV on x, TI-SV on y")
    md_cells = [c.strip() for line in md.splitlines() if line.startswith("| ") for c in line.strip("|").split("|")]
    html_cells = re.findall(r"<t[hd]>(.*?)</t[hd]>", page)
    assert html_cells == [c.replace("&", "&amp;") for c in md_cells]
    assert "| Ours: a & b | 0.1234 | 0.1334 [0.103, 0.153] | 0.2000 | 0.2100 [0.180, 0.230] |" in md
    assert "| Ours: half | n/r | n/r | n/r | n/r |" in md


def test_run_summary_counts_speakers_utterances_and_hours(tmp_path):
    rows = [
        {"speaker": s, "utterance": f"{s}_{u}", "path": f"/x/{s}_{u}.wav", "split": split, "duration": 1.8}
        for split, speakers in (("train", ["a", "b", "c"]), ("val", ["d"]), ("test", ["e", "f"]))
        for s in speakers
        for u in range(4)
    ]
    path = tmp_path / "manifest.tsv"
    manifest.write(rows, path)
    counts = summary.split_counts(manifest.read(path))
    assert {split: c[:2] for split, c in counts.items()} == {"train": (3, 12), "val": (1, 4), "test": (2, 8)}
    assert counts["train"][2] == pytest.approx(12 * 1.8 / 3600)
    train = {"n_speakers": 3, "n_utterances": 4, "frames": [60, 80], "epochs": 7}
    page = summary.render_html(
        {"tdsv": {"corpus": "built-in synthetic", "manifest": path, "train": train, "copies": 4}},
        {"hidden": 16, "layers": 2, "proj": 8},
        n_mels=40,
    )
    assert (
        "<td>TD-SV</td><td>built-in synthetic</td><td>train</td><td>3</td><td>12 (x4 after augmentation)</td>" in page
    )
    # 2-layer LSTM(40 -> 16, proj 8) and the final projection: count from torch, not a formula kept in two places.
    assert f"{summary.parameter_count(40, 16, 2, 8):,} parameters" in page
    assert "<td>TD-SV</td><td>3</td><td>4</td><td>60–80</td><td>7</td>" in page
