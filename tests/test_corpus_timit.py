"""TIMIT (ge2e.corpus.timit): its layouts and spellings, the validation split, conversion to 16 kHz WAV."""

import numpy as np
import pytest
import soundfile as sf
from audio_files import STRICT, read_policy, write_stereo

from bench import placeholder
from ge2e.audio import files as audio
from ge2e.corpus import manifest, timit
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
    rows = timit.scan(make_timit(tmp_path, case), "full")
    assert len(rows) == 7 * 3
    assert {r["speaker"] for r in rows if r["part"] == "test"} == {"MDAB1", "FELC0"}
    assert rows[0]["utterance"].startswith(rows[0]["speaker"] + "_")
    assert {r["dialect"] for r in rows} == {"DR1"}


@pytest.mark.parametrize("case", [str.upper, str.lower])
def test_timit_variants_upper_and_lower_case(tmp_path, case):
    root = placeholder.write_timit(tmp_path / "T", train_speakers=2, test_speakers=1)
    if case is str.lower:  # rename the whole tree to lower case, deepest first
        for p in sorted(root.rglob("*"), key=lambda p: -len(p.parts)):
            p.rename(p.with_name(p.name.lower()))
    rows = timit.scan(root, "full")
    assert len(rows) == 30 and all(r["speaker"].isupper() for r in rows)


def test_timit_core_test_set(tmp_path):
    root = placeholder.write_timit(tmp_path / "T", train_speakers=2, test_speakers=1)
    spk = next((root / "TEST").glob("DR*/*"))
    spk.rename(spk.with_name("MDAB0"))
    other = placeholder.write_timit(tmp_path / "U", train_speakers=0, test_speakers=1, seed=5)
    extra = next((other / "TEST").glob("DR*/*"))
    extra.rename(spk.parent / "MZZZ9")
    core = {r["speaker"] for r in timit.scan(root, "core") if r["part"] == "test"}
    full = {r["speaker"] for r in timit.scan(root, "full") if r["part"] == "test"}
    assert core == {"MDAB0"} and full == {"MDAB0", "MZZZ9"}


def test_timit_validation_split_is_seeded_and_disjoint(tmp_path):
    rows = timit.scan(make_timit(tmp_path), "full")
    a = timit.assign_splits([dict(r) for r in rows], 0.4, seed=3)
    b = timit.assign_splits([dict(r) for r in rows], 0.4, seed=3)
    assert [r["split"] for r in a] == [r["split"] for r in b]
    val = {r["speaker"] for r in a if r["split"] == "val"}
    assert len(val) == 2 and not val & {r["speaker"] for r in a if r["split"] == "train"}
    assert all(r["split"] == "test" for r in a if r["part"] == "test")


def test_timit_convert_writes_wav_and_manifest(tmp_path):
    rows = timit.assign_splits(timit.scan(make_timit(tmp_path / "TIMIT"), "full"), 0.2, seed=1)
    rows = timit.convert(rows, tmp_path / "wav", STRICT)
    manifest.write(rows, tmp_path / "manifest.tsv")
    back = manifest.read(tmp_path / "manifest.tsv")
    assert len(back) == 21 and back[0]["duration"] == pytest.approx(0.05)
    assert np.allclose(audio.read(back[0]["path"], STRICT), 0.1, atol=1e-4)


def test_timit_convert_writes_the_chosen_channel(tmp_path):
    for part, speaker in (("TRAIN", "FCJF0"), ("TEST", "MDAB0")):
        (tmp_path / "TIMIT" / part / "DR1" / speaker).mkdir(parents=True)
        write_stereo(tmp_path / "TIMIT" / part / "DR1" / speaker / "SA1.WAV", "sphere")
    rows = timit.scan(tmp_path / "TIMIT", "full")
    with pytest.raises(InputError, match=r"SA1\.WAV: 2 channels; set corpus\.channel"):
        timit.convert(rows, tmp_path / "wav", STRICT)
    for out in timit.convert(rows, tmp_path / "wav", read_policy(channel=2)):
        assert sf.info(out["path"]).channels == 1
        assert np.allclose(audio.read(out["path"], STRICT), -0.5, atol=1e-4)


def test_timit_missing_root_names_config_key(tmp_path):
    with pytest.raises(InputError, match="corpus.timit_root"):
        timit.scan(tmp_path / "nope", "full")
