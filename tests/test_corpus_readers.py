import json

import numpy as np
import pytest

from ge2e import audio, manifest
from ge2e.corpus import snips, timit
from ge2e.errors import InputError


def make_timit(root, case=str.upper):
    for part, speakers in (("TRAIN", ["FCJF0", "MDAB0", "MTAS1", "FDAW0", "MREB0"]), ("TEST", ["MDAB1", "FELC0"])):
        for spk in speakers:
            folder = root / case(part) / case("DR1") / case(spk)
            folder.mkdir(parents=True)
            for utt in ("SA1", "SX3", "SI453"):
                audio.write_wav(folder / case(f"{utt}.WAV"), np.full(800, 0.1, np.float32))
            (folder / case("SA1.TXT")).write_text("0 800 text\n")
    return root


@pytest.mark.parametrize("case", [str.upper, str.lower])
def test_timit_scan_both_cases(tmp_path, case):
    rows = timit.scan(make_timit(tmp_path, case))
    assert len(rows) == 7 * 3
    assert {r["speaker"] for r in rows if r["part"] == "test"} == {"MDAB1", "FELC0"}
    assert rows[0]["utterance"].startswith(rows[0]["speaker"] + "_")
    assert {r["dialect"] for r in rows} == {"DR1"}


def test_timit_validation_split_is_seeded_and_disjoint(tmp_path):
    rows = timit.scan(make_timit(tmp_path))
    a = timit.assign_splits([dict(r) for r in rows], 0.4, seed=3)
    b = timit.assign_splits([dict(r) for r in rows], 0.4, seed=3)
    assert [r["split"] for r in a] == [r["split"] for r in b]
    val = {r["speaker"] for r in a if r["split"] == "val"}
    assert len(val) == 2 and not val & {r["speaker"] for r in a if r["split"] == "train"}
    assert all(r["split"] == "test" for r in a if r["part"] == "test")


def test_timit_convert_writes_wav_and_manifest(tmp_path):
    rows = timit.assign_splits(timit.scan(make_timit(tmp_path / "TIMIT")), 0.2, seed=1)
    rows = timit.convert(rows, tmp_path / "wav")
    manifest.write(rows, tmp_path / "manifest.tsv")
    back = manifest.read(tmp_path / "manifest.tsv")
    assert len(back) == 21 and back[0]["duration"] == pytest.approx(0.05)
    assert np.allclose(audio.read(back[0]["path"]), 0.1, atol=1e-4)


def test_timit_missing_root_names_config_key(tmp_path):
    with pytest.raises(InputError, match="corpus.timit_root"):
        timit.scan(tmp_path / "nope")


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
    rows = snips.scan(make_snips(tmp_path))
    assert len(rows) == 4 * 2  # negatives dropped
    assert {r["split"] for r in rows if r["speaker"] == "w3"} == {"val"}
    assert {r["speaker"] for r in rows if r["split"] == "train"} == {"w1", "w2"}


def test_snips_invalid_json(tmp_path):
    make_snips(tmp_path)
    (tmp_path / "dev.json").write_text("[{")
    with pytest.raises(InputError, match="dev.json.*not valid JSON"):
        snips.scan(tmp_path)


def test_snips_missing_key(tmp_path):
    make_snips(tmp_path)
    entries = json.loads((tmp_path / "test.json").read_text())
    del entries[1]["worker_id"]
    (tmp_path / "test.json").write_text(json.dumps(entries))
    with pytest.raises(InputError, match="test.json.*entry 1.*worker_id"):
        snips.scan(tmp_path)


def test_snips_missing_audio(tmp_path):
    make_snips(tmp_path)
    (tmp_path / "audio_files" / "w1u0.wav").unlink()
    with pytest.raises(InputError, match="train.json.*w1u0.wav"):
        snips.scan(tmp_path)


def test_snips_workers_must_be_disjoint(tmp_path):
    make_snips(tmp_path)
    entries = json.loads((tmp_path / "test.json").read_text())
    for e in entries:
        e["worker_id"] = "w1"
    (tmp_path / "test.json").write_text(json.dumps(entries))
    with pytest.raises(InputError, match="disjoint"):
        snips.scan(tmp_path)
