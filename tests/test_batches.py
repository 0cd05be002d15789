"""Speaker batches for GE2E (ge2e.batches): N speakers x M distinct utterances, cropped segments."""

import logging

import numpy as np
import pytest
from feature_sets import feature_set

from ge2e.batches import SpeakerBatches, segment_index
from ge2e.errors import InputError
from ge2e.features import FeatureSet


def test_segment_index_wraps_short_utterances():
    idx = segment_index(np.array([10]), np.array([3]), np.array([0]), 7)
    assert idx.tolist() == [[10, 11, 12, 10, 11, 12, 10]]


def test_batches_have_distinct_utterances_of_one_speaker():
    fs = feature_set([6, 6, 6, 6, 2])
    sampler = SpeakerBatches(fs, n_speakers=2, n_utterances=4)
    assert len(sampler.speakers) == 4  # the speaker with 2 utterances is left out
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
        SpeakerBatches(feature_set([5, 5]), n_speakers=3, n_utterances=2)


def test_speakers_short_of_m_dropped_with_count_or_fatal(caplog):
    feats = [np.zeros((20, 4), np.float32)] * 14
    speakers = ["a"] * 5 + ["b"] * 5 + ["c"] * 2 + ["d"] * 2
    fs = FeatureSet.from_list(feats, speakers, [f"u{i}" for i in range(14)])
    with caplog.at_level(logging.WARNING):
        sampler = SpeakerBatches(fs, n_speakers=2, n_utterances=4)
    assert sampler.speakers == ["a", "b"]
    assert "2 of 4 speakers have fewer than M=4 utterances" in caplog.text
    with pytest.raises(InputError, match="2 speakers with >= 4 utterances, but N=3 are needed"):
        SpeakerBatches(fs, n_speakers=3, n_utterances=4)


def test_batches_from_memory_mapped_shards_equal_those_from_memory(tmp_path):
    fs = feature_set([5, 6, 5, 7, 5, 6], lengths=[30, 45, 60, 25, 80, 50, 40], n_mels=4)
    for k, (a, b) in enumerate([(0, 9), (9, 20), (20, 34)]):
        part = FeatureSet.from_list(fs.split_utterances()[a:b], fs.speakers[a:b], fs.utterances[a:b])
        part.save(tmp_path / f"{k}.npz")
    mapped = FeatureSet.load([tmp_path / f"{k}.npz" for k in range(3)])
    epochs = []
    for source in (fs, mapped):
        rng = np.random.default_rng(7)  # the same draws: training does not change with the storage
        epochs.append([b for _ in range(3) for b in SpeakerBatches(source, 3, 4).epoch(rng, (20, 70))])
    assert len(epochs[0]) == 6 and all(np.array_equal(a, b) for a, b in zip(*epochs, strict=True))
