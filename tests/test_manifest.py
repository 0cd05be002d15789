"""The per-task manifest (ge2e.manifest): the TSV hand-off from convert to features, splits, capacity."""

import pytest

from ge2e import manifest
from ge2e.corpus import placeholder, timit
from ge2e.errors import InputError


def row(speaker, utterance, split="train", duration=1.0):
    return dict(speaker=speaker, utterance=utterance, path=f"/x/{utterance}.wav", split=split, duration=duration)


def test_rows_round_trip_sorted_by_split_then_speaker_then_utterance(tmp_path):
    rows = [row("b", "b_1"), row("a", "a_2", "val", 0.12345), row("a", "a_1", "val"), {**row("c", "c_1"), "part": "x"}]
    manifest.write(rows, tmp_path / "m.tsv")
    back = manifest.read(tmp_path / "m.tsv")
    assert [r["utterance"] for r in back] == ["b_1", "c_1", "a_1", "a_2"]  # train before val, then by name
    assert back[3]["duration"] == 0.123 and set(back[1]) == set(manifest.COLUMNS)  # extra keys are not written


def test_a_file_with_other_columns_is_refused_naming_it(tmp_path):
    path = tmp_path / "old.tsv"
    path.write_text("speaker\tutterance\tpath\n")
    with pytest.raises(InputError, match=r"old\.tsv: manifest columns \['speaker', 'utterance', 'path'\]"):
        manifest.read(path)


def test_shards_of_a_split_are_disjoint_and_cover_it():
    rows = [row("a", f"a_{k}", "train" if k % 3 else "test") for k in range(10)]  # train: 1 2 4 5 7 8
    shards = [manifest.shard(rows, "train", index, 3) for index in range(3)]
    assert [r["utterance"] for r in shards[0]] == ["a_1", "a_5"]  # every third train row, in manifest order
    train = [r["utterance"] for r in rows if r["split"] == "train"]
    assert sorted(r["utterance"] for s in shards for r in s) == sorted(train)


def test_validation_speakers_are_seeded_and_at_least_one():
    speakers = [f"s{k}" for k in range(10)]
    held = manifest.hold_out(speakers, 0.2, seed=4)
    assert len(held) == 2 and held <= set(speakers) and held == manifest.hold_out(reversed(speakers), 0.2, seed=4)
    assert len(manifest.hold_out(speakers, 0.01, seed=4)) == 1


def test_capacity_check_names_config_keys(tmp_path):
    root = placeholder.write_timit(tmp_path / "T", train_speakers=7, test_speakers=3)
    rows = timit.assign_splits(timit.scan(root, "full"), 0.3, 1)  # 5 train, 2 val, 3 test speakers
    manifest.check_capacity(rows, "tisv", train_n=5, train_m=10, eval_n=3)
    with pytest.raises(InputError, match=r"train.tisv.n_speakers=6 x n_utterances=10 needs 6 .* has 5"):
        manifest.check_capacity(rows, "tisv", train_n=6, train_m=10, eval_n=3)
    with pytest.raises(InputError, match=r"needs 2 training speakers with >= 11 utterances"):
        manifest.check_capacity(rows, "tisv", train_n=2, train_m=11, eval_n=3)
    with pytest.raises(
        InputError, match=r"test split of the corpus has 3 speakers .* 4 needed \(evaluate.tisv.n_speakers\)$"
    ):
        manifest.check_capacity(rows, "tisv", train_n=2, train_m=4, eval_n=4)


def test_speaker_counts_per_split():
    rows = [row("a", "a1"), row("a", "a2"), row("b", "b1"), row("c", "c1", "test")]
    assert manifest.speaker_counts(rows) == {"train": [2, 1], "val": [], "test": [1]}


def test_check_sizes_counts_augmented_copies_and_speakers_with_two_utterances():
    sizes = {"train": [3, 3, 2], "val": [2, 2], "test": [4, 4, 1]}
    with pytest.raises(InputError, match=r"has 2 \(3 training speakers, each with at least 2 utterances\)"):
        manifest.check_sizes(sizes, "tdsv", train_n=3, train_m=3, eval_n=2)
    manifest.check_sizes(sizes, "tdsv", train_n=3, train_m=6, eval_n=2, copies=3)  # 2 x 3 copies fill M=6
    with pytest.raises(InputError, match=r">= 7 utterances after augmentation, .* at least 4 utterances after"):
        manifest.check_sizes(sizes, "tdsv", train_n=1, train_m=7, eval_n=2, copies=2)
    with pytest.raises(InputError, match=r"val split of the corpus has 1 speakers with >= 2 utterances, 2 needed"):
        manifest.check_sizes({**sizes, "val": [5, 1]}, "tdsv", train_n=1, train_m=2, eval_n=2)
    with pytest.raises(
        InputError, match=r"test split of the corpus has 2 speakers"
    ):  # the one-utterance one counts not
        manifest.check_sizes(sizes, "tdsv", train_n=1, train_m=2, eval_n=3)


def test_check_sizes_of_a_builtin_corpus_names_its_config_section():
    sizes = {"train": [10] * 4, "val": [10] * 2, "test": [10] * 3}
    with pytest.raises(InputError, match=r"built-in corpus \(builtin.timit\) has 4 .*, or enlarge builtin.timit$"):
        manifest.check_sizes(sizes, "tisv", train_n=5, train_m=4, eval_n=2, builtin="builtin.timit")
    with pytest.raises(InputError, match=r"test split of the built-in corpus \(builtin.timit\) .*; enlarge builtin"):
        manifest.check_sizes(sizes, "tisv", train_n=4, train_m=4, eval_n=4, builtin="builtin.timit")
