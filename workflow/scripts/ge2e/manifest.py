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


def speaker_counts(rows):
    """{split: [utterances of each speaker]} of manifest rows, every split present (possibly empty)."""
    counts = {}
    for r in rows:
        key = (r["split"], r["speaker"])
        counts[key] = counts.get(key, 0) + 1
    return {split: [c for (s, _), c in counts.items() if s == split] for split in SPLITS}


def check_sizes(sizes, task, train_n, train_m, eval_n, copies=1, builtin=None):
    """Fail early when a corpus of these sizes cannot fill the configured batches.

    The one capacity check: the start-up check runs it on a built-in corpus's predicted sizes
    (``ge2e.corpus.builtin.corpus_size``), the convert rules on a manifest (:func:`check_capacity`).

    Args:
        sizes: {split: [utterances of each speaker]}, as :func:`speaker_counts` gives them.
        task: tdsv | tisv, for config key names in the message.
        train_n, train_m: N speakers x M utterances per training batch.
        eval_n: N speakers per evaluation batch.
        copies: utterances per original after augmentation (TD-SV), 1 otherwise.
        builtin: the config section of a built-in corpus (``builtin.timit``), named in the message
            as the one to enlarge; None for a real corpus.
    """
    if builtin:
        corpus, train_fix, eval_fix = (
            f"the built-in corpus ({builtin})",
            f", or enlarge {builtin}",
            f"; enlarge {builtin}",
        )
    else:
        corpus, train_fix, eval_fix = "the corpus", "", ""
    after = " after augmentation" if copies > 1 else ""
    train = sizes.get("train", [])
    usable = sum(1 for c in train if c * copies >= train_m)
    if usable < train_n:
        raise InputError(
            f"{task}: train.{task}.n_speakers={train_n} x n_utterances={train_m} needs {train_n} training "
            f"speakers with >= {train_m} utterances{after}, but {corpus} has {usable} ({len(train)} training "
            f"speakers, each with at least {min(train, default=0) * copies} utterances{after}); lower N or M in "
            f"the config{train_fix}"
        )
    # Validation and test enrol each speaker on some utterances and test on others: two at least.
    eval_needs = (("val", 2, "validation compares speakers"), ("test", eval_n, f"evaluate.{task}.n_speakers"))
    for split, needed, why in eval_needs:
        speakers = sum(1 for c in sizes.get(split, []) if c >= 2)
        if speakers < needed:
            raise InputError(
                f"{task}: the {split} split of {corpus} has {speakers} speakers with >= 2 utterances, "
                f"{needed} needed ({why}){eval_fix}"
            )


def check_capacity(rows, task, train_n, train_m, eval_n, copies=1):
    """:func:`check_sizes` on a manifest's rows (a real corpus, or a built-in one once written)."""
    check_sizes(speaker_counts(rows), task, train_n, train_m, eval_n, copies)
