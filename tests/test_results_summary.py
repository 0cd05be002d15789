"""The run summary page (ge2e.results.summary): speakers, utterances and hours per split, the model's size."""

import pytest

from ge2e.corpus import manifest
from ge2e.results import summary


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
    assert f"{summary.parameter_count(40, hidden=16, layers=2, proj=8):,} parameters" in page
    assert "<td>TD-SV</td><td>3</td><td>4</td><td>60–80</td><td>7</td>" in page


def test_the_resemblyzer_encoder_is_described_as_it_is():
    from ge2e.results.summary import parameter_count

    assert parameter_count(40, hidden=256, layers=3, proj=256, arch="resemblyzer") == 1_423_616
