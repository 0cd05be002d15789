"""The per-task manifest (ge2e.corpus.manifest): the TSV hand-off from convert to features, splits, capacity."""

import pytest

from bench import placeholder
from ge2e.corpus import manifest, timit
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


SEGMENT = (80, 10.0)  # segments of 80 frames of 10 ms


def test_capacity_check_names_config_keys(tmp_path):
    root = placeholder.write_timit(tmp_path / "T", train_speakers=7, test_speakers=3)
    rows = timit.assign_splits(timit.scan(root, "full"), 0.3, 1)  # 5 train, 2 val, 3 test speakers
    rows = [{**r, "duration": 0.1} for r in rows]  # as timit.convert finds them
    manifest.check_capacity(rows, "tisv", train_n=5, train_m=10, eval_n=3, segment=SEGMENT)
    with pytest.raises(InputError, match=r"train.tisv.n_speakers=6 x n_utterances=10 needs 6 .* has 5"):
        manifest.check_capacity(rows, "tisv", train_n=6, train_m=10, eval_n=3, segment=SEGMENT)
    # 10 files of 0.1 s each: 10 segments, not 11.
    with pytest.raises(InputError, match=r"needs 2 training speakers whose audio holds >= 11 segments of 80 frames"):
        manifest.check_capacity(rows, "tisv", train_n=2, train_m=11, eval_n=3, segment=SEGMENT)
    with pytest.raises(
        InputError, match=r"test split of the corpus has 3 speakers, 4 needed \(evaluate.tisv.n_speakers\)$"
    ):
        manifest.check_capacity(rows, "tisv", train_n=2, train_m=4, eval_n=4, segment=SEGMENT)


def test_speaker_counts_per_split():
    rows = [row("a", "a1"), row("a", "a2"), row("b", "b1"), row("c", "c1", "test")]
    assert manifest.speaker_counts(rows) == {"train": [2, 1], "val": [], "test": [1]}


def test_segment_counts_are_an_upper_bound_from_durations():
    rows = [row("a", "a1", duration=3.2), row("a", "a2", duration=0.3), row("b", "b1", duration=3.189)]
    rows += [row("c", "c1", "test", 14.0)]
    # 3.2 s: 321 frames of 10 ms = 4 segments of 80 (VAD may leave fewer); a short file: 1, wrapped.
    assert manifest.segment_counts(rows, SEGMENT) == {"train": [5, 3], "val": [], "test": [17]}
    assert manifest.segment_counts(rows, (160, 10.0))["train"] == [3, 1]


def test_capacity_counts_segments_so_a_speaker_with_one_long_file_can_train_and_test():
    rows = [row(s, f"{s}_1", duration=14.0) for s in "abc"] + [row("d", "d_1"), row("d", "d_2")]
    rows += [row("v", "v_1", "val"), row("w", "w_1", "val"), row("t", "t_1", "test"), row("u", "u_1", "test")]
    manifest.check_capacity(rows, "tisv", train_n=3, train_m=10, eval_n=2, segment=(140, 10.0))  # 14 s: 10
    with pytest.raises(InputError, match=r"has 0 \(4 training speakers, the least holding 2\)"):
        manifest.check_capacity(rows, "tisv", train_n=3, train_m=10, eval_n=2, segment=(160, 10.0))  # 8 each


def test_check_sizes_counts_augmented_copies_and_every_evaluation_speaker():
    sizes = {"train": [3, 3, 2], "val": [2, 2], "test": [4, 4, 1]}
    with pytest.raises(InputError, match=r"has 2 \(3 training speakers, the least holding 2\)"):
        manifest.check_sizes(sizes, "tdsv", train_n=3, train_m=3, eval_n=2)
    manifest.check_sizes(sizes, "tdsv", train_n=3, train_m=6, eval_n=2, copies=3)  # 2 x 3 copies fill M=6
    with pytest.raises(InputError, match=r">= 7 segments after augmentation .* the least holding 4 after"):
        manifest.check_sizes(sizes, "tdsv", train_n=1, train_m=7, eval_n=2, copies=2)
    with pytest.raises(InputError, match=r"val split of the corpus has 1 speakers, 2 needed"):
        manifest.check_sizes({**sizes, "val": [5]}, "tdsv", train_n=1, train_m=2, eval_n=2)
    manifest.check_sizes(sizes, "tdsv", train_n=1, train_m=2, eval_n=3)  # the one-file test speaker counts: halved
    with pytest.raises(InputError, match=r"test split of the corpus has 3 speakers, 4 needed"):
        manifest.check_sizes(sizes, "tdsv", train_n=1, train_m=2, eval_n=4)


def test_check_sizes_of_a_builtin_corpus_counts_its_speakers_and_names_its_config_section():
    sizes = {"train": [10] * 4, "val": [10] * 2, "test": [10] * 3}
    with pytest.raises(InputError, match=r"needs 5 training speakers, but the built-in corpus \(builtin.timit\) has 4"):
        manifest.check_sizes(sizes, "tisv", train_n=5, train_m=4, eval_n=2, builtin="builtin.timit")
    # How many segments its utterances hold is known once they are made: the convert rule checks M.
    manifest.check_sizes(sizes, "tisv", train_n=4, train_m=40, eval_n=3, builtin="builtin.timit")
    with pytest.raises(InputError, match=r"test split of the built-in corpus \(builtin.timit\) .*; enlarge builtin"):
        manifest.check_sizes(sizes, "tisv", train_n=4, train_m=4, eval_n=4, builtin="builtin.timit")
