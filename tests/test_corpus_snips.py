"""Snips (ge2e.corpus.snips): positives only, workers as speakers, splits from its JSON files."""

import json

import numpy as np
import pytest
from audio_files import STRICT

from ge2e.audio import files as audio
from ge2e.corpus import snips
from ge2e.errors import InputError


def make_snips(root):
    (root / "audio_files").mkdir(parents=True)
    for split, workers in (("train", ["w1", "w2"]), ("dev", ["w3"]), ("test", ["w4"])):
        entries = []
        for w in workers:
            for k, hot in enumerate([1, 1, 0]):
                uid = f"{w}u{k}"
                audio.write_wav(root / "audio_files" / f"{uid}.wav", np.full(1600, 0.1, np.float32))
                entries.append(
                    {
                        "id": uid,
                        "worker_id": w,
                        "is_hotword": hot,
                        "duration": 0.1,
                        "audio_file_path": f"audio_files/{uid}.wav",
                        "extra": "ignored",
                    }
                )
        (root / f"{split}.json").write_text(json.dumps(entries))
    return root


def test_snips_positives_and_splits(tmp_path):
    rows = snips.scan(make_snips(tmp_path), STRICT)
    assert len(rows) == 4 * 2  # negatives dropped
    assert {r["split"] for r in rows if r["speaker"] == "w3"} == {"val"}
    assert {r["speaker"] for r in rows if r["split"] == "train"} == {"w1", "w2"}


def test_snips_invalid_json(tmp_path):
    make_snips(tmp_path)
    (tmp_path / "dev.json").write_text("[{")
    with pytest.raises(InputError, match="dev.json.*not valid JSON"):
        snips.scan(tmp_path, STRICT)


def test_snips_missing_key(tmp_path):
    make_snips(tmp_path)
    entries = json.loads((tmp_path / "test.json").read_text())
    del entries[1]["worker_id"]
    (tmp_path / "test.json").write_text(json.dumps(entries))
    with pytest.raises(InputError, match="test.json.*entry 1.*worker_id"):
        snips.scan(tmp_path, STRICT)


def test_snips_missing_audio(tmp_path):
    make_snips(tmp_path)
    (tmp_path / "audio_files" / "w1u0.wav").unlink()
    with pytest.raises(InputError, match="train.json.*w1u0.wav"):
        snips.scan(tmp_path, STRICT)


def test_snips_workers_must_be_disjoint(tmp_path):
    make_snips(tmp_path)
    entries = json.loads((tmp_path / "test.json").read_text())
    for e in entries:
        e["worker_id"] = "w1"
    (tmp_path / "test.json").write_text(json.dumps(entries))
    with pytest.raises(InputError, match="disjoint"):
        snips.scan(tmp_path, STRICT)
