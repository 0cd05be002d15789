"""Extra TI-SV training corpora (ge2e.corpus.extra): every speaker of the training part training under prefixed ids
(the built-in corpus and each reader format), keys named as the user wrote them, and the merge into the main corpus's
manifest refusing a file or speaker in two corpora."""

import pytest
from audio_files import read_policy
from integer_corpus import write_timit
from layouts import write_folder, write_librispeech, write_vctk, write_voxceleb

from ge2e.corpus import extra, extra_config, manifest, speaker_split
from ge2e.errors import InputError

KEY = "corpus.tisv_extra_train"


def _folder(root):
    write_folder(root, speakers=2, per_speaker=2)  # two speakers: a reader's hold-outs would leave none to train
    return {"format": "folder", "root": str(root)}, {"spk00", "spk01"}


def _librispeech(root):
    write_librispeech(root, {"train-clean-100": 2, "test-clean": 1}, chapters=1, per_chapter=2)
    return {"format": "librispeech", "root": str(root), "train_subsets": ["train-clean-100"]}, {"100", "101"}


def _voxceleb(root):
    write_voxceleb(root, ["id20001", "id20002"], videos=1, per_video=2)  # no VoxCeleb1 test speaker among them
    return {"format": "voxceleb", "train_roots": [str(root)]}, {"id20001", "id20002"}


def _vctk(root):
    write_vctk(root, speakers=2, per_speaker=2, mics=("mic1",), rate=16000)
    return {"format": "vctk", "root": str(root)}, {"p225", "p226"}


@pytest.mark.parametrize("layout", [_folder, _librispeech, _voxceleb, _vctk])
def test_every_speaker_of_a_readers_training_part_trains_under_prefixed_ids(tmp_path, layout):
    entry, speakers = layout(tmp_path / "corpus")
    fmt, section = extra_config.section("more", entry, main_builtin=True)
    rows = extra.manifest_rows("more", fmt, section, read_policy())
    assert {r["speaker"] for r in rows} == {f"more/{s}" for s in speakers}
    assert {r["split"] for r in rows} == {"train"} and all(r["utterance"].startswith("more/") for r in rows)
    assert all(r["path"].startswith(f"{tmp_path}/corpus/") and r["duration"] > 0 for r in rows)


def test_the_built_in_corpus_as_an_extra_is_read_where_it_lies_every_speaker_training(tmp_path):
    root = write_timit(tmp_path / "TIMIT", train_speakers=3, test_speakers=2, utterances=2)
    rows = extra.manifest_rows("synth", "builtin", {}, read_policy(), builtin_root=str(root))
    assert len({r["speaker"] for r in rows}) == 5 and len(rows) == 10 and {r["split"] for r in rows} == {"train"}
    assert all(r["speaker"].startswith("synth/") and r["path"].endswith(".WAV") for r in rows)  # SPHERE, unconverted


def test_a_readers_errors_name_the_entrys_keys(tmp_path):
    entry, _ = _librispeech(tmp_path / "LS")
    (tmp_path / "LS" / "SPEAKERS.TXT").unlink()
    fmt, section = extra_config.section("lib", entry, main_builtin=True)
    with pytest.raises(InputError, match=rf"SPEAKERS\.TXT is missing: is {KEY}\.lib\.root the LibriSpeech folder"):
        extra.manifest_rows("lib", fmt, section, read_policy())


def test_merge_appends_training_speakers_and_refuses_a_file_or_speaker_in_two_corpora(tmp_path):
    main = [
        {"speaker": "a", "utterance": "a/1", "path": "/c/a/1.wav", "split": "train", "duration": 1.0},
        {"speaker": "t", "utterance": "t/1", "path": "/c/t/1.wav", "split": "test", "duration": 1.0},
    ]
    more = extra.join("more", [{"speaker": "b", "utterance": "b/1", "path": "/d/b/1.wav", "duration": 2.0}])
    merged = extra.merge(main, {"more": more})
    assert merged[:2] == main and merged[2]["speaker"] == "more/b" and merged[2]["split"] == "train"
    again = extra.join("again", [{"speaker": "t", "utterance": "t/1", "path": "/c/x/../t/1.wav", "duration": 1.0}])
    with pytest.raises(
        InputError, match=r"^/c/x/\.\./t/1\.wav is in both the main TI-SV corpus \(test split\) and extra"
    ):
        extra.merge(main, {"more": more, "again": again})
    twice = extra.join("more", [{"speaker": "b", "utterance": "b/2", "path": "/e/b/2.wav", "duration": 2.0}])
    with pytest.raises(InputError, match=rf"speaker more/b of extra training corpus more2 \({KEY}\.more2\) is a spe"):
        extra.merge(main, {"more": more, "more2": twice})
    manifest.write(more, tmp_path / "more" / "manifest.tsv")
    assert extra.read_manifests([tmp_path / "more" / "manifest.tsv"])["more"][0]["speaker"] == "more/b"


def test_a_split_extra_corpus_trains_its_train_part_validates_its_val_part_and_leaves_its_test_part_out(tmp_path):
    root = write_folder(tmp_path / "so", speakers=10, per_speaker=2)
    entry = {"format": "folder", "root": str(root), "speakers": {"split": {"val": 2, "test": 3}, "seed": 7}}
    fmt, section = extra_config.section("so", entry, main_builtin=True)
    rows = extra.manifest_rows("so", fmt, section, read_policy())
    part_of = speaker_split.split([f"spk{k:02d}" for k in range(10)], val=2, test=3, seed=7)  # the ids as listed
    assert {r["speaker"]: r["split"] for r in rows} == {f"so/{s}": p for s, p in part_of.items() if p != "test"}
    assert len(rows) == 2 * 7 and sorted(part_of.values()).count("train") == 5
    # The val part joins the main corpus's validation speakers in the merged manifest.
    main = [{"speaker": "a", "utterance": "a/1", "path": "/c/a/1.wav", "split": "val", "duration": 1.0}]
    merged = extra.merge(main, {"so": rows})
    assert {r["speaker"] for r in merged if r["split"] == "val"} == {"a"} | {
        f"so/{s}" for s in part_of if part_of[s] == "val"
    }
    # Files added to some speakers move no one: the split is of the speaker ids alone.
    for speaker in ("spk00", "spk05"):
        (root / speaker / "2.wav").write_bytes((root / speaker / "0.wav").read_bytes())
    again = extra.manifest_rows("so", fmt, section, read_policy())
    assert {r["speaker"]: r["split"] for r in again} == {r["speaker"]: r["split"] for r in rows} and len(again) > len(
        rows
    )


def test_counts_beyond_an_extra_corpus_speakers_are_refused_naming_its_key(tmp_path):
    root = write_folder(tmp_path / "so", speakers=3, per_speaker=1)
    entry = {"format": "folder", "root": str(root), "speakers": {"split": {"val": 1, "test": 2}, "seed": 7}}
    fmt, section = extra_config.section("so", entry, main_builtin=True)
    with pytest.raises(InputError, match=rf"config key {KEY}\.so\.speakers\.split: val 1 \+ test 2 speakers of the 3"):
        extra.manifest_rows("so", fmt, section, read_policy())
