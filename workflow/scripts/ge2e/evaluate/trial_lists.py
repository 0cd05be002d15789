"""Published trial lists (``evaluate.trials``): read, checked, and turned into a manifest.

Two forms, as published:

- **voxceleb** (VoxCeleb1-O and its kin), one trial a line:
  ``1 id10270/x6uYqmx31kE/00001.wav id10270/8jEAjG6SegY/00008.wav``: label (1 same speaker,
  0 not), enrolment utterance, test utterance. Each enrolment utterance is its own model.
- **kaldi**: ``<model> <test utterance> target|nontarget``, where a model is a line of the
  enrolment map (``<model> <utt1> <utt2> ...``, as Kaldi's ``spk2utt``): its embedding is the
  mean of those utterances' unit-length embeddings.

An utterance id is the path of its audio file relative to the list's root, unless a
``utt2path`` map (``<utterance> <path>`` a line, Kaldi's ``wav.scp`` without commands; paths
relative to the root or absolute) names each file. A trial's speaker, used only to group
trials for the bootstrap interval, is the first folder of its file below the root (the file's
name without suffix when it lies directly in the root, its folder's name when outside it).

Every problem names the config key and the file, with the line for a malformed one, so the
workflow can stop at start-up (``ge2e.plan.checks``) before any job runs.
"""

import csv
import dataclasses
import io
from pathlib import Path

import numpy as np

from ge2e.atomic import write_text
from ge2e.corpus import rows as corpus_rows
from ge2e.errors import InputError

FORMATS = ("voxceleb", "kaldi")
VOXCELEB_LABELS = {"1": 1, "0": 0}
KALDI_LABELS = {"target": 1, "nontarget": 0}
SHOWN = 3  # missing files named in one error


@dataclasses.dataclass(eq=False)
class TrialList:
    """Trials and the enrolment models they name, as string arrays.

    ``pair_model``/``pair_utterance`` (P,) list each model's enrolment utterances in order;
    ``enrol``/``test``/``labels`` (K,) are the trials, in the list's order.
    """

    pair_model: np.ndarray
    pair_utterance: np.ndarray
    enrol: np.ndarray
    test: np.ndarray
    labels: np.ndarray
    where: dict = dataclasses.field(default_factory=dict)  # utterance -> "file:line" that first names it

    def __len__(self):
        return len(self.labels)

    @property
    def utterances(self):
        """Every utterance the list names (enrolment and test), sorted."""
        return sorted(set(self.pair_utterance.tolist()) | set(self.test.tolist()))


def _lines(path, key):
    """(line number, fields) of each non-blank line of a text file; InputError naming it and ``key``."""
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        raise InputError(f"config key {key}: {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"config key {key}: {path} cannot be read as text ({exc})") from None
    for number, line in enumerate(text.splitlines(), 1):
        if line.split():
            yield number, line.split()


def _malformed(path, number, fields, expected, key):
    return InputError(f"{path}:{number}: expected '{expected}', got {' '.join(fields)!r} (config key {key})")


def read_enrol_map(path, key="evaluate.trials.<name>.enrol"):
    """``<model> <utt1> [<utt2> ...]`` lines -> ({model: [utterances]}, {utterance: "file:line"})."""
    models, first, where = {}, {}, {}
    for number, fields in _lines(path, key):
        if len(fields) < 2:
            raise _malformed(path, number, fields, "<model> <utterance> [<utterance> ...]", key)
        model, utterances = fields[0], fields[1:]
        if model in models:
            raise InputError(
                f"{path}:{number}: model {model!r} again (first on line {first[model]}) (config key {key})"
            )
        models[model], first[model] = utterances, number
        for utterance in utterances:
            where.setdefault(utterance, f"{path}:{number}")
    if not models:
        raise InputError(f"config key {key}: {path} lists no enrolment model")
    return models, where


def read_utt2path(path, key="evaluate.trials.<name>.utt2path"):
    """``<utterance> <path>`` lines -> {utterance: path}."""
    paths, first = {}, {}
    for number, fields in _lines(path, key):
        if len(fields) != 2:
            raise _malformed(
                path, number, fields, "<utterance> <path> (no commands or pipes: write the files out)", key
            )
        if fields[0] in paths:
            raise InputError(
                f"{path}:{number}: utterance {fields[0]!r} again (first on line {first[fields[0]]}) (config key {key})"
            )
        paths[fields[0]], first[fields[0]] = fields[1], number
    return paths


def read(trials, fmt="voxceleb", enrol=None, key="evaluate.trials.<name>"):
    """Read a trial list (and, for the kaldi form, its enrolment map) into a TrialList.

    Args:
        trials: the list's file.
        fmt: ``voxceleb`` or ``kaldi`` (see the module's docstring).
        enrol: the kaldi form's enrolment map file; must be None for the voxceleb form.
        key: the config entry, named in every error (``<key>.trials``, ``<key>.enrol``).
    """
    if fmt not in FORMATS:
        raise InputError(f"config key {key}.format: {fmt!r}; use one of {FORMATS}")
    if fmt == "kaldi" and not enrol:
        raise InputError(f"config key {key}.enrol: the kaldi form needs an enrolment map (<model> <utt1> <utt2> ...)")
    if fmt == "voxceleb" and enrol:
        raise InputError(f"config key {key}.enrol: only the kaldi form takes an enrolment map; set it to null")
    models, where = read_enrol_map(enrol, f"{key}.enrol") if enrol else ({}, {})
    labels_of = KALDI_LABELS if fmt == "kaldi" else VOXCELEB_LABELS
    expected = (
        "<model> <test utterance> target|nontarget" if fmt == "kaldi" else "1|0 <enrol utterance> <test utterance>"
    )
    rows = []
    for number, fields in _lines(trials, f"{key}.trials"):
        if len(fields) != 3:
            raise _malformed(trials, number, fields, expected, f"{key}.trials")
        label, model, test = (fields[2], fields[0], fields[1]) if fmt == "kaldi" else fields
        if label not in labels_of:
            raise _malformed(trials, number, fields, expected, f"{key}.trials")
        if fmt == "kaldi" and model not in models:
            raise InputError(
                f"{trials}:{number}: model {model!r} is not in the enrolment map {enrol} (config key {key}.trials)"
            )
        if fmt == "voxceleb":
            models.setdefault(model, [model])
            where.setdefault(model, f"{trials}:{number}")
        where.setdefault(test, f"{trials}:{number}")
        rows.append((model, test, labels_of[label]))
    if not rows:
        raise InputError(f"config key {key}.trials: {trials} holds no trials")
    enrol_ids, test_ids, labels = zip(*rows, strict=True)
    labels = np.array(labels, dtype=np.int8)
    if labels.all() or not labels.any():
        raise InputError(f"config key {key}.trials: {trials} needs both target and non-target trials for an EER")
    used = sorted(set(enrol_ids))  # models the trials name, in a fixed order; unused map lines are ignored
    return TrialList(
        pair_model=np.array([m for m in used for _ in models[m]], dtype=str),
        pair_utterance=np.array([u for m in used for u in models[m]], dtype=str),
        enrol=np.array(enrol_ids, dtype=str),
        test=np.array(test_ids, dtype=str),
        labels=labels,
        where=where,
    )


def audio_paths(trial_list, root, utt2path=None, key="evaluate.trials.<name>"):
    """{utterance: audio path} of every utterance the list names; InputError when one has no file.

    Args:
        root: the folder utterance ids (or utt2path's relative paths) are relative to.
        utt2path: optional ``<utterance> <path>`` map file.
    """
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"config key {key}.root: {root} is not a folder")
    mapped = read_utt2path(utt2path, f"{key}.utt2path") if utt2path else None
    paths = {}
    for utterance in trial_list.utterances:
        if mapped is not None and utterance not in mapped:
            raise InputError(
                f"{trial_list.where[utterance]}: utterance {utterance!r} is not in {utt2path} "
                f"(config key {key}.utt2path)"
            )
        paths[utterance] = root / (mapped[utterance] if mapped is not None else utterance)
    missing = [u for u, p in paths.items() if not p.is_file()]
    if missing:
        shown = "; ".join(f"{paths[u]} ({trial_list.where[u]})" for u in missing[:SHOWN])
        raise InputError(
            f"config key {key}.{'utt2path' if utt2path else 'root'}: {len(missing)} of {len(paths)} utterances the "
            f"list names have no file under {root}: {shown}{' ...' if len(missing) > SHOWN else ''}"
        )
    return paths


def load(root, trials, fmt="voxceleb", enrol=None, utt2path=None, key="evaluate.trials.<name>"):
    """One configured trial list, read and checked: (TrialList, {utterance: audio path}).

    The start-up check of the workflow and the convert rule both call this: malformed lines,
    missing files and utterances without audio are InputErrors naming ``key`` and the file.
    """
    trial_list = read(trials, fmt, enrol, key)
    return trial_list, audio_paths(trial_list, root, utt2path, key)


def speaker_of(path, root):
    """The speaker a file is counted under for the bootstrap: its first folder below ``root``."""
    path, root = Path(path), Path(root)
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return path.parent.name
    return parts[0] if len(parts) > 1 else path.stem


def manifest_rows(paths, root, policy, key="evaluate.trials"):
    """Manifest rows (speaker, utterance, path, split, duration) of the listed utterances, files where they are.

    Headers are probed under ``policy`` (a ``ge2e.audio.files.ReadPolicy``) as for an external folder
    (``ge2e.corpus.rows.probe``): unreadable files are skipped (their trials are then left out when
    scoring) or fatal by its ``on_bad_file``, other rates are resampled later or refused, multi-channel
    files need its ``channel``.
    """
    listed = [
        {"speaker": speaker_of(path, root), "utterance": utterance, "path": str(path), "split": "test"}
        for utterance, path in sorted(paths.items())
    ]
    rows = corpus_rows.probe(listed, policy, str(root))
    if not rows:
        raise InputError(f"config key {key}: no utterance of the list could be read")
    return rows


TRIAL_COLUMNS = ["enrol_model", "test_utterance", "label"]
ENROL_COLUMNS = ["enrol_model", "utterance"]


def _tsv(columns, rows):
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter="\t", lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buf.getvalue()


def write(trial_list, trials_path, enrol_path):
    """The list in one form whatever it was published in: trials and enrolment pairs as TSV."""
    trials = zip(trial_list.enrol, trial_list.test, trial_list.labels.tolist(), strict=True)
    write_text(trials_path, _tsv(TRIAL_COLUMNS, trials))
    write_text(enrol_path, _tsv(ENROL_COLUMNS, zip(trial_list.pair_model, trial_list.pair_utterance, strict=True)))


def _read_tsv(path, columns):
    with open(path, newline="") as fh:
        reader = csv.reader(fh, delimiter="\t")
        if next(reader, None) != columns:
            raise InputError(f"{path}: not a trial-list TSV with columns {columns}")
        return list(reader)


def read_written(trials_path, enrol_path):
    """A TrialList from the TSVs :func:`write` wrote."""
    trials = _read_tsv(trials_path, TRIAL_COLUMNS)
    pairs = _read_tsv(enrol_path, ENROL_COLUMNS)
    return TrialList(
        pair_model=np.array([p[0] for p in pairs], dtype=str),
        pair_utterance=np.array([p[1] for p in pairs], dtype=str),
        enrol=np.array([t[0] for t in trials], dtype=str),
        test=np.array([t[1] for t in trials], dtype=str),
        labels=np.array([int(t[2]) for t in trials], dtype=np.int8),
    )
