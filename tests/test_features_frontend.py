"""Log-mel features (ge2e.features): VAD, level normalisation, FeatureSet storage and memory-mapped shards."""

import dataclasses
import itertools
from pathlib import Path

import numpy as np
import pytest
from audio_files import read_policy
from feature_sets import feature_set, random_set

from ge2e import schema
from ge2e.audio import files as audio
from ge2e.errors import InputError
from ge2e.features import frontend as features
from ge2e.features.frontend import FeatureParams, FeatureSet, ShardedFeatureSet

P = FeatureParams(**schema.defaults("features.params"))


def tone(seconds, pad=0.5):
    t = np.arange(int(seconds * 16000)) / 16000
    speech = 0.5 * np.sin(2 * np.pi * 220 * t).astype(np.float32)
    silence = np.zeros(int(pad * 16000), np.float32)
    return np.concatenate([silence, speech, silence])


def test_log_mel_shape_and_vad_trims_silence():
    with_silence = features.from_samples(tone(1.0), P, "x")
    assert with_silence.shape[1] == 40 and with_silence.dtype == np.float32
    # 1 s of speech at a 10 ms hop is ~100 frames; the 1 s of padding is gone.
    assert 95 <= len(with_silence) <= 110


def test_silent_audio_names_the_file():
    with pytest.raises(InputError, match="quiet.wav.*no speech"):
        features.from_samples(np.zeros(16000, np.float32), P, "quiet.wav")


def test_files_are_read_under_the_policy_at_the_features_rate(tmp_path):
    path = tmp_path / "8k.wav"
    audio.write_wav(path, tone(1.0)[::2], 8000)
    with pytest.raises(InputError, match="8k.wav: sample rate 8000 Hz"):
        features.extract(path, P, read_policy())
    assert 95 <= len(features.extract(path, P, read_policy(resample=True))) <= 110
    with pytest.raises(ValueError, match="read policy at 8000 Hz for features at 16000 Hz"):
        features.extract(path, P, read_policy(sample_rate=8000))


def test_feature_set_round_trip(tmp_path):
    fs = feature_set([2, 3])
    fs.save(tmp_path / "a.npz")
    back = FeatureSet.load([tmp_path / "a.npz", tmp_path / "a.npz"])
    assert len(back) == 10 and np.array_equal(back.utterance(3), fs.utterance(3))


@pytest.mark.parametrize("how", ["level", "mean"])
def test_normalised_log_mels_do_not_depend_on_recording_level(how):
    params = dataclasses.replace(P, normalise=how)
    loud, quiet = (features.from_samples(g * tone(1.0), params, "x") for g in (0.9, 0.02))  # 33 dB apart
    assert np.allclose(loud, quiet, atol=1e-3)
    raw = [features.from_samples(g * tone(1.0), dataclasses.replace(P, normalise="none"), "x") for g in (0.9, 0.02)]
    assert np.abs(raw[0] - raw[1]).max() > 5  # without it, the level reaches the encoder


def test_level_normalisation_keeps_the_spectral_shape_and_mean_removes_it():
    x = features.from_samples(tone(1.0), dataclasses.replace(P, normalise="level"), "x")
    assert abs(x.mean()) < 1e-4 and np.ptp(x.mean(axis=0)) > 1  # the long-term spectrum stays
    y = features.from_samples(tone(1.0), dataclasses.replace(P, normalise="mean"), "x")
    assert np.allclose(y.mean(axis=0), 0, atol=1e-4)


def test_unknown_normalisation_is_refused():
    with pytest.raises(ValueError, match="'peak'"):
        features.normalise(np.zeros((3, 2)), "peak")


@pytest.mark.parametrize("how", ["none", "level", "mean"])
def test_native_arithmetic_is_librosas_and_within_1e5_of_portable(how):
    rng = np.random.default_rng(3)
    y = (tone(1.3) + rng.normal(0, 0.01, len(tone(1.3)))).astype(np.float32)
    portable, native = (dataclasses.replace(P, normalise=how, arithmetic=a) for a in ("portable", "native"))
    mel = features.mel_power(y, native)
    assert not np.array_equal(mel, features.mel_power(y, portable))  # a computation of its own ...
    np.testing.assert_allclose(mel, features.mel_power(y, portable), rtol=1e-12)  # ... of the same quantity
    a, b = features.from_samples(y, native, "x"), features.from_samples(y, portable, "x")
    assert a.shape == b.shape and np.abs(a - b).max() <= 1e-5


def test_unknown_arithmetic_is_refused():
    with pytest.raises(ValueError, match="'fast'"):
        dataclasses.replace(P, arithmetic="fast")


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


def test_the_features_rule_writes_shards_frame_by_frame():
    feats = features.from_samples(tone(0.5), P, "x")
    # C order: a segment of consecutive frames is one run of bytes in the file, read in a few pages.
    assert FeatureSet.from_list([feats, feats], ["a", "b"], ["1", "2"]).features.flags.c_contiguous


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
    monkeypatch.setattr(features._Shard, "release", lambda self, *a: released.append(Path(self.path).name))
    assert np.array_equal(back.utterance(7), fs.utterance(7)) and released == ["1.npz"]
    assert np.array_equal(back.segments([0, 8], [0, 0], 20), fs.segments([0, 8], [0, 0], 20))
    assert released == ["1.npz", "0.npz", "1.npz"]
    monkeypatch.setattr(back, "keep_mapped", True)
    assert np.array_equal(back.segments([0, 8], [3, 3], 20), fs.segments([0, 8], [3, 3], 20)) and len(released) == 3


@pytest.mark.parametrize(("block", "order"), [(7, "F"), (60, "C"), (1 << 16, "F")])
def test_stats_and_digest_stream_the_same_bits_however_the_set_is_sharded(tmp_path, monkeypatch, block, order):
    monkeypatch.setattr(features, "SCAN_BLOCK", block)  # 7 and 60 frames: blocks straddle utterances and shards
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
    monkeypatch.setattr(features, "SCAN_BLOCK", 13)
    assert FeatureSet(fs.features, fs.lengths, fs.speakers, fs.utterances).digest() == digest
    changed = FeatureSet(fs.features.copy(), fs.lengths, fs.speakers, fs.utterances)
    changed.features[100, 3] = np.nextafter(changed.features[100, 3], np.float32(np.inf))
    relabelled = FeatureSet(fs.features, fs.lengths, fs.speakers[::-1], fs.utterances)
    assert len({digest, changed.digest(), relabelled.digest()}) == 3


def test_shard_past_4_gib_in_a_zip64_archive(tmp_path):
    fs = feature_set([2, 1])
    with open(tmp_path / "far.npz", "wb") as fh:
        fh.seek(2**32 + 1000)  # a hole: the archive starts past 4 GiB (zip64 offsets), the file stays sparse
        np.savez(fh, features=fs.features, lengths=fs.lengths, speakers=fs.speakers, utterances=fs.utterances)
    back = FeatureSet.load(tmp_path / "far.npz")
    assert back.shards[0].data > 2**32 and np.array_equal(back.in_memory().features, fs.features)
    assert back.digest() == fs.digest()


def test_compressed_shard_is_read_into_memory(tmp_path):
    fs = feature_set([2, 2])
    np.savez_compressed(
        tmp_path / "z.npz", **{k: getattr(fs, k) for k in ("features", "lengths", "speakers", "utterances")}
    )
    back = FeatureSet.load(tmp_path / "z.npz")
    assert back.shards[0].mapped is None and back.digest() == fs.digest()


@pytest.mark.parametrize("order", ["F", "C"])
def test_truncated_corrupt_or_foreign_shard_is_an_input_error_naming_it(tmp_path, order):
    fs = feature_set([3, 3])
    fs.features = np.asarray(fs.features, order=order)
    fs.save(tmp_path / "good.npz")
    data = (tmp_path / "good.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"cut\.npz: not a readable feature shard \(BadZipFile"):
        FeatureSet.load([tmp_path / "good.npz", tmp_path / "cut.npz"])
    np.savez(tmp_path / "other.npz", features=fs.features)
    with pytest.raises(InputError, match=r"other\.npz: not a readable feature shard .*no lengths, speakers"):
        FeatureSet.load(tmp_path / "other.npz")
    with pytest.raises(InputError, match=r"gone\.npz: no such feature shard"):
        FeatureSet.load(tmp_path / "gone.npz")
    # A flipped byte among the frames reads (maps are not checked on every read) until a full pass meets its CRC.
    at = data.index(
        np.asarray(fs.features, order="C")[150].tobytes() if order == "C" else fs.features[150:200, 1].tobytes()
    )
    (tmp_path / "flip.npz").write_bytes(data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :])
    flipped = FeatureSet.load([tmp_path / "good.npz", tmp_path / "flip.npz"])
    for scan in (flipped.digest, flipped.frame_stats):
        with pytest.raises(InputError, match=r"flip\.npz: feature shard is corrupt \(CRC mismatch\)"):
            scan()
