"""Reading a TIMIT tree and converting its SPHERE audio to wav.

Layout: ``<root>/TRAIN|TEST/DR1..DR8/<F|M><initials><digit>/<SA|SX|SI><n>.WAV``; the
folder and file names may be upper or lower case. Whether a file is SPHERE or RIFF is
decided from its magic bytes (``ge2e.audio``), never from its name.
"""

import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ge2e import audio
from ge2e.errors import InputError
from ge2e.manifest import hold_out

PARTS = {"train": "TRAIN", "test": "TEST"}
_DIALECT = re.compile(r"^dr[1-8]$", re.IGNORECASE)
_SPEAKER = re.compile(r"^[fm][a-z]{3}[0-9]$", re.IGNORECASE)
_UTTERANCE = re.compile(r"^(s[axi][0-9]+)\.wav$", re.IGNORECASE)


def _child(folder, name):
    """The child of ``folder`` whose name equals ``name`` ignoring case, or None."""
    for entry in folder.iterdir():
        if entry.name.lower() == name.lower():
            return entry
    return None


def scan(root):
    """List the utterances of a TIMIT tree.

    Returns dicts with speaker (upper case, e.g. FCJF0), utterance (``FCJF0_SA1``),
    path, part (train | test) and dialect (DR1..DR8), sorted by part, speaker, utterance.
    """
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"TIMIT root {root} does not exist or is not a folder (config key corpus.timit_root)")
    rows = []
    for part, name in PARTS.items():
        part_dir = _child(root, name)
        if part_dir is None:
            raise InputError(
                f"TIMIT root {root} has no {name} folder; is corpus.timit_root the folder holding TRAIN and TEST?"
            )
        for dialect in sorted(d for d in part_dir.iterdir() if d.is_dir() and _DIALECT.match(d.name)):
            for spk in sorted(s for s in dialect.iterdir() if s.is_dir() and _SPEAKER.match(s.name)):
                for wav in sorted(spk.iterdir()):
                    match = _UTTERANCE.match(wav.name)
                    if match:
                        speaker = spk.name.upper()
                        rows.append(
                            {
                                "speaker": speaker,
                                "utterance": f"{speaker}_{match.group(1).upper()}",
                                "path": str(wav),
                                "part": part,
                                "dialect": dialect.name.upper(),
                            }
                        )
    if not rows:
        raise InputError(f"TIMIT root {root} holds no <DRn>/<speaker>/<utterance>.WAV files")
    return rows


def assign_splits(rows, val_fraction, seed):
    """TEST speakers -> test; a seeded share of TRAIN speakers -> val; the rest -> train."""
    val = hold_out({r["speaker"] for r in rows if r["part"] == "train"}, val_fraction, seed)
    for r in rows:
        r["split"] = "test" if r["part"] == "test" else ("val" if r["speaker"] in val else "train")
    return rows


def _convert_one(args):
    src, dst, sample_rate = args
    samples = audio.read(src, sample_rate)
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    audio.write_wav(dst, samples, sample_rate)
    return len(samples) / sample_rate


def convert(rows, out_dir, sample_rate=16000, threads=1):
    """Write each row's audio as 16-bit wav under ``out_dir/<part>/<dialect>/<speaker>/``.

    Sets ``path`` to the wav and ``duration`` (s) on each row; returns the rows.
    """
    jobs = []
    for r in rows:
        dst = Path(out_dir) / r["part"] / r["dialect"] / r["speaker"] / f"{r['utterance']}.wav"
        jobs.append((r["path"], str(dst), sample_rate))
    if threads > 1:
        with ProcessPoolExecutor(max_workers=threads) as pool:
            durations = list(pool.map(_convert_one, jobs, chunksize=16))
    else:
        durations = [_convert_one(j) for j in jobs]
    for r, (_, dst, _), duration in zip(rows, jobs, durations, strict=True):
        r["path"], r["duration"] = dst, duration
    return rows
