"""The feature store (ge2e.features.store): FeatureSet storage, shards read in place bit for bit, pages released
after reads, statistics and digests independent of sharding."""

import itertools
from pathlib import Path

import numpy as np
import pytest
from feature_sets import feature_set, random_set

from ge2e.features import store
from ge2e.features.npz import Shard
from ge2e.features.store import FeatureSet, ShardedFeatureSet


def test_feature_set_round_trip(tmp_path):
    fs = feature_set([2, 3])
    fs.save(tmp_path / "a.npz")
    back = FeatureSet.load([tmp_path / "a.npz", tmp_path / "a.npz"])
    assert len(back) == 10 and np.array_equal(back.utterance(3), fs.utterance(3))


def shards(fs, tmp_path, bounds, order="C"):
    """``fs`` saved as shards of utterances [a, b) for consecutive ``bounds``; their paths. Order C (frame by
    frame) is what the features rule writes; F (feature by feature) what it wrote before its portable
    arithmetic (librosa's transposed arrays), still found in older results."""
    paths = []
    for k, (a, b) in enumerate(itertools.pairwise(bounds)):
        part = FeatureSet.from_list(fs.split_utterances()[a:b], fs.speakers[a:b], fs.utterances[a:b], fs.n_mels)
        part.features = np.asarray(part.features, order=order)
        part.save(tmp_path / f"{k}.npz")
        paths.append(tmp_path / f"{k}.npz")
    return paths


@pytest.mark.parametrize("order", ["F", "C"])
def test_shards_are_read_in_place_and_equal_the_eager_load_bit_for_bit(tmp_path, order):
    fs = random_set(np.random.default_rng(0), speakers=5, per_speaker=3)
    paths = shards(fs, tmp_path, [0, 4, 4, 11, 15], order)  # one shard holds no utterance
    assert np.isfortran(np.load(paths[0])["features"]) == (order == "F")
    back = FeatureSet.load(paths)
    assert isinstance(back, ShardedFeatureSet) and len(back) == 15 and back.shape == fs.features.shape
    assert not back.shards[0].features.flags.owndata and not back.shards[0].features.flags.writeable  # a map
    eager = [np.load(p) for p in paths]
    assert np.array_equal(back.in_memory().features, np.concatenate([z["features"] for z in eager]))
    for name in ("lengths", "speakers", "utterances"):
        assert np.array_equal(getattr(back, name), np.concatenate([z[name] for z in eager]))
    assert all(np.array_equal(a, b) for a, b in zip(back.iter_utterances(), fs.split_utterances(), strict=True))
    assert all(np.array_equal(a, b) for a, b in zip(back.split_utterances(), fs.split_utterances(), strict=True))
    utts, starts = np.array([14, 0, 5, 5, 9]), np.array([0, 3, 59, 10, 1])
    assert np.array_equal(back.segments(utts, starts, 70), fs.segments(utts, starts, 70))  # 70 > 60 frames: wraps


def test_reads_release_the_pages_they_mapped_without_changing_what_is_read(tmp_path, monkeypatch):
    fs = random_set(np.random.default_rng(1), speakers=3, per_speaker=3)
    back = FeatureSet.load(shards(fs, tmp_path, [0, 5, 9]))
    released = []
    monkeypatch.setattr(Shard, "release", lambda self, *a: released.append(Path(self.path).name))
    assert np.array_equal(back.utterance(7), fs.utterance(7)) and released == ["1.npz"]
    assert np.array_equal(back.segments([0, 8], [0, 0], 20), fs.segments([0, 8], [0, 0], 20))
    assert released == ["1.npz", "0.npz", "1.npz"]
    monkeypatch.setattr(back, "keep_mapped", True)
    assert np.array_equal(back.segments([0, 8], [3, 3], 20), fs.segments([0, 8], [3, 3], 20)) and len(released) == 3


@pytest.mark.parametrize(("block", "order"), [(7, "F"), (60, "C"), (1 << 16, "F")])
def test_stats_and_digest_stream_the_same_bits_however_the_set_is_sharded(tmp_path, monkeypatch, block, order):
    monkeypatch.setattr(store, "SCAN_BLOCK", block)  # 7 and 60 frames: blocks straddle utterances and shards
    fs = random_set(np.random.default_rng(2), speakers=4, per_speaker=4)
    sets = [fs, FeatureSet.load(shards(fs, tmp_path, [0, 16], order))]
    (tmp_path / "split").mkdir()
    sets.append(FeatureSet.load(shards(fs, tmp_path / "split", [0, 1, 2, 9, 9, 16], "C")))
    stats = [s.frame_stats() for s in sets] + [sets[-1].frame_stats()]
    assert all(np.array_equal(a, b) for st in stats[1:] for a, b in zip(st, stats[0], strict=True))
    assert stats[0][0].dtype == np.float32 and stats[0][0].shape == (40,)
    assert np.allclose(stats[0][0], fs.features.mean(axis=0), rtol=1e-5, atol=1e-6)
    assert np.allclose(stats[0][1], fs.features.std(axis=0), rtol=1e-5)
    assert len({s.digest() for s in sets}) == 1


def test_digest_does_not_depend_on_the_block_and_changes_with_any_frame_or_label(tmp_path, monkeypatch):
    fs = random_set(np.random.default_rng(3), speakers=2, per_speaker=2)
    digest = fs.digest()
    monkeypatch.setattr(store, "SCAN_BLOCK", 13)
    assert FeatureSet(fs.features, fs.lengths, fs.speakers, fs.utterances).digest() == digest
    changed = FeatureSet(fs.features.copy(), fs.lengths, fs.speakers, fs.utterances)
    changed.features[100, 3] = np.nextafter(changed.features[100, 3], np.float32(np.inf))
    relabelled = FeatureSet(fs.features, fs.lengths, fs.speakers[::-1], fs.utterances)
    assert len({digest, changed.digest(), relabelled.digest()}) == 3
