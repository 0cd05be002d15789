"""Speaker batches for GE2E (ge2e.features.batches): N speakers x M distinct utterances, cropped segments; speakers with
fewer than M utterances give M non-overlapping cuts of their voiced frames."""

import logging

import numpy as np
import pytest
from feature_sets import feature_set

from ge2e.errors import InputError
from ge2e.features.batches import SpeakerBatches, random_crops, speaker_subset
from ge2e.features.store import FeatureSet


def test_batches_have_distinct_utterances_of_one_speaker():
    fs = feature_set([6, 6, 6, 6, 2])
    sampler = SpeakerBatches(fs, n_speakers=2, n_utterances=4, frames=30)
    assert len(sampler.speakers) == 4  # the speaker with 2 utterances of 50 frames (2 segments) is left out
    rng = np.random.default_rng(0)
    batches = list(sampler.epoch(rng, (20, 30)))
    assert len(batches) == 2
    for b in batches:
        n, m, t, f = b.shape
        assert (n, m, f) == (2, 4, 3) and 20 <= t <= 30
        ids = b[:, :, 0, 0]  # value = speaker*100 + utterance
        assert all(len(set(row)) == 4 and len({v // 100 for v in row}) == 1 for row in ids.tolist())


def test_too_few_speakers_is_a_clear_error():
    with pytest.raises(InputError, match="2 speakers.*N=3"):
        SpeakerBatches(feature_set([5, 5]), n_speakers=3, n_utterances=2, frames=30)


def test_speakers_short_of_m_segments_dropped_with_count_or_fatal(caplog):
    feats = [np.zeros((20, 4), np.float32)] * 14
    speakers = ["a"] * 5 + ["b"] * 5 + ["c"] * 2 + ["d"] * 2
    fs = FeatureSet.from_list(feats, speakers, [f"u{i}" for i in range(14)])
    with caplog.at_level(logging.WARNING):
        sampler = SpeakerBatches(fs, n_speakers=2, n_utterances=4, frames=11)
    assert sampler.speakers == ["a", "b"]  # c and d: 2 utterances of 20 frames hold 2 segments of 11, not 4
    assert "2 of 4 speakers have fewer than M=4 utterances and too little voiced audio for M segments of 11" in (
        caplog.text
    )
    assert SpeakerBatches(fs, 2, 4, frames=10).speakers == ["a", "b", "c", "d"]  # 2 x 2 segments of 10: cut
    with pytest.raises(InputError, match="2 speakers with >= 4 utterances or voiced audio for 4 segments of 11 "):
        SpeakerBatches(fs, n_speakers=3, n_utterances=4, frames=11)


def test_speaker_subsets_are_fixed_nested_and_keep_the_given_order():
    speakers = [f"spk{i:03d}" for i in range(200)]
    small, large = speaker_subset(speakers, 50), speaker_subset(speakers, 100)
    assert len(small) == 50 and len(large) == 100 and set(small) < set(large)
    assert small == sorted(small)  # the corpus's order, not the digests'
    assert small != speakers[:50]  # not simply the first ids
    # Depends on the ids alone: the same speakers are chosen among a shuffled or larger list.
    assert set(speaker_subset(speakers[::-1], 50)) == set(small)
    assert set(speaker_subset(speakers + ["zzz"], 101)) >= set(large) - {"zzz"}


def test_max_speakers_draws_from_the_subset_only(caplog):
    fs = feature_set([4] * 12)  # speakers s0..s11, 4 utterances each
    with caplog.at_level(logging.INFO):
        sampler = SpeakerBatches(fs, n_speakers=2, n_utterances=4, frames=30, max_speakers=4)
    assert sampler.speakers == speaker_subset(list(SpeakerBatches(fs, 2, 4, 30).speakers), 4)
    assert sampler.batches_per_epoch == 2 and "a fixed subset of 4 of the 12 speakers" in caplog.text
    drawn = {v // 100 for b in sampler.epoch(np.random.default_rng(0), (20, 30)) for v in b[:, :, 0, 0].ravel()}
    assert {f"s{int(v)}" for v in drawn} == set(sampler.speakers)
    with pytest.raises(InputError, match="4 speakers.*N=5"):
        SpeakerBatches(fs, n_speakers=5, n_utterances=4, frames=30, max_speakers=4)


def test_batches_from_memory_mapped_shards_equal_those_from_memory(tmp_path):
    fs = feature_set([5, 6, 5, 7, 5, 6], lengths=[30, 45, 60, 25, 80, 50, 40], n_mels=4)
    for k, (a, b) in enumerate([(0, 9), (9, 20), (20, 34)]):
        part = FeatureSet.from_list(fs.split_utterances()[a:b], fs.speakers[a:b], fs.utterances[a:b])
        part.save(tmp_path / f"{k}.npz")
    mapped = FeatureSet.load([tmp_path / f"{k}.npz" for k in range(3)])
    epochs = []
    for source in (fs, mapped):
        rng = np.random.default_rng(7)  # the same draws: training does not change with the storage
        epochs.append([b for _ in range(3) for b in SpeakerBatches(source, 3, 4, 70).epoch(rng, (20, 70))])
    assert len(epochs[0]) == 6 and all(np.array_equal(a, b) for a, b in zip(*epochs, strict=True))


class PreviousSampler:
    """SpeakerBatches as it was before speakers short of M could be cut: the reference a set without such a
    speaker must still match draw for draw (so the default run's batches, and its table, stay as they were)."""

    def __init__(self, fs, n, m):
        kept = {s: idx for s, idx in fs.by_speaker().items() if len(idx) >= m}
        self.fs, self.n, self.m = fs, n, m
        self.table = np.full((len(kept), max(len(idx) for idx in kept.values())), -1, dtype=np.int64)
        for row, idx in enumerate(kept.values()):
            self.table[row, : len(idx)] = idx

    def epoch(self, rng, frame_range):
        order = rng.permutation(len(self.table))
        for b in range(len(self.table) // self.n):
            frames = int(rng.integers(frame_range[0], frame_range[1] + 1))
            rows = order[b * self.n : (b + 1) * self.n]
            keys = rng.random((len(rows), self.table.shape[1]))
            keys[self.table[rows] < 0] = np.inf
            utts = np.take_along_axis(self.table[rows], np.argsort(keys, axis=1)[:, : self.m], axis=1).ravel()
            starts = random_crops(rng, self.fs.lengths[utts], frames)
            yield self.fs.segments(utts, starts, frames).reshape(len(rows), self.m, frames, -1)


def test_a_set_with_no_speaker_to_cut_draws_exactly_the_batches_it_drew_before():
    fs = feature_set([5, 6, 5, 7, 5, 6, 2], lengths=[30, 45, 60, 25, 80, 50, 40])  # the last: 2 segments, left out
    now, before = np.random.default_rng(3), np.random.default_rng(3)
    sampler = SpeakerBatches(fs, 3, 4, 70)
    assert not sampler.cut.any() and len(sampler.speakers) == 6
    got = [b for _ in range(4) for b in sampler.epoch(now, (20, 70))]
    want = [b for _ in range(4) for b in PreviousSampler(fs, 3, 4).epoch(before, (20, 70))]
    assert len(got) == 8 and all(np.array_equal(a, b) for a, b in zip(got, want, strict=True))
    assert now.bit_generator.state == before.bit_generator.state  # the same draws consumed: what follows is the same


def positional_set(lengths):
    """Speaker s's utterance u of ``lengths[s][u]`` frames; frame t holds (s * 100 + u, t, 0): where it came from."""
    feats, speakers, utterances = [], [], []
    for s, per_speaker in enumerate(lengths):
        for u, n in enumerate(per_speaker):
            f = np.zeros((n, 3), np.float32)
            f[:, 0], f[:, 1] = s * 100 + u, np.arange(n)
            feats.append(f)
            speakers.append(f"s{s}")
            utterances.append(f"s{s}_{u}")
    return FeatureSet.from_list(feats, speakers, utterances)


def rows_of(batches, speaker):
    """(R, M, T, F) every batch row of speaker ``speaker`` (int)."""
    return np.stack([row for b in batches for row in b if row[0, 0, 0] // 100 == speaker])


def test_a_one_utterance_speaker_gives_m_non_overlapping_cuts_earliest_first():
    fs = positional_set([[50] * 4, [50] * 5, [50] * 4, [400]])  # s3: one utterance, 400 // 80 = 5 segments
    sampler = SpeakerBatches(fs, 2, 4, 80)
    assert sampler.speakers == ["s0", "s1", "s2", "s3"] and sampler.cut.tolist() == [False, False, False, True]
    rng = np.random.default_rng(0)
    rows = rows_of([b for _ in range(20) for b in sampler.epoch(rng, (70, 70))], 3)  # (20, M, T, F): T below 80
    assert len(rows) == 20 and np.all(rows[:, :, :, 0] == 300)
    t = rows.shape[2]
    frames = rows[:, :, :, 1].astype(int)  # (R, M, T) the frame each segment frame came from
    assert np.all(np.diff(frames, axis=2) == 1)  # each cut is one stretch of the utterance, never wrapped
    starts = frames[:, :, 0]
    assert np.all(starts[:, 1:] >= starts[:, :-1] + t)  # in order and apart: no two cuts overlap
    assert np.all((starts >= np.arange(4) * 100) & (starts <= np.arange(4) * 100 + 100 - t))  # cut j in part j
    assert len({tuple(s) for s in starts}) > 10  # at seeded, varying offsets


def test_a_cut_speaker_gives_every_utterance_once_before_cutting_one_again():
    fs = positional_set([[40] * 4, [400, 400, 90]])  # s1: 3 utterances, 5 + 5 + 1 segments of 80
    sampler = SpeakerBatches(fs, 2, 4, 80)
    rng = np.random.default_rng(1)
    rows = rows_of([sampler.batch(rng, [0, 1], 80) for _ in range(40)], 1)  # (40, M, T, F)
    utts = rows[:, :, 0, 0].astype(int) - 100  # (40, M)
    assert all(sorted(set(row)) == [0, 1, 2] for row in utts.tolist())  # every utterance, the short one too
    assert {int(np.bincount(row).argmax()) for row in utts} == {0, 1}  # the fourth cut from either long one
    for row, segments in zip(utts, rows, strict=True):  # two cuts of one utterance never overlap
        doubled = np.flatnonzero(row == np.bincount(row).argmax())
        first, second = segments[doubled, 0, 1]
        assert abs(int(second) - int(first)) >= 80


def test_cut_segments_are_seeded():
    fs = positional_set([[40] * 4, [40] * 4, [300], [250, 90]])
    draws = [
        [b for _ in range(3) for b in SpeakerBatches(fs, 2, 4, 60).epoch(np.random.default_rng(seed), (40, 60))]
        for seed in (5, 5, 6)
    ]
    assert all(np.array_equal(a, b) for a, b in zip(draws[0], draws[1], strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(draws[0], draws[2], strict=True))


def test_a_speaker_too_short_for_m_cuts_is_left_out_and_counted(caplog):
    fs = positional_set([[40] * 4, [40] * 4, [320], [150], [70, 70, 70]])  # s2: 4 segments of 80; s3: 1; s4: 3
    with caplog.at_level(logging.WARNING):
        sampler = SpeakerBatches(fs, 2, 4, 80, source="training speakers")
    assert sampler.speakers == ["s0", "s1", "s2"]
    assert "training speakers: 2 of 5 speakers have fewer than M=4 utterances and too little voiced audio" in (
        caplog.text
    )


def test_cut_batches_from_memory_mapped_shards_equal_those_from_memory(tmp_path):
    fs = positional_set([[30] * 4, [45] * 5, [200], [90, 120], [60] * 4])
    for k, (a, b) in enumerate([(0, 6), (6, 12), (12, 16)]):
        part = FeatureSet.from_list(fs.split_utterances()[a:b], fs.speakers[a:b], fs.utterances[a:b])
        part.save(tmp_path / f"{k}.npz")
    mapped = FeatureSet.load([tmp_path / f"{k}.npz" for k in range(3)])
    epochs = [
        [b for _ in range(4) for b in SpeakerBatches(source, 2, 4, 50).epoch(np.random.default_rng(2), (30, 50))]
        for source in (fs, mapped)
    ]
    assert len(epochs[0]) == 8 and all(np.array_equal(a, b) for a, b in zip(*epochs, strict=True))
