"""What the readers of corpora read where they lie share (ge2e.corpus.rows): header probing under the read
policy (in processes too), speaker lists, the seeded or listed hold-out, and the start-up path check."""

import logging
from types import SimpleNamespace

import pytest
from audio_files import read_policy, write_stereo
from layouts import write_folder

from ge2e.corpus import folder, rows
from ge2e.errors import InputError


def listed(root):
    return folder.list_files(root, "train", "k")


@pytest.mark.parametrize("threads", [1, 2])
def test_probe_gives_durations_and_skips_bad_files_in_order(tmp_path, threads, caplog):
    root = write_folder(tmp_path / "set", speakers=3, per_speaker=3)
    bad = root / "spk01" / "1.wav"
    bad.write_bytes(b"RIFF garbage")
    with caplog.at_level(logging.WARNING):
        kept = rows.probe(listed(root), read_policy(on_bad_file="skip"), "set", threads=threads)
    assert [r["utterance"] for r in kept] == [r["utterance"] for r in listed(root) if r["path"] != str(bad)]
    assert all(r["duration"] == pytest.approx(0.1) for r in kept)
    assert f"skipped: {bad}: unreadable audio" in caplog.text and "skipped 1 bad file(s)" in caplog.text
    with pytest.raises(InputError, match=rf"{bad}: unreadable audio"):
        rows.probe(listed(root), read_policy(), "set", threads=threads)


def test_probe_applies_the_rate_and_channel_policy_once_for_the_corpus(tmp_path):
    root = write_folder(tmp_path / "set", speakers=2, per_speaker=2)
    stereo = write_stereo(root / "spk00" / "two.flac", "flac")
    with pytest.raises(InputError, match=rf"{stereo}: 2 channels; set corpus\.channel .*1 of 5 files in set"):
        rows.probe(listed(root), read_policy(), "set")
    assert len(rows.probe(listed(root), read_policy(channel=1), "set")) == 5
    with pytest.raises(InputError, match=r"set: 5 of 5 files are not at 8000 Hz.*corpus\.resample: true"):
        rows.probe(listed(root), read_policy(sample_rate=8000, channel=1), "set")


def test_a_bad_files_collector_given_counts_the_readers_own_reports_too(tmp_path, caplog):
    root = write_folder(tmp_path / "set", speakers=2, per_speaker=2)
    policy = read_policy(on_bad_file="skip")
    bad_files = policy.bad_files("convert")
    bad_files.add("list.txt: names x.wav, which is missing")
    with caplog.at_level(logging.WARNING):
        rows.probe(listed(root), policy, "set", bad_files)
    assert "skipped 1 bad file(s)" in caplog.text


def test_speaker_lists_ignore_comments_and_blank_lines(tmp_path):
    path = tmp_path / "val.txt"
    path.write_text("# validation\np225\n\n  p226  # trailing comment\n")
    assert rows.read_speakers(path, "k") == {"p225", "p226"}
    path.write_text("# nobody\n")
    with pytest.raises(InputError, match=r"val\.txt: the speaker list names no speaker \(config key k\)"):
        rows.read_speakers(path, "k")
    with pytest.raises(InputError, match=r"nope\.txt: cannot read the speaker list .*config key k"):
        rows.read_speakers(tmp_path / "nope.txt", "k")


def test_held_out_is_seeded_or_listed_and_never_everyone(tmp_path):
    speakers = {f"s{k}" for k in range(10)}
    drawn_spec = SimpleNamespace(val_fraction=0.3, val_speakers="")
    drawn = rows.held_out(speakers, drawn_spec, "val", "k", seed=5)
    assert len(drawn) == 3 and drawn == rows.held_out(sorted(speakers), drawn_spec, "val", "k", seed=5)
    assert drawn != rows.held_out(speakers, drawn_spec, "val", "k", seed=6)
    assert drawn != rows.held_out(speakers, SimpleNamespace(test_fraction=0.3, test_speakers=""), "test", "k", 5)
    path = tmp_path / "list.txt"
    path.write_text("s1\ns2\n")
    listed = SimpleNamespace(val_fraction=0.3, val_speakers=str(path))
    assert rows.held_out(speakers, listed, "val", "k", seed=5) == {"s1", "s2"}
    path.write_text("s1\nzz\n")
    with pytest.raises(
        InputError, match=r"list\.txt: 1 listed speaker\(s\) are not among the 10 .*\['zz'\]; config key k.val_speakers"
    ):
        rows.held_out(speakers, listed, "val", "k", seed=5)
    with pytest.raises(InputError, match=r"k.val_speakers: holds out all 1 speakers, leaving none to train on"):
        rows.held_out({"s1"}, drawn_spec, "val", "k", seed=5)


def test_spec_paths_name_the_root_and_the_list_files_a_spec_has():
    spec = SimpleNamespace(root="/r", val_speakers="v.txt")
    assert rows.spec_paths(spec, "corpus.x") == [
        ("corpus.x.root", "/r", "folder"),
        ("corpus.x.val_speakers", "v.txt", "file"),
    ]


def test_assign_marks_test_parts_and_speakers_then_validation():
    table = [{"speaker": s, "part": p} for s, p in (("a", "train"), ("b", "train"), ("c", "test"), ("d", "train"))]
    assert [r["split"] for r in rows.assign(table, val={"b"}, test={"d"})] == ["train", "val", "test", "test"]


def test_check_paths_names_the_key(tmp_path):
    (tmp_path / "list.txt").write_text("a\n")
    rows.check_paths(
        [("a.root", str(tmp_path), "folder"), ("a.list", "", "file"), ("a.l2", str(tmp_path / "list.txt"), "file")]
    )
    with pytest.raises(InputError, match=r"config key a\.root is empty: set it to the folder of your copy"):
        rows.check_paths([("a.root", "", "folder")])
    with pytest.raises(
        InputError, match=r"config key a\.list: '.*nope' is not a file; name a list file or leave it empty"
    ):
        rows.check_paths([("a.list", str(tmp_path / "nope"), "file")])
