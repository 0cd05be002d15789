"""Small TIMIT- and Snips-layout corpora made from integer arithmetic alone.

Their bytes are the same on every machine: no speech tool (whose output depends on its Debian
version) and no floating point (whose last bits may depend on the CPU). Each speaker is a pulse
train at their own pitch period through their own integer "vocal tract" filter, with integer
noise, syllable-like level changes and silence around it, so VAD, noise, babble and the
spectral transforms all have something to work on. Used by tests/test_reproducible.py.
"""

import json
from pathlib import Path

import numpy as np
import soundfile as sf

from ge2e.audio import sphere

RATE = 16000


def utterance(speaker, index, seed=0):
    """One utterance of ``speaker`` (int): 0.75-1.2 s of voice between 0.1-0.2 s silences. Returns (S,) int16."""
    rng = np.random.default_rng([seed, speaker, index])  # integers only below
    voice = rng.integers(RATE * 3 // 4, RATE * 6 // 5)
    lead, trail = rng.integers(RATE // 10, RATE // 5, size=2)
    period = 60 + 9 * (speaker % 11) + int(rng.integers(0, 6))  # 100-270 Hz pitch
    pulses = np.zeros(voice, dtype=np.int64)
    pulses[:: int(period)] = 3000
    excitation = pulses + rng.integers(-200, 201, voice)  # breath noise
    taps = np.random.default_rng([seed, speaker]).integers(-40, 100, 12)  # the speaker's "vocal tract"
    voiced = np.convolve(excitation, taps)[:voice]
    syllable = np.arange(voice) % (RATE // 4)  # four level ramps a second
    envelope = np.minimum(syllable, RATE // 4 - syllable) + RATE // 40
    samples = voiced * envelope // (RATE * 3)
    quiet = rng.integers(-3, 4, int(lead + voice + trail))  # silence is never all-zero digital silence
    quiet[lead : lead + voice] += samples
    return np.clip(quiet, -32768, 32767).astype(np.int16)


def write_timit(root, train_speakers=6, test_speakers=3, utterances=5):
    """TIMIT layout, SPHERE audio: ``root/TRAIN|TEST/DRn/<spk>/SXn.WAV`` (+ ``.TXT``)."""
    k = 0
    for part, count in (("TRAIN", train_speakers), ("TEST", test_speakers)):
        for s in range(count):
            spk = f"{'FM'[k % 2]}{'ABCDEFGHIJ'[k % 10]}{'KLMNOPRSTW'[k // 10 % 10]}X{k % 10}"
            folder = Path(root) / part / f"DR{s % 8 + 1}" / spk
            folder.mkdir(parents=True)
            for j in range(utterances):
                samples = utterance(k, j)
                sphere.write_timit(folder / f"SX{10 + j}.WAV", samples, f"{spk[1:].lower()}_sx{10 + j}", RATE)
                (folder / f"SX{10 + j}.TXT").write_text(f"0 {len(samples)} integer speech\n")
            k += 1
    return Path(root)


def write_snips(root, workers=None, hotwords=4, negatives=1):
    """Snips layout, 16-bit wav: ``root/audio_files/<id>.wav`` + ``train|dev|test.json``."""
    workers = workers or {"train": 6, "dev": 2, "test": 3}
    root = Path(root)
    (root / "audio_files").mkdir(parents=True)
    k = 100  # other voices than the TIMIT speakers'
    for split, count in workers.items():
        entries = []
        for w in range(count):
            for h in range(hotwords + negatives):
                uid = f"{split}{w:02d}u{h}"
                samples = utterance(k, h)
                sf.write(root / "audio_files" / f"{uid}.wav", samples, RATE, subtype="PCM_16")
                entries.append(
                    {
                        "id": uid,
                        "worker_id": f"{split}-worker-{w:02d}",
                        "is_hotword": int(h < hotwords),
                        "duration": round(len(samples) / RATE, 3),
                        "audio_file_path": f"audio_files/{uid}.wav",
                    }
                )
            k += 1
        (root / f"{split}.json").write_text(json.dumps(entries, indent=1))
    return root


def write_noise(root):
    """Folders of noise recordings as ``augment.<task>.noise_roots`` reads them, two categories. Returns [folders].

    ``hiss/`` holds a 2 s hiss, a 0.25 s crackle (shorter than every utterance: it loops) and, in a
    subfolder, a flac buzz; ``hum/`` a stereo 8 kHz hum (resampled, first channel read) and a text file
    (not audio: left out).
    """
    rng = np.random.default_rng([7, 1])
    hiss, hum = Path(root) / "hiss", Path(root) / "hum"
    (hiss / "more").mkdir(parents=True)
    hum.mkdir()
    sf.write(hiss / "hiss.wav", rng.integers(-3000, 3001, 2 * RATE).astype(np.int16), RATE, subtype="PCM_16")
    crackle = rng.integers(-300, 301, RATE // 4) * (rng.integers(0, 8, RATE // 4) == 0)
    sf.write(hiss / "crackle.wav", crackle.astype(np.int16), RATE, subtype="PCM_16")
    buzz = (np.arange(RATE) % 160 - 80) * 40 + rng.integers(-100, 101, RATE)  # 100 Hz sawtooth
    sf.write(hiss / "more" / "buzz.flac", buzz.astype(np.int16), RATE, subtype="PCM_16")
    saw = (np.arange(RATE // 2 * 3) % 131 - 65) * 60  # ~61 Hz at 8 kHz
    stereo = np.stack([saw, rng.integers(-2000, 2001, len(saw))], axis=1).astype(np.int16)
    sf.write(hum / "hum.wav", stereo, RATE // 2, subtype="PCM_16")
    (hum / "README.txt").write_text("not audio\n")
    return [hiss, hum]


def impulse_response(rng, length, delay):
    """A room from integers: ``delay`` zeros, a direct path, then noise whose level halves 12 times. Returns int16."""
    tail = rng.integers(-1, 2, length) * (1 << 13 >> (np.arange(length) * 12 // length))
    return np.concatenate([np.zeros(delay, np.int64), [30000], tail]).astype(np.int16)


def write_rirs(root):
    """A folder of room impulse responses as ``augment.<task>.rir_roots`` reads them. Returns the folder.

    ``small/a.wav`` (0.2 s after a 5 ms delay), ``large/b.flac`` (stereo: two microphones, the first
    read) and ``c.wav`` at 8 kHz (resampled).
    """
    rng = np.random.default_rng([7, 2])
    root = Path(root)
    (root / "small").mkdir(parents=True)
    (root / "large").mkdir()
    sf.write(root / "small" / "a.wav", impulse_response(rng, RATE // 5, 80), RATE, subtype="PCM_16")
    mics = np.stack([impulse_response(rng, RATE // 2, 230), impulse_response(rng, RATE // 2 + 30, 200)], axis=1)
    sf.write(root / "large" / "b.flac", mics, RATE, subtype="PCM_16")
    sf.write(root / "c.wav", impulse_response(rng, RATE // 8, 10), RATE // 2, subtype="PCM_16")
    return root
