"""Noise and impulse-response folders in augmentation (ge2e.features.recordings, augment.<task>.noise_roots,
rir_roots)."""

import dataclasses
import logging

import numpy as np
import pytest
import soundfile as sf
from audio_files import read_policy
from integer_corpus import RATE, write_noise, write_rirs
from test_features_augment import aug_params, tone_file

from ge2e import schema
from ge2e.errors import InputError
from ge2e.features import augment, frontend, recordings

POLICY = read_policy(resample=True)  # the folders hold an 8 kHz file each
FEATURES = frontend.FeatureParams(**schema.defaults("features.params"))


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """{"noise": [two category folders], "rirs": folder} of integer-made recordings (tests/integer_corpus.py)."""
    tmp = tmp_path_factory.mktemp("recordings")
    return {"noise": write_noise(tmp / "noise"), "rirs": write_rirs(tmp / "rirs")}


def test_files_are_listed_per_root_sorted_by_their_path_inside_it(folders):
    hiss, hum = folders["noise"]
    listed = recordings.list_files([hum, hiss], "augment.tisv.noise_roots")
    assert listed == [[hum / "hum.wav"], [hiss / "crackle.wav", hiss / "hiss.wav", hiss / "more" / "buzz.flac"]]


@pytest.mark.parametrize("kind", ["missing", "empty"])
def test_a_root_that_is_no_folder_of_audio_names_the_key(tmp_path, folders, kind):
    root = tmp_path / "musan"
    if kind == "empty":
        root.mkdir()
        (root / "notes.txt").write_text("no audio here\n")
    expected = "is not a folder" if kind == "missing" else r"holds no \.wav or \.flac file"
    for check in (recordings.check_roots, recordings.list_files):
        with pytest.raises(InputError, match=rf"^config key augment\.tdsv\.rir_roots: '{root}' {expected}"):
            check([folders["rirs"], root], "augment.tdsv.rir_roots")


def test_draws_are_seeded_and_each_file_is_read_once(folders):
    def draws(seed, cache_mb=recordings.CACHE_MB):
        files = recordings.Recordings(folders["noise"], "k", POLICY, recordings.noise, cache_mb)
        rng = np.random.default_rng(seed)
        drawn = [files.draw(rng) for _ in range(12)]
        return [len(d) for d in drawn], [recordings.segment(d, rng, 20000) for d in drawn], files

    lengths, a, files = draws(5)
    assert all(np.array_equal(x, y) for x, y in zip(a, draws(5)[1], strict=True))
    assert not all(np.array_equal(x, y) for x, y in zip(a, draws(6)[1], strict=True))
    assert files.reads == len(set(lengths)) and len(files) == 4  # 12 draws, each file drawn read once
    _, again, uncached = draws(5, cache_mb=0)  # a cache of one file: more reads, the same draws
    assert uncached.reads > files.reads and all(np.array_equal(x, y) for x, y in zip(a, again, strict=True))
    # Each category as often as the other, whatever their file counts: hum/ holds one file (3 s at 8 kHz).
    assert 3 <= lengths.count(3 * RATE) <= 9 and all(len(x) == 20000 for x in a)


def test_a_short_recording_loops_and_a_long_one_gives_a_stretch():
    rng = np.random.default_rng(3)
    short = np.arange(7.0)
    looped = recordings.segment(short, rng, 20)
    start = int(looped[0])
    assert np.array_equal(looped, np.roll(np.tile(short, 3), -start)[:20])
    long = np.arange(100.0)
    stretch = recordings.segment(long, rng, 30)
    assert np.array_equal(stretch, np.arange(stretch[0], stretch[0] + 30)) and stretch[-1] < 100


def test_impulse_responses_start_at_their_peak_with_unit_energy(folders):
    rirs = folders["rirs"]
    a = recordings.impulse_response(sf.read(rirs / "small" / "a.wav", dtype="float32")[0], "a.wav")
    assert len(a) == RATE // 5 + 1 and a[0] == np.abs(a).max() and np.isclose(np.sum(a * a), 1.0)
    files = recordings.Recordings([rirs], "augment.tdsv.rir_roots", POLICY, recordings.impulse_response)
    by_length = {len(files.draw(np.random.default_rng(seed))): seed for seed in range(40)}
    # a.wav; b.flac's first channel (the second's tail is 30 samples longer); c.wav, 8 kHz resampled to 16 kHz
    # (its peak moves by a sample or two with the resampler's filter).
    a_len, c_len, b_len = sorted(by_length)
    assert (a_len, b_len) == (RATE // 5 + 1, RATE // 2 + 1) and abs(c_len - 2 * (RATE // 8)) < 4
    with pytest.raises(InputError, match="impulse response holds only zeros"):
        recordings.impulse_response(np.zeros(100, np.float32), "silent.wav")


def test_a_bad_file_fails_naming_it_or_gives_way_to_the_next(tmp_path, caplog):
    root = tmp_path / "noise"
    root.mkdir()
    sf.write(root / "a.wav", np.full(800, 0.1, np.float32), RATE)
    (root / "b.wav").write_bytes(b"RIFF not really a wav")
    key = "augment.tisv.noise_roots"
    strict = recordings.Recordings([root], key, read_policy(on_bad_file="fail"), recordings.noise)
    with pytest.raises(InputError, match=rf"{root / 'b.wav'}: unreadable audio"):
        for s in range(20):  # some seed draws b.wav
            strict.draw(np.random.default_rng(s))
    lenient = recordings.Recordings([root], key, read_policy(on_bad_file="skip"), recordings.noise)
    with caplog.at_level(logging.WARNING):
        drawn = [lenient.draw(np.random.default_rng(s)) for s in range(20)]
    assert len(drawn[0]) == 800 and all(np.array_equal(d, drawn[0]) for d in drawn)  # a.wav each time
    assert sum("b.wav" in m for m in caplog.messages) == 1  # tried once, then known bad
    (root / "a.wav").write_bytes(b"RIFF broken too")
    with pytest.raises(InputError, match=rf"^config key {key}: no file under '{root}' could be read"):
        recordings.Recordings([root], key, read_policy(on_bad_file="skip"), recordings.noise).draw(
            np.random.default_rng(0)
        )


def test_without_folders_or_at_share_0_the_copies_are_as_before(tmp_path, folders):
    rows = [
        {"speaker": "w1", "utterance": "u1", "path": tone_file(tmp_path / "u1.wav", 200)},
        {"speaker": "w2", "utterance": "u2", "path": tone_file(tmp_path / "u2.wav", 330)},
    ]
    kinds = dict(noise_copies=2, babble=0.5, reverb_copies=2)
    before = augment.augment_rows(rows, FEATURES, aug_params(**kinds), 9, POLICY)
    roots = dict(noise_roots=tuple(folders["noise"]), rir_roots=(folders["rirs"],))
    unused = augment.augment_rows(rows, FEATURES, aug_params(**kinds, **roots), 9, POLICY)
    for fs in (before, unused):
        assert not any("file" in u for u in fs.utterances)
    assert list(before.utterances) == list(unused.utterances)
    assert np.array_equal(before.features, unused.features)


def test_copies_from_folders_are_seeded_and_mixed_by_the_shares(tmp_path, folders):
    rows = [
        {"speaker": f"w{i}", "utterance": f"u{i}", "path": tone_file(tmp_path / f"u{i}.wav", 150 + 40 * i)}
        for i in range(6)
    ]
    params = aug_params(
        noise_copies=2,
        babble=0.3,
        reverb_copies=2,
        noise_roots=tuple(folders["noise"]),
        noise_roots_share=0.6,
        rir_roots=(folders["rirs"],),
        rir_roots_share=0.6,
    )
    a = augment.augment_rows(rows, FEATURES, params, 4, POLICY)
    b = augment.augment_rows(rows[::-1], FEATURES, params, 4, POLICY)
    kinds = {u.split("+")[1].rstrip("0123456789") for u in a.utterances if "+" in u}
    assert kinds == {"babble", "noise", "noisefile", "reverb", "reverbfile"}  # every source at these shares
    # What a job drew and read before does not change a copy (babble does depend on the shard's speakers).
    order = {u: i for i, u in enumerate(b.utterances)}
    for i, u in enumerate(a.utterances):
        if "babble" not in u:
            assert np.array_equal(a.utterance(i), b.utterance(order[u])), u
    everything = dataclasses.replace(params, babble=0.0, noise_roots_share=1.0, rir_roots_share=1.0)
    c = augment.augment_rows(rows, FEATURES, everything, 4, POLICY)
    assert {u.split("+")[1].rstrip("0123456789") for u in c.utterances if "+" in u} == {"noisefile", "reverbfile"}


def test_the_rule_leaves_the_folder_keys_out_where_no_folder_is_named():
    section = schema.defaults("augment.tdsv")
    assert set(augment.FOLDER_KEYS) <= set(section)
    settings = augment.rule_settings(section)
    assert set(settings) == set(section) - set(augment.FOLDER_KEYS)  # the params of runs before the keys
    params = augment.AugmentParams(**settings)
    assert (params.noise_roots, params.rir_roots) == ((), ())
    named = {**section, "rir_roots": ["data/RIRS_NOISES/simulated_rirs"]}
    assert augment.rule_settings(named) == named
    assert augment.AugmentParams(**named).rir_roots_share == 1.0
