"""TD-SV augmentation (ge2e.features.augment): seeded, named copies of every kind, and the simulated rooms."""

import numpy as np
from audio_files import STRICT

from ge2e import schema
from ge2e.audio.files import write_wav
from ge2e.corpus import manifest
from ge2e.features import augment, frontend


def aug_params(**kinds):
    off = dict(noise_copies=0, snr_db=(10, 20), babble=0.0, reverb_copies=0, rt60_s=(0.3, 0.6), bandlimit_copies=0)
    return augment.AugmentParams(**{**off, "gain_db": (-20, 0), "stretch_rates": (), "speed_rates": (), **kinds})


def tone_file(path, hz=200, seconds=1.0):
    t = np.arange(int(16000 * seconds)) / 16000
    write_wav(path, np.concatenate([np.zeros(4000), 0.5 * np.sin(2 * np.pi * hz * t), np.zeros(4000)]))
    return str(path)


def test_augmented_copies_are_seeded_and_named(tmp_path):
    rows = [{"speaker": "w1", "utterance": "u1", "path": tone_file(tmp_path / "u1.wav")}]
    params = aug_params(noise_copies=2, stretch_rates=(0.8, 1.25))
    a = augment.augment_rows(rows, frontend.FeatureParams(**schema.defaults("features.params")), params, 1, STRICT)
    b = augment.augment_rows(rows, frontend.FeatureParams(**schema.defaults("features.params")), params, 1, STRICT)
    assert list(a.utterances) == ["u1", "u1+noise0", "u1+noise1", "u1+stretch0.8", "u1+stretch1.25"]
    assert set(a.speakers) == {"w1"} and np.array_equal(a.features, b.features)
    # Time-stretch changes the length by 1/rate (the original is ~1 s = ~100 frames after VAD).
    lengths = dict(zip(a.utterances, a.lengths, strict=True))
    assert lengths["u1+stretch0.8"] > lengths["u1"] > lengths["u1+stretch1.25"]
    assert not np.array_equal(a.utterance(1), a.utterance(0))


def test_every_kind_of_copy_and_speed_perturbed_speakers(tmp_path):
    rows = [
        {"speaker": "w1", "utterance": "u1", "path": tone_file(tmp_path / "u1.wav", 200)},
        {"speaker": "w2", "utterance": "u2", "path": tone_file(tmp_path / "u2.wav", 330, 1.5)},
    ]
    params = aug_params(noise_copies=1, babble=1.0, reverb_copies=1, bandlimit_copies=1, speed_rates=(0.9, 1.1))
    assert params.copies == 4 and params.enabled
    fs = augment.augment_rows(
        rows, frontend.FeatureParams(**{**schema.defaults("features.params"), "normalise": "none"}), params, 3, STRICT
    )
    names = list(fs.utterances[fs.speakers == "w1"])
    assert names == ["u1", "u1+babble0", "u1+reverb0", "u1+phone0"]  # babble: w2 is another speaker
    assert sorted(set(fs.speakers)) == ["w1", "w1_sp0.9", "w1_sp1.1", "w2", "w2_sp0.9", "w2_sp1.1"]
    assert list(fs.utterances[fs.speakers == "w1_sp1.1"])[:2] == ["u1+sp1.1", "u1+sp1.1+babble0"]
    lengths = dict(zip(fs.utterances, fs.lengths, strict=True))
    assert lengths["u1+sp0.9"] > lengths["u1"] > lengths["u1+sp1.1"]  # speed changes duration by 1/rate
    # The telephone copy has lost the energy below 300 Hz: the 200 Hz tone is 20+ dB down in its mel band.
    low_band = int(np.argmax(fs.utterance(0).mean(axis=0)))
    assert fs.utterance(0)[:, low_band].mean() - fs.utterance(3)[:, low_band].mean() > np.log(100)


def test_pseudo_speakers_are_training_speakers_alone_and_leave_the_originals_as_they_were(tmp_path):
    """Speed-perturbed copies (speed_rates) are new speakers made from the training split only, as the augment rule
    reads it; turning them on leaves every other array as it was, so off is a run without them, byte for byte."""
    rows = [
        {"speaker": s, "utterance": f"{s}/u{k}", "path": tone_file(tmp_path / f"{s}{k}.wav", 150 + 40 * i), "split": sp}
        for i, (s, sp) in enumerate([("w1", "train"), ("w2", "train"), ("v1", "val"), ("t1", "test")])
        for k in range(2)
    ]
    training = manifest.shard(rows, "train", 0, 1)  # what the augment rule (workflow/scripts/augment.py) reads
    feature_params = frontend.FeatureParams(**schema.defaults("features.params"))
    off = augment.augment_rows(training, feature_params, aug_params(noise_copies=1, reverb_copies=1), 5, STRICT)
    on = augment.augment_rows(
        training, feature_params, aug_params(noise_copies=1, reverb_copies=1, speed_rates=(0.9, 1.1)), 5, STRICT
    )
    assert sorted(set(on.speakers)) == ["w1", "w1_sp0.9", "w1_sp1.1", "w2", "w2_sp0.9", "w2_sp1.1"]
    assert set(off.speakers) == {"w1", "w2"}  # no validation or test speaker, perturbed or not
    pseudo = [u for u, s in zip(on.utterances, on.speakers, strict=True) if s == "w2_sp1.1"]
    assert pseudo == ["w2/u0+sp1.1", "w2/u0+sp1.1+noise0", "w2/u0+sp1.1+reverb0"] + [
        "w2/u1+sp1.1",
        "w2/u1+sp1.1+noise0",
        "w2/u1+sp1.1+reverb0",
    ]
    index = {u: i for i, u in enumerate(on.utterances)}
    for i, utterance in enumerate(off.utterances):
        assert on.utterance(index[utterance]).tobytes() == off.utterance(i).tobytes()


def test_speed_moves_pitch_and_tempo_together_as_sox_speed_does():
    t = np.arange(16000) / 16000
    wave = np.sin(2 * np.pi * 200 * t).astype(np.float32)
    for rate in (0.9, 1.1):
        fast = augment.speed(wave, rate, 16000)
        assert abs(len(fast) - 16000 / rate) <= 1  # duration / rate
        spectrum = np.abs(np.fft.rfft(fast * np.hanning(len(fast))))
        peak_hz = np.argmax(spectrum) * 16000 / len(fast)
        assert abs(peak_hz - 200 * rate) < 2  # pitch x rate


def test_room_impulse_response_decays_by_rt60():
    rng = np.random.default_rng(0)
    rir = augment.room_impulse_response(rng, 0.5, 16000)
    assert len(rir) == 8000 and np.isclose(np.sum(rir**2), 1.0) and rir[0] == rir.max()
    early, late = np.sum(rir[1:1600] ** 2), np.sum(rir[6400:] ** 2)
    assert late < early / 100  # the tail has died away
    assert 10 ** (-3 / 10) * 0.99 < rir[0] ** 2 / np.sum(rir[1:] ** 2) < 10 ** (12 / 10) * 1.01  # DRR in range
    wave = np.random.default_rng(1).standard_normal(16000).astype(np.float32)
    wet = augment.reverberate(wave, rir)
    assert wet.shape == wave.shape and np.isclose(np.sqrt(np.mean(wet**2)), np.sqrt(np.mean(wave**2)), rtol=1e-3)
