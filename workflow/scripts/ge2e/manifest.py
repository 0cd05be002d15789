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
