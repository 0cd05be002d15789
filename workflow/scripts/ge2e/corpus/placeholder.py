"""Full-size placeholder corpora: the real layouts and sizes with tiny valid audio.

Used by the dry-run benchmark (bench/dryrun.py) and, at small sizes, by tests; it lives in
the package so both import it as ``ge2e.corpus.placeholder``. Each file is a 0.1 s tone,
so a full TIMIT (630 speakers) writes in seconds.
"""

import json
import string
from pathlib import Path

import numpy as np

from ge2e import audio, sphere

RATE = 16000


def _tone(k):
    t = np.arange(RATE // 10) / RATE
    return (0.3 * np.sin(2 * np.pi * (150 + 10 * (k % 40)) * t)).astype(np.float32)


def _speaker_names(count, rng):
    letters = np.array(list(string.ascii_uppercase))
    names = set()
    while len(names) < count:
        names.add(str(rng.choice(["F", "M"])) + "".join(rng.choice(letters, 3)) + str(rng.integers(0, 10)))
    return sorted(names)


def write_timit(root, train_speakers=462, test_speakers=168, seed=0):
    """TIMIT layout: TRAIN|TEST/DR1..DR8/<spk>/{SA1,SA2,SX*x5,SI*x3}.WAV (SPHERE) + .TXT."""
    rng = np.random.default_rng(seed)
    names = iter(_speaker_names(train_speakers + test_speakers, rng))
    utterances = ["SA1", "SA2", "SX10", "SX100", "SX190", "SX280", "SX370", "SI500", "SI1130", "SI1760"]
    for part, count in (("TRAIN", train_speakers), ("TEST", test_speakers)):
        for k in range(count):
            spk = next(names)
            folder = Path(root) / part / f"DR{k % 8 + 1}" / spk
            folder.mkdir(parents=True)
            for j, utt in enumerate(utterances):
                samples = audio.to_int16(_tone(k + j))
                sphere.write_timit(folder / f"{utt}.WAV", samples, f"{spk[1:].lower()}_{utt.lower()}")
                (folder / f"{utt}.TXT").write_text(f"0 {len(samples)} placeholder\n")
    return Path(root)


def write_snips(root, workers=None, hotwords=5, negatives=1):
    """Snips layout: audio_files/<id>.wav + train/dev/test.json, workers disjoint."""
    workers = workers or {"train": 800, "dev": 150, "test": 250}
    root = Path(root)
    (root / "audio_files").mkdir(parents=True)
    k = 0
    for split, count in workers.items():
        entries = []
        for w in range(count):
            for h in range(hotwords + negatives):
                uid = f"{split}{w:05d}u{h}"
                audio.write_wav(root / "audio_files" / f"{uid}.wav", _tone(k))
                k += 1
                entries.append(
                    {
                        "id": uid,
                        "worker_id": f"{split}-worker-{w:05d}",
                        "is_hotword": int(h < hotwords),
                        "duration": 0.1,
                        "audio_file_path": f"audio_files/{uid}.wav",
                    }
                )
        (root / f"{split}.json").write_text(json.dumps(entries))
    return root
