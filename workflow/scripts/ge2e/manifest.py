"""The per-task manifest: one row per utterance, the hand-off from convert to features.

Columns: speaker, utterance, path, split (train | val | test), duration (seconds).
"""

import csv
import io
import logging

import numpy as np

from ge2e.atomic import write_text
from ge2e.errors import InputError

COLUMNS = ["speaker", "utterance", "path", "split", "duration"]
SPLITS = ("train", "val", "test")


def write(rows, path):
    """Atomically write manifest rows (dicts with COLUMNS), sorted by speaker then utterance."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, COLUMNS, delimiter="\t", lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in sorted(rows, key=lambda r: (r["split"], r["speaker"], r["utterance"])):
        writer.writerow({**row, "duration": f"{float(row['duration']):.3f}"})
    write_text(path, buf.getvalue())


def read(path):
    """Read a manifest into a list of dicts (duration as float)."""
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        if reader.fieldnames != COLUMNS:
            raise InputError(f"{path}: manifest columns {reader.fieldnames}, expected {COLUMNS}")
        return [{**row, "duration": float(row["duration"])} for row in reader]


def shard(rows, split, index, count):
    """Rows of ``split`` whose position (in manifest order) is ``index`` modulo ``count``."""
    selected = [r for r in rows if r["split"] == split]
    return selected[index::count]


def hold_out(speakers, fraction, seed):
    """Seeded choice of ``round(fraction * n)`` (at least 1) speakers for validation."""
    speakers = sorted(speakers)
    n_val = max(1, int(round(fraction * len(speakers))))
    order = np.random.default_rng(seed).permutation(len(speakers))
    return {speakers[i] for i in order[:n_val]}


def log_summary(rows):
    """Log speakers and utterances per split."""
    log = logging.getLogger("ge2e")
    for split in SPLITS:
        chosen = [r for r in rows if r["split"] == split]
        log.info("%s: %d speakers, %d utterances", split, len({r["speaker"] for r in chosen}), len(chosen))


def check_capacity(rows, task, train_n, train_m, eval_n, copies=1):
    """Fail early when the corpus cannot fill the configured batches.

    Args:
        rows: manifest rows.
        task: tdsv | tisv, for config key names in the message.
        train_n, train_m: N speakers x M utterances per training batch.
        eval_n: N speakers per evaluation batch.
        copies: utterances per original after augmentation (TD-SV), 1 otherwise.
    """
    counts = {}
    for r in rows:
        key = (r["split"], r["speaker"])
        counts[key] = counts.get(key, 0) + 1
    usable = sum(1 for (split, _), c in counts.items() if split == "train" and c * copies >= train_m)
    if usable < train_n:
        raise InputError(
            f"{task}: train.{task}.n_speakers={train_n} x n_utterances={train_m} needs {train_n} training "
            f"speakers with >= {train_m} utterances{' after augmentation' if copies > 1 else ''}, "
            f"but the corpus has {usable}; lower N or M in the config"
        )
    for split in ("val", "test"):
        speakers = sum(1 for (s, _), c in counts.items() if s == split and c >= 2)
        needed = eval_n if split == "test" else 2
        if speakers < needed:
            raise InputError(
                f"{task}: the {split} split has {speakers} speakers with >= 2 utterances, "
                f"{needed} needed (evaluate.{task}.n_speakers)"
            )
