"""VoxCeleb1 and 2 (ge2e.corpus.voxceleb): id/video/utterance trees of wav and m4a, training roots, test
speakers from a test root, a list or VoxCeleb1's own, validation held out, and the layout problems named."""

import pytest
from audio_files import read_policy
from layouts import write_voxceleb

from ge2e.corpus import voxceleb
from ge2e.errors import InputError
from ge2e.schema import defaults

VOX1_TEST = ["id10270", "id10271"]


def spec(train_roots, **overrides):
    """The schema's defaults for corpus.voxceleb, with ``train_roots`` and ``overrides``."""
    fields = {**defaults("corpus.voxceleb"), "train_roots": [str(r) for r in train_roots], "val_fraction": 0.25}
    return voxceleb.Spec(**{**fields, **overrides})


def test_scan_root_lists_ids_videos_and_both_kinds_of_audio(tmp_path):
    root = write_voxceleb(tmp_path / "vox1", ["id10001", "id10002"], videos=2, per_video=2)
    write_voxceleb(tmp_path / "vox1", ["id10003"], videos=1, per_video=1, kind="m4a")
    (root / "README.txt").write_text("not a speaker")
    (root / "meta").mkdir()
    rows = voxceleb.scan_root(root, "train", "k")
    assert len(rows) == 2 * 2 * 2 + 1 and {r["part"] for r in rows} == {"train"}
    assert rows[0] == {
        "speaker": "id10001", "utterance": "id10001/vid00_0Xy/00001", "path": str(root / "id10001/vid00_0Xy/00001.wav"),
        "part": "train",
    }  # fmt: skip
    assert rows[-1]["path"].endswith("id10003/vid00_0Xy/00001.m4a")
    with pytest.raises(
        InputError, match=r"meta holds no id<digits>/<video>/<nnnnn>\.\{wav,m4a\} files.*\(config key k\)"
    ):
        voxceleb.scan_root(root / "meta", "train", "k")


def test_default_test_speakers_are_voxceleb1s_taken_out_of_the_training_roots(tmp_path):
    root = write_voxceleb(tmp_path / "vox1", ["id10001", "id10002", *sorted(voxceleb.VOX1_TEST)], 1, 1)
    rows = voxceleb.scan([root])
    assert {r["speaker"] for r in rows if r["part"] == "test"} == voxceleb.VOX1_TEST
    assert {r["speaker"] for r in rows if r["part"] == "train"} == {"id10001", "id10002"}


def test_missing_voxceleb1_test_speakers_point_at_test_root(tmp_path):
    root = write_voxceleb(tmp_path / "vox2", ["id00012", "id00015"], 1, 1, kind="m4a")
    with pytest.raises(InputError, match=r"40 of VoxCeleb1's test speakers .* set corpus\.voxceleb\.test_root"):
        voxceleb.scan([root])


def test_a_test_root_a_list_and_two_training_roots(tmp_path):
    vox2 = write_voxceleb(tmp_path / "vox2", ["id00012", "id00015"], 1, 2, kind="m4a")
    vox1 = write_voxceleb(tmp_path / "vox1_dev", ["id10001", "id10002"], 1, 2)
    test = write_voxceleb(tmp_path / "vox1_test", VOX1_TEST, 1, 2)
    rows = voxceleb.scan([vox2, vox1], test)
    assert {(r["speaker"], r["part"]) for r in rows} == {
        ("id00012", "train"), ("id00015", "train"), ("id10001", "train"), ("id10002", "train"),
        ("id10270", "test"), ("id10271", "test"),
    }  # fmt: skip
    assert {r["speaker"] for r in voxceleb.scan([vox2], test, {"id10271"}) if r["part"] == "test"} == {"id10271"}
    with pytest.raises(
        InputError, match=r"corpus\.voxceleb\.test_speakers lists 1 speaker\(s\) not in .*\['id10555'\]"
    ):
        voxceleb.scan([vox2], test, {"id10555"})
    listed = voxceleb.scan([vox2, vox1], "", {"id10002"})
    assert {r["speaker"] for r in listed if r["part"] == "test"} == {"id10002"}
    with pytest.raises(InputError, match=r"1 of the listed test speakers are not under corpus\.voxceleb\.train_roots"):
        voxceleb.scan([vox2], "", {"id10002"})


def test_a_speaker_in_two_places_is_refused_naming_the_keys(tmp_path):
    one = write_voxceleb(tmp_path / "a", ["id10001", "id10002"], 1, 1)
    two = write_voxceleb(tmp_path / "b", ["id10002"], 1, 1)
    with pytest.raises(InputError, match=rf"speaker id10002 is under both {one} and {two} .*train_roots"):
        voxceleb.scan([one, two], "", {"id10001"})
    with pytest.raises(InputError, match=r"1 speaker\(s\) of .*b \(config key corpus\.voxceleb\.test_root\) are also"):
        voxceleb.scan([one], two)
    with pytest.raises(InputError, match=r"corpus\.voxceleb\.train_roots is empty"):
        voxceleb.scan([], two)
    with pytest.raises(
        InputError, match=r"nope does not exist or is not a folder \(config key corpus\.voxceleb\.test_root\)"
    ):
        voxceleb.scan([one], tmp_path / "nope")


def test_manifest_rows_probe_m4a_and_wav_and_hold_out_validation(tmp_path):
    vox2 = write_voxceleb(tmp_path / "vox2", ["id00012", "id00015", "id00017", "id00019"], 1, 2, kind="m4a")
    test = write_voxceleb(tmp_path / "vox1_test", VOX1_TEST, 1, 2)
    rows = voxceleb.manifest_rows(spec([vox2], test_root=str(test)), read_policy(), seed=2, threads=2)
    split_of = {r["speaker"]: r["split"] for r in rows}
    assert sorted(split_of.values()) == ["test"] * 2 + ["train"] * 3 + ["val"]
    durations = {r["path"][-3:]: r["duration"] for r in rows}
    assert durations["wav"] == pytest.approx(0.1) and 0.1 <= durations["m4a"] <= 0.1 + 2 * 1024 / 16000
    listed = tmp_path / "test.txt"
    listed.write_text("id00019\n")
    rows = voxceleb.manifest_rows(spec([vox2], test_speakers=str(listed)), read_policy(), seed=2)
    assert {r["speaker"] for r in rows if r["split"] == "test"} == {"id00019"}


def test_spec_paths_name_every_root_and_list(tmp_path):
    keys = [key for key, _, _ in spec(["a", "b"], test_root="t").paths()]
    assert keys == ["corpus.voxceleb.train_roots"] * 2 + [
        "corpus.voxceleb.test_root", "corpus.voxceleb.test_speakers", "corpus.voxceleb.val_speakers"
    ]  # fmt: skip
    assert spec([]).paths()[0] == ("corpus.voxceleb.train_roots", "", "folder")
    assert spec(["a", "b"]).where() == "a + b (test: VoxCeleb1 test speakers out of them)"
