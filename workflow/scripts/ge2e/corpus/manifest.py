"""The per-task manifest: one row per utterance, the hand-off from convert to features.

Columns: speaker, utterance, path, split (train | val | test), duration (seconds).
"""

import csv
import io
import logging

import numpy as np

from ge2e.atomic import write_text
from ge2e.errors import InputError
from ge2e.segments import segment_capacity

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


def _per_speaker(rows, values):
    """{split: [sum of ``values`` (one per row) over each speaker's rows]}, every split present (possibly empty)."""
    totals = {}
    for r, v in zip(rows, values, strict=True):
        key = (r["split"], r["speaker"])
        totals[key] = totals.get(key, 0) + int(v)
    return {split: [c for (s, _), c in totals.items() if s == split] for split in SPLITS}


def speaker_counts(rows):
    """{split: [utterances of each speaker]} of manifest rows, every split present (possibly empty)."""
    return _per_speaker(rows, [1] * len(rows))


def segment_counts(rows, segment):
    """{split: [segments each speaker's files can hold]} of manifest rows, every split present.

    A file of d seconds makes at most 1 + d / hop frames, which hold max(1, frames // T) segments of T
    (``ge2e.segments.segment_capacity``). An upper bound: a duration includes the silence that VAD removes
    before training counts the voiced frames exactly (``ge2e.features.batches.SpeakerBatches``), so the check
    refuses only a corpus that cannot fill the batches, and one it passes may still lose speakers there.

    Args:
        segment: (T, hop_ms): the longest training segment, T frames of hop_ms milliseconds.
    """
    frames, hop_ms = segment
    durations = np.array([r["duration"] for r in rows], dtype=np.float64)
    # Durations are written to the millisecond: half a millisecond more keeps the bound an upper one.
    n_frames = 1 + np.floor((durations + 0.0005) * 1000 / hop_ms).astype(np.int64)
    return _per_speaker(rows, segment_capacity(n_frames, frames))


def check_sizes(sizes, task, train_n, train_m, eval_n, copies=1, segment=None, builtin=None):
    """Fail early when a corpus of these sizes cannot fill the configured batches.

    Training needs N speakers whose audio holds M segments each (``ge2e.features.batches``: M distinct
    utterances, or cuts of fewer, longer ones); validation and test need speakers, with one utterance
    or more (one alone enrols on its first half and is tested on its second: ``ge2e.evaluate.protocols``).

    The one capacity check: the start-up check runs it on a built-in corpus's predicted sizes
    (``ge2e.builtin.layouts.corpus_size``), the convert rules on a manifest (:func:`check_capacity`).

    Args:
        sizes: {split: [segments each speaker's audio holds]}, as :func:`segment_counts` gives them. For a
            built-in corpus not made yet (``builtin`` given), {split: [utterances of each speaker]}: how
            long they will be is unknown until they are synthesised, so only its speakers are counted
            here, and its segments by the convert rule once it is made.
        task: tdsv | tisv, for config key names in the message.
        train_n, train_m: N speakers x M segments per training batch.
        eval_n: N speakers per evaluation batch.
        copies: utterances per original after augmentation (TD-SV), 1 otherwise.
        segment: (T, hop_ms) of the segments counted, named in the message.
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
    if builtin and len(train) < train_n:
        raise InputError(
            f"{task}: train.{task}.n_speakers={train_n} needs {train_n} training speakers, but {corpus} has "
            f"{len(train)}; lower N in the config{train_fix}"
        )
    usable = sum(1 for c in train if c * copies >= train_m)
    if not builtin and usable < train_n:
        of = f" of {segment[0]} frames" if segment else ""
        raise InputError(
            f"{task}: train.{task}.n_speakers={train_n} x n_utterances={train_m} needs {train_n} training "
            f"speakers whose audio holds >= {train_m} segments{of}{after} (distinct files, or cuts of long ones), "
            f"but {corpus} has {usable} ({len(train)} training speakers, the least holding "
            f"{min(train, default=0) * copies}{after}); lower N or M in the config"
        )
    # Validation and test enrol each speaker on some of its audio and test on the rest.
    eval_needs = (("val", 2, "validation compares speakers"), ("test", eval_n, f"evaluate.{task}.n_speakers"))
    for split, needed, why in eval_needs:
        speakers = len(sizes.get(split, []))
        if speakers < needed:
            raise InputError(
                f"{task}: the {split} split of {corpus} has {speakers} speakers, {needed} needed ({why}){eval_fix}"
            )


def check_capacity(rows, task, train_n, train_m, eval_n, segment, copies=1):
    """:func:`check_sizes` on a manifest's rows (a real corpus, or a built-in one once written), in
    segments (:func:`segment_counts`)."""
    check_sizes(segment_counts(rows, segment), task, train_n, train_m, eval_n, copies, segment)
