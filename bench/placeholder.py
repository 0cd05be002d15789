"""Full-size placeholder corpora: the real layouts and sizes with tiny valid audio.

Used by the dry-run and full-size benchmarks (bench/dryrun.py, bench/fullsize.py), which import it beside
them, and at small sizes by tests, which import it as ``bench.placeholder`` (the repository root is on
pytest's pythonpath). Each file is a 0.1 s tone, so a full TIMIT (630 speakers) writes in seconds.
VoxCeleb1 (153,516 files) and LibriSpeech train-clean-100 (28,539) write the same few encoded tones byte
for byte, in about 10 s.
"""

import io
import json
import string
from pathlib import Path

import numpy as np
import soundfile as sf

from ge2e.audio import files as audio
from ge2e.audio import sphere

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


# Real sizes: VoxCeleb1 (dev + test, as released) and LibriSpeech's train-clean-100 and test-clean.
VOXCELEB1 = {"speakers": 1251, "files": 153516, "first_id": 10001}
LIBRISPEECH = {"train-clean-100": (251, 28539), "test-clean": (40, 2620)}
_VIDEO_CHARS = np.array(list(string.ascii_letters + string.digits + "-_"))


def _encoded(fmt, variants=40):
    """``variants`` distinct 0.1 s tones encoded as ``fmt`` (soundfile's WAV or FLAC), as bytes."""
    out = []
    for k in range(variants):
        buf = io.BytesIO()
        sf.write(buf, _tone(k), RATE, format=fmt, subtype="PCM_16")
        out.append(buf.getvalue())
    return out


def spread(total, parts, rng, minimum=1, sigma=0.5):
    """``parts`` seeded counts (each >= ``minimum``, log-normally spread) that sum to ``total``."""
    if total < parts * minimum:
        raise ValueError(f"{total} items cannot give {parts} parts of at least {minimum}")
    weights = rng.lognormal(0.0, sigma, parts)
    return minimum + rng.multinomial(total - parts * minimum, weights / weights.sum())


def write_voxceleb(root, speakers=None, files=None, first_id=None, seed=0):
    """VoxCeleb1 layout: ``<root>/id<NNNNN>/<video>/<nnnnn>.wav`` (16 kHz wav), as one folder.

    Defaults are VoxCeleb1's dev and test speakers together: ids id10001 to id11251 with 153,516
    files, so VoxCeleb1's 40 test speakers (id10270-id10309) are among them; per speaker at least
    45 files (as released), 1 to about 20 per video (YouTube-like 11-character video ids).
    """
    size = {**VOXCELEB1, **{k: v for k, v in (("speakers", speakers), ("files", files), ("first_id", first_id)) if v}}
    rng = np.random.default_rng(seed)
    encoded = _encoded("WAV")
    minimum = min(45, size["files"] // size["speakers"])
    k = 0
    for s, count in enumerate(spread(size["files"], size["speakers"], rng, minimum)):
        speaker = Path(root) / f"id{size['first_id'] + s:05d}"
        videos = max(1, min(int(count), int(round(count / 6.8))))  # VoxCeleb1: 22,496 videos, 6.8 files each
        for per_video in spread(int(count), videos, rng, 1, sigma=0.8):
            folder = speaker / "".join(rng.choice(_VIDEO_CHARS, 11))
            folder.mkdir(parents=True)
            for n in range(1, int(per_video) + 1):
                (folder / f"{n:05d}.wav").write_bytes(encoded[k % len(encoded)])
                k += 1
    return Path(root)


def write_librispeech(root, subsets=None, seed=0):
    """LibriSpeech layout: ``<root>/<subset>/<speaker>/<chapter>/<speaker>-<chapter>-<nnnn>.flac``, a
    ``.trans.txt`` per chapter and ``SPEAKERS.TXT``.

    ``subsets``: subset name -> (speakers, files); default train-clean-100 (251 speakers, 28,539
    files) and test-clean (40, 2,620), about 2.3 chapters per speaker as released. Speaker and
    chapter ids are distinct seeded integers.
    """
    root = Path(root)
    subsets = subsets or LIBRISPEECH
    rng = np.random.default_rng(seed)
    encoded = _encoded("FLAC")
    total = sum(count for count, _ in subsets.values())
    speaker_ids = iter(sorted(rng.choice(np.arange(14, 9000), total, replace=False)))
    chapter_ids = iter(rng.choice(np.arange(1000, 300000), 4 * total, replace=False))  # at most 4 per speaker
    lines = [
        "; LibriSpeech-like placeholder (bench/placeholder.py)",
        ";ID      |SEX| SUBSET           |MINUTES| NAME",
    ]
    k = 0
    for subset, (count, files) in subsets.items():
        for per_speaker in spread(files, count, rng, min(20, files // count)):
            speaker = str(next(speaker_ids))
            lines.append(f"{speaker:<9}| {'FM'[k % 2]} | {subset:<16} | 25.00 | Reader {speaker}")
            chapters = max(1, min(int(per_speaker), int(rng.integers(1, 5))))
            for per_chapter in spread(int(per_speaker), chapters, rng):
                chapter = str(next(chapter_ids))
                folder = root / subset / speaker / chapter
                folder.mkdir(parents=True)
                trans = []
                for n in range(int(per_chapter)):
                    uid = f"{speaker}-{chapter}-{n:04d}"
                    (folder / f"{uid}.flac").write_bytes(encoded[k % len(encoded)])
                    trans.append(f"{uid} PLACEHOLDER WORDS {n}")
                    k += 1
                (folder / f"{speaker}-{chapter}.trans.txt").write_text("\n".join(trans) + "\n")
    (root / "SPEAKERS.TXT").write_text("\n".join(lines) + "\n")
    return root
