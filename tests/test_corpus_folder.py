"""A folder of speakers (ge2e.corpus.folder), the layout of external evaluation sets and of a TI-SV corpus."""

import numpy as np
import pytest
import soundfile as sf
from audio_files import STRICT, read_policy, write_stereo
from layouts import write_folder

from ge2e.corpus import folder
from ge2e.errors import InputError
from ge2e.schema import defaults


def test_a_corpus_with_multichannel_files_fails_at_probe_time_naming_the_key(tmp_path):
    root = tmp_path / "set"
    for speaker in ("a", "b"):
        (root / speaker).mkdir(parents=True)
        for k in range(2):
            sf.write(root / speaker / f"{k}.wav", np.full(1600, 0.25, np.float32), 16000)
    stereo = write_stereo(root / "b" / "call.sph", "sphere")
    with pytest.raises(InputError, match=rf"{stereo}: 2 channels; set corpus\.channel .*1 of 5 files"):
        folder.scan(root, STRICT)
    rows = folder.scan(root, read_policy(channel=2))
    assert len(rows) == 5
    with pytest.raises(InputError, match=rf"{stereo}: 2 channels, so there is no channel 3; set corpus\.channel"):
        folder.scan(root, read_policy(channel=3))


def test_each_first_level_folder_is_a_speaker_and_every_audio_file_below_it_an_utterance(tmp_path):
    for rel in ("ann/a.wav", "ann/day2/b.flac", "bob/x.WAV", "bob/notes.txt", ".cache/c.wav"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith(".txt"):
            (tmp_path / rel).write_text("not audio")
        else:
            sf.write(tmp_path / rel, np.zeros(800, np.float32), 16000, format="FLAC" if "flac" in rel else "WAV")
    rows = folder.scan(tmp_path, STRICT, split="test")
    assert [(r["speaker"], r["utterance"]) for r in rows] == [("ann", "ann/a"), ("ann", "ann/day2/b"), ("bob", "bob/x")]
    assert all(r["split"] == "test" and r["duration"] == 0.05 for r in rows)
    folder.check_trials(rows, tmp_path)  # bob's one file enrols on its first half and is tested on its second
    with pytest.raises(InputError, match=r"ann: 1 speaker folder\(s\) with audio files.*evaluate\.external"):
        folder.check_trials(rows[:2], tmp_path / "ann")


def test_a_missing_or_empty_folder_names_the_config_key(tmp_path):
    with pytest.raises(InputError, match=r"nope does not exist or is not a folder \(config key evaluate\.external\)"):
        folder.scan(tmp_path / "nope", STRICT)
    (tmp_path / "empty" / "spk").mkdir(parents=True)
    with pytest.raises(InputError, match=r"^config key x: .*empty holds no <speaker>/\*\*/<audio file> \(a file"):
        folder.scan(tmp_path / "empty", STRICT, key="x")


def test_a_folder_as_a_tisv_corpus_holds_out_test_then_validation_speakers(tmp_path):
    root = write_folder(tmp_path / "set", speakers=10, per_speaker=2)
    fields = {**defaults("corpus.folder"), "root": str(root), "val_fraction": 0.25}  # test_fraction 0.2
    rows = folder.manifest_rows(folder.Spec(**fields), STRICT, seed=9)
    split_of = {r["speaker"]: r["split"] for r in rows}
    assert sorted(split_of.values()) == ["test"] * 2 + ["train"] * 6 + ["val"] * 2  # 0.2 of 10, 0.25 of 8
    assert split_of == {r["speaker"]: r["split"] for r in folder.manifest_rows(folder.Spec(**fields), STRICT, seed=9)}
    (tmp_path / "test.txt").write_text("spk00\nspk01\nspk02\n")
    rows = folder.manifest_rows(folder.Spec(**{**fields, "test_speakers": str(tmp_path / "test.txt")}), STRICT, 9)
    assert {r["speaker"] for r in rows if r["split"] == "test"} == {"spk00", "spk01", "spk02"}
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"config key corpus\.folder\.root: .*empty holds no <speaker>/"):
        folder.manifest_rows(folder.Spec(**{**fields, "root": str(tmp_path / "empty")}), STRICT, 9)


def test_a_speakers_split_holds_out_the_parts_of_the_one_seeded_rule_and_excludes_the_lists(tmp_path):
    from ge2e.corpus import speaker_split

    root = write_folder(tmp_path / "set", speakers=10, per_speaker=2)
    split = {"split": {"val": 2, "test": 3}, "seed": 7}
    spec = folder.Spec(**{**defaults("corpus.folder"), "root": str(root), "speakers": split})
    spec.check()
    rows = folder.manifest_rows(spec, STRICT, seed=9)  # the run's seed plays no part
    got = {r["speaker"]: r["split"] for r in rows}
    assert got == speaker_split.split([f"spk{i:02d}" for i in range(10)], val=2, test=3, seed=7)
    assert sorted(got.values()).count("test") == 3 and sorted(got.values()).count("val") == 2
    (tmp_path / "val.txt").write_text("spk00\n")
    listed = folder.Spec(**{**defaults("corpus.folder"), "root": str(root), "speakers": split, "val_speakers": "v"})
    with pytest.raises(InputError, match=r"^config key corpus.folder.speakers: corpus.folder.val_speakers give the "):
        listed.check()
