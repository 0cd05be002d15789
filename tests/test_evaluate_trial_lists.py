"""Published trial lists (ge2e.evaluate.trial_lists): both forms read, every malformed input named with its file,
line and key."""

import numpy as np
import pytest
import soundfile as sf
from audio_files import STRICT, read_policy

from ge2e.errors import InputError
from ge2e.evaluate import trial_lists

KEY = "evaluate.trials.vox"


def audio_root(tmp_path, names=("id1/a/1.wav", "id1/b/2.wav", "id2/c/1.wav", "id2/c/2.wav", "solo.wav")):
    root = tmp_path / "audio"
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        sf.write(root / name, np.full(800, 0.1, np.float32), 16000)
    return root


def write(path, text):
    path.write_text(text)
    return path


def test_voxceleb_form_each_enrolment_utterance_is_its_own_model(tmp_path):
    root = audio_root(tmp_path)
    listed = write(
        tmp_path / "o.txt", "1 id1/a/1.wav id1/b/2.wav\n\n0 id1/a/1.wav id2/c/1.wav\n0 id2/c/2.wav solo.wav\n"
    )
    got, paths = trial_lists.load(root, listed, "voxceleb", key=KEY)
    assert got.enrol.tolist() == ["id1/a/1.wav", "id1/a/1.wav", "id2/c/2.wav"]
    assert got.test.tolist() == ["id1/b/2.wav", "id2/c/1.wav", "solo.wav"] and got.labels.tolist() == [1, 0, 0]
    assert got.pair_model.tolist() == got.pair_utterance.tolist() == ["id1/a/1.wav", "id2/c/2.wav"]
    assert paths == {u: root / u for u in got.utterances} and len(paths) == 5
    assert got.where["id2/c/1.wav"] == f"{listed}:3"  # blank lines keep the file's line numbers
    assert [trial_lists.speaker_of(paths[u], root) for u in got.utterances] == ["id1", "id1", "id2", "id2", "solo"]


def test_kaldi_form_models_come_from_the_enrolment_map_and_ids_from_utt2path(tmp_path):
    root = audio_root(tmp_path)
    enrol = write(tmp_path / "spk2utt", "m1 u1 u2\nm2 u3\nunused u4\n")
    utt2path = write(tmp_path / "utt2path", f"u1 id1/a/1.wav\nu2 id1/b/2.wav\nu3 id2/c/1.wav\nu4 {root}/solo.wav\n")
    listed = write(tmp_path / "trials", "m1 u3 nontarget\nm2 u3 target\nm2 u4 nontarget\n")
    got, paths = trial_lists.load(root, listed, "kaldi", enrol, utt2path, key=KEY)
    assert got.pair_model.tolist() == ["m1", "m1", "m2"] and got.pair_utterance.tolist() == ["u1", "u2", "u3"]
    assert got.enrol.tolist() == ["m1", "m2", "m2"] and got.labels.tolist() == [0, 1, 0]
    assert paths["u4"] == root / "solo.wav" and paths["u2"] == root / "id1/b/2.wav"  # absolute or under root
    # Without utt2path, ids are paths under the root.
    listed = write(tmp_path / "trials2", "m id2/c/1.wav target\nm solo.wav nontarget\n")
    enrol = write(tmp_path / "spk2utt2", "m id2/c/2.wav\n")
    got, paths = trial_lists.load(root, listed, "kaldi", enrol, key=KEY)
    assert set(paths) == {"id2/c/1.wav", "id2/c/2.wav", "solo.wav"}


@pytest.mark.parametrize(
    ("fmt", "text", "enrol", "message"),
    [
        ("voxceleb", "1 id1/a/1.wav id1/b/2.wav\n1 id1/a/1.wav\n", None,
         r"o\.txt:2: expected '1\|0 <enrol utterance> <test utterance>', got '1 id1/a/1\.wav' "
         r"\(config key evaluate\.trials\.vox\.trials\)"),
        ("voxceleb", "yes id1/a/1.wav id1/b/2.wav\n", None, r"o\.txt:1: expected '1\|0 "),
        ("voxceleb", "1 id1/a/1.wav id1/b/2.wav\n", None, r"needs both target and non-target trials"),
        ("voxceleb", "\n\n", None, r"config key evaluate\.trials\.vox\.trials: .*o\.txt holds no trials"),
        ("voxceleb", "1 a b\n", "m a\n", r"evaluate\.trials\.vox\.enrol: only the kaldi form takes an enrolment map"),
        ("kaldi", "m1 u1 target\n", None, r"evaluate\.trials\.vox\.enrol: the kaldi form needs an enrolment map"),
        ("kaldi", "m1 u3 target\nm1 u2 1\n", "m1 u1\n",
         r"o\.txt:2: expected '<model> <test utterance> target\|nontarget', got 'm1 u2 1'"),
        ("kaldi", "m1 u3 target\nm9 u2 nontarget\n", "m1 u1\n",
         r"o\.txt:2: model 'm9' is not in the enrolment map .*map\.txt \(config key evaluate\.trials\.vox\.trials\)"),
        ("kaldi", "m1 u3 target\n", "m1 u1\n\nm1 u2\n",
         r"map\.txt:3: model 'm1' again \(first on line 1\) \(config key evaluate\.trials\.vox\.enrol\)"),
        ("kaldi", "m1 u3 target\n", "m1\n", r"map\.txt:1: expected '<model> <utterance> \[<utterance> \.\.\.\]'"),
        ("xvector", "1 a b\n", None, r"evaluate\.trials\.vox\.format: 'xvector'"),
    ],
)  # fmt: skip
def test_malformed_lists_are_named_by_file_line_and_config_key(tmp_path, fmt, text, enrol, message):
    listed = write(tmp_path / "o.txt", text)
    enrol = write(tmp_path / "map.txt", enrol) if enrol else None
    with pytest.raises(InputError, match=message):
        trial_lists.read(listed, fmt, enrol, key=KEY)


def test_missing_files_and_utterances_without_audio_are_named(tmp_path):
    root = audio_root(tmp_path)
    with pytest.raises(InputError, match=r"config key evaluate\.trials\.vox\.trials: .*nope\.txt does not exist"):
        trial_lists.read(tmp_path / "nope.txt", key=KEY)
    listed = write(tmp_path / "o.txt", "1 id1/a/1.wav id1/b/9.wav\n0 id1/a/1.wav id2/c/8.wav\n0 id2/c/2.wav solo.wav\n")
    with pytest.raises(InputError, match=r"evaluate\.trials\.vox\.root: .*not a folder"):
        trial_lists.load(tmp_path / "no-root", listed, key=KEY)
    expected = (
        r"config key evaluate\.trials\.vox\.root: 2 of 5 utterances the list names have no file under .*audio: "
        r".*id1/b/9\.wav \(.*o\.txt:1\); .*id2/c/8\.wav \(.*o\.txt:2\)$"
    )
    with pytest.raises(InputError, match=expected):
        trial_lists.load(root, listed, key=KEY)
    enrol = write(tmp_path / "spk2utt", "m u1\n")
    utt2path = write(tmp_path / "utt2path", "u1 id1/a/1.wav\nu2 id1/b/2.wav\n")
    kaldi = write(tmp_path / "trials", "m u2 target\nm u3 nontarget\n")
    with pytest.raises(InputError, match=r"trials:2: utterance 'u3' is not in .*utt2path \(config key .*\.utt2path\)"):
        trial_lists.load(root, kaldi, "kaldi", enrol, utt2path, key=KEY)
    write(utt2path, "u1 id1/a/1.wav\nu2 id1/b/9.wav\nu3 solo.wav\n")
    with pytest.raises(InputError, match=r"key evaluate\.trials\.vox\.utt2path: 1 of 3 .*id1/b/9\.wav \(.*trials:1\)$"):
        trial_lists.load(root, kaldi, "kaldi", enrol, utt2path, key=KEY)
    write(utt2path, "u1 id1/a/1.wav\nu2 sox id1/b/2.wav -t wav - |\n")
    with pytest.raises(InputError, match=r"utt2path:2: expected '<utterance> <path> \(no commands"):
        trial_lists.load(root, kaldi, "kaldi", enrol, utt2path, key=KEY)


def test_manifest_rows_point_at_the_listed_files_and_the_tsvs_round_trip(tmp_path):
    root = audio_root(tmp_path)
    listed = write(tmp_path / "o.txt", "1 id1/a/1.wav id1/b/2.wav\n0 id1/a/1.wav id2/c/1.wav\n0 id2/c/2.wav solo.wav\n")
    got, paths = trial_lists.load(root, listed, key=KEY)
    (root / "id2/c/1.wav").write_bytes(b"RIFF broken")
    with pytest.raises(InputError, match=r"id2/c/1\.wav: unreadable audio"):
        trial_lists.manifest_rows(paths, root, STRICT)
    rows = trial_lists.manifest_rows(paths, root, read_policy(on_bad_file="skip"))
    assert [(r["speaker"], r["utterance"], r["path"]) for r in rows] == [
        ("id1", "id1/a/1.wav", str(root / "id1/a/1.wav")),
        ("id1", "id1/b/2.wav", str(root / "id1/b/2.wav")),
        ("id2", "id2/c/2.wav", str(root / "id2/c/2.wav")),
        ("solo", "solo.wav", str(root / "solo.wav")),
    ]
    assert all(r["split"] == "test" and r["duration"] == 0.05 for r in rows)
    trial_lists.write(got, tmp_path / "t.tsv", tmp_path / "e.tsv")
    back = trial_lists.read_written(tmp_path / "t.tsv", tmp_path / "e.tsv")
    for field in ("pair_model", "pair_utterance", "enrol", "test", "labels"):
        assert getattr(back, field).tolist() == getattr(got, field).tolist(), field
