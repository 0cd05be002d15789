"""Reading a keyword corpus in the Speech Commands layout: ``<root>/<keyword>/<speaker>_<...>.wav``.

The layout of Google's Speech Commands v1/v2 (``<word>/<speaker>_nohash_<n>.wav``, with
``validation_list.txt`` and ``testing_list.txt`` in the root, each line a path relative to the
root) and of its kin such as the Arabic Speech Commands set
(``dataset/<word>/<8-digit speaker>_<tag>_<nn>.wav``, with ``train.csv``, ``val.csv`` and
``test.csv`` beside ``dataset/``, each a ``file,class`` table whose paths are relative to the
CSV's folder). ``root`` is always the folder holding the keyword folders: Google's unpacked
archive, the Arabic set's ``dataset/``.

Only the files of one keyword (a folder name) are read: they are the TD-SV utterances, as the
"hey snips" positives are for Snips. The speaker is the first group of ``speaker_pattern`` searched
in the file name. The split comes, in this order of precedence, from Google's two list files when
the root holds them, else from the CSV files the config names, else from ``speakers`` (stated counts
and a seed, ``ge2e.corpus.speaker_split``: one split of the speakers of every keyword folder under the
root, so a speaker is in the same part whichever keyword a run reads), else from seeded speaker
fractions of the keyword's own speakers; a speaker in two splits is an error naming it. Rows point at
the original files: nothing is copied.
"""

import csv
import dataclasses
import logging
import os
import re
from pathlib import Path

from ge2e.audio.files import SUFFIXES as AUDIO_SUFFIXES
from ge2e.corpus import manifest, speaker_split
from ge2e.corpus import rows as corpus_rows
from ge2e.errors import InputError
from ge2e.seeds import derive

KEY = "corpus.speech_commands"
NAME = "Speech Commands"
GOOGLE_LISTS = {"val": "validation_list.txt", "test": "testing_list.txt"}  # split -> list file in the root
CSV_SPLITS = ("train", "val", "test")
SOURCES = ("lists", "csv", "speakers", "fractions")
log = logging.getLogger("ge2e")


@dataclasses.dataclass(frozen=True)
class Spec:
    """A Speech Commands layout as the TD-SV corpus (config section ``corpus.speech_commands``)."""

    root: str  # the folder holding the keyword folders (and Google's list files)
    keyword: str  # the keyword folder whose files are the TD-SV utterances
    speaker_pattern: str  # regex searched in a file name; its first group is the speaker
    csv: dict  # {train, val, test}: CSV files of the split (empty: not used; train empty: the rest train)
    val_fraction: float  # without list files, CSVs or speakers: share of the keyword's speakers held out for validation
    test_fraction: float  # ... and for testing, seeded
    # Without list files or CSVs: {split: {val, test}, seed}, counts of every keyword's speakers. Unlike the fields
    # above it has a default, a split of no one: where it splits no one the convert rule's params leave it out
    # (``ge2e.corpus.formats.reader_section``), so they are those of runs made before it existed.
    speakers: dict | None = None

    def paths(self):
        """(config key, path, kind) of what must exist before any job runs."""
        return [(f"{KEY}.root", self.root, "folder"), *((f"{KEY}.csv.{s}", self.csv[s], "file") for s in CSV_SPLITS)]

    def speaker_regex(self):
        """``speaker_pattern`` compiled; InputError naming the key when it is no regex or has no group."""
        try:
            regex = re.compile(self.speaker_pattern)
        except re.error as exc:
            raise InputError(
                f"config key {KEY}.speaker_pattern: {self.speaker_pattern!r} is no regex ({exc})"
            ) from None
        if regex.groups < 1:
            raise InputError(
                f"config key {KEY}.speaker_pattern: {self.speaker_pattern!r} has no group; its first group is the "
                r"speaker, e.g. '^([^_]+)_'"
            )
        return regex

    def speaker_split(self):
        """The ``speakers`` split (``ge2e.corpus.speaker_split.SpeakerSplit``), or None where its counts are 0."""
        return speaker_split.SpeakerSplit.of(self.speakers)

    def source(self):
        """Where the split comes from: ``lists`` (Google's list files in the root), ``csv``, ``speakers`` or
        ``fractions``."""
        if any((Path(self.root) / name).is_file() for name in GOOGLE_LISTS.values()):
            return "lists"
        if any(self.csv.values()):
            return "csv"
        return "speakers" if self.speaker_split() else "fractions"

    def check(self):
        """The start-up check beyond ``paths()``: the keyword folder, the pattern, and a split that is whole."""
        self.speaker_regex()
        if not self.keyword or "/" in self.keyword:
            raise InputError(f"config key {KEY}.keyword is {self.keyword!r}: name one keyword folder under {self.root}")
        if not (Path(self.root) / self.keyword).is_dir():
            folders = sorted(p.name for p in Path(self.root).iterdir() if p.is_dir() and not p.name.startswith("."))
            raise InputError(
                f"config key {KEY}.keyword: {self.root} has no folder {self.keyword!r} (its folders: "
                f"{', '.join(folders[:8]) or 'none'}{', ...' if len(folders) > 8 else ''}); is {KEY}.root the "
                "folder holding the keyword folders?"
            )
        source = self.source()
        if source == "lists":
            missing = [name for name in GOOGLE_LISTS.values() if not (Path(self.root) / name).is_file()]
            if missing:
                raise InputError(f"{Path(self.root) / missing[0]} is missing: Google's split needs both list files")
            if any(self.csv.values()):
                raise InputError(
                    f"config key {KEY}.csv: {self.root} holds Google's {' and '.join(GOOGLE_LISTS.values())}, which "
                    "give the split; leave csv empty"
                )
        if source in ("lists", "csv") and self.speaker_split():
            given = f"{self.root}'s list files" if source == "lists" else f"{KEY}.csv"
            raise InputError(f"config key {KEY}.speakers: {given} give the split already; remove {KEY}.speakers")
        if source == "csv":
            for split in ("val", "test"):
                if not self.csv[split]:
                    raise InputError(
                        f"config key {KEY}.csv.{split} is empty: name the {split} CSV too (or no CSV at all, for "
                        "seeded speaker fractions)"
                    )

    def where(self):
        split = {
            "lists": " + ".join(GOOGLE_LISTS.values()),
            "csv": " + ".join(Path(self.csv[s]).name for s in CSV_SPLITS if self.csv[s]),
            "speakers": f"{self.speaker_split().describe()} of every keyword's" if self.speaker_split() else "",
            "fractions": f"val {self.val_fraction}, test {self.test_fraction} of the speakers",
        }[self.source()]
        return f"{self.root} (keyword {self.keyword!r}; split: {split})"


def list_files(spec):
    """Rows (speaker, utterance ``<keyword>/<file stem>``, path) of the keyword folder's audio files, not yet
    probed. A file whose name the speaker pattern does not match is an error naming it and the key."""
    regex = spec.speaker_regex()
    folder = Path(spec.root) / spec.keyword
    rows = []
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES):
        match = regex.search(path.name)
        if not match or not match.group(1):
            raise InputError(
                f"{path}: config key {KEY}.speaker_pattern {spec.speaker_pattern!r} finds no speaker in its name; "
                "fix the pattern (its first group is the speaker) or remove the file"
            )
        rows.append({"speaker": match.group(1), "utterance": f"{spec.keyword}/{path.stem}", "path": str(path)})
    if not rows:
        raise InputError(
            f"{folder} holds no {{{','.join(AUDIO_SUFFIXES)}}} files (config keys {KEY}.root and {KEY}.keyword)"
        )
    return rows


def keyword_speakers(spec):
    """The speakers of every keyword folder under the root (folders named ``_...`` or ``.`` left out, as Google's
    ``_background_noise_``); a file whose name the speaker pattern finds no speaker in is no one's."""
    regex = spec.speaker_regex()
    speakers = set()
    for folder in sorted(p for p in Path(spec.root).iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_file() and Path(entry.name).suffix.lower() in AUDIO_SUFFIXES:
                    match = regex.search(entry.name)
                    if match and match.group(1):
                        speakers.add(match.group(1))
    return speakers


def _speakers(rows, spec):
    """{speaker: split} of the keyword's speakers: their parts of the ``speakers`` split of every keyword's speakers."""
    split = spec.speaker_split()
    part_of = split.parts(keyword_speakers(spec), f"{KEY}.speakers")
    speaker_split.log_parts(f"{NAME} at {spec.root}, every keyword's speakers ({split.describe()})", part_of)
    return {s: part_of[s] for s in corpus_rows.speakers_of(rows)}


def _google_lists(spec, bad_files):
    """{keyword file's path relative to the root: split} of Google's list files, and the split's source name.
    Listed files of the keyword that are not on disk go to ``bad_files``."""
    root, prefix = Path(spec.root), f"{spec.keyword}/"
    listed = {}
    for split, name in GOOGLE_LISTS.items():
        for line in (root / name).read_text(encoding="utf-8", errors="replace").splitlines():
            rel = line.strip()
            if rel.startswith(prefix):
                listed[rel] = (split, f"in {root / name}")
                if not (root / rel).is_file():
                    bad_files.add(f"{root / name}: lists {rel}, whose audio {root / rel} is missing")
    return listed


def _read_csv(path):
    """The ``file`` column of one split CSV, as written."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "file" not in reader.fieldnames:
                raise InputError(
                    f"{path}: no 'file' column in the header {reader.fieldnames}; expected 'file,class' with paths "
                    "relative to the CSV's folder"
                )
            return [row["file"].strip() for row in reader if row["file"] and row["file"].strip()]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: cannot read the split CSV ({exc})") from None


def _csv_lists(spec, bad_files):
    """{real path of a keyword file: (split, CSV)} of the named CSVs (paths in them relative to the CSV's
    folder); files of other keywords are ignored, listed keyword files missing on disk go to ``bad_files``."""
    keyword_dir = os.path.realpath(Path(spec.root) / spec.keyword)
    listed, parents = {}, {}
    for split in CSV_SPLITS:
        if not spec.csv[split]:
            continue
        folder = Path(spec.csv[split]).parent
        for name in _read_csv(spec.csv[split]):
            path = folder / name
            # One realpath per folder, not per file: the CSV and the root may reach the corpus by different links.
            parent = parents.setdefault(path.parent, os.path.realpath(path.parent))
            if parent != keyword_dir:
                continue
            real = os.path.join(parent, path.name)
            listed[real] = (split, f"in {spec.csv[split]}")
            if not os.path.isfile(real):
                bad_files.add(f"{spec.csv[split]}: lists {name}, whose audio {path} is missing")
    return listed


def _fractions(rows, spec, seed):
    """{speaker: split} of seeded shares: test speakers, then validation speakers among the rest."""
    speakers = corpus_rows.speakers_of(rows)
    test = manifest.hold_out(speakers, spec.test_fraction, derive(seed, "test"))
    val = manifest.hold_out(speakers - test, spec.val_fraction, derive(seed, "val")) if speakers - test else set()
    if not speakers - test - val:
        raise InputError(
            f"{KEY}.val_fraction and test_fraction hold out all {len(speakers)} speakers of keyword {spec.keyword!r}, "
            "leaving none to train on"
        )
    return {s: "test" if s in test else "val" if s in val else "train" for s in speakers}


def assign(rows, spec, seed, bad_files):
    """Each row's ``split`` (rows the split leaves out dropped), with speakers disjoint across splits.

    Google's lists: listed files validate or test, every other file trains. CSVs: each listed file takes
    its CSV's split; a file no CSV names trains when there is no train CSV, and is left out (one warning)
    when there is one. Speakers: the parts of the ``speakers`` split of every keyword's speakers (its own
    seed). Fractions: seeded shares of the keyword's speakers (``seed``).
    """
    source = spec.source()
    if source in ("speakers", "fractions"):
        split_of = _speakers(rows, spec) if source == "speakers" else _fractions(rows, spec, seed)
        return [{**r, "split": split_of[r["speaker"]]} for r in rows]
    if source == "lists":
        listed = _google_lists(spec, bad_files)
        keys = [f"{spec.keyword}/{Path(r['path']).name}" for r in rows]
        rest = ("train", "in no list file")
    else:
        listed = _csv_lists(spec, bad_files)
        parent = os.path.realpath(Path(spec.root) / spec.keyword)
        keys = [os.path.join(parent, Path(r["path"]).name) for r in rows]
        rest = (None, "in no CSV") if spec.csv["train"] else ("train", "in no CSV")
    assigned, unlisted, first = [], 0, {}
    for row, key in zip(rows, keys, strict=True):
        split, where = listed.get(key, rest)
        if split is None:
            unlisted += 1
            continue
        seen = first.setdefault(row["speaker"], (split, where, row["path"]))
        if seen[0] != split:
            raise InputError(
                f"speaker {row['speaker']} is in both the {seen[0]} split ({seen[2]}: {seen[1]}) and the {split} "
                f"split ({row['path']}: {where}); speakers must be disjoint across splits: fix the split files"
            )
        assigned.append({**row, "split": split})
    if unlisted:
        log.warning(
            "%s: %d file(s) of keyword %r are in none of the CSVs %s and are left out",
            NAME,
            unlisted,
            spec.keyword,
            KEY + ".csv",
        )
    return assigned


def manifest_rows(spec, policy, seed, threads=1):
    """The TD-SV manifest rows (speaker, utterance, path, split, duration) of the keyword's files.

    ``policy``: the ``ge2e.audio.files.ReadPolicy`` (``ge2e.corpus.rows.probe``); ``seed`` draws the speaker
    fractions when neither list files, CSVs nor ``speakers`` give the split.
    """
    spec.check()
    bad_files = policy.bad_files("convert")
    listed = list_files(spec)
    corpus_rows.log_layout(f"{NAME} {spec.keyword!r}", listed)
    rows = assign(listed, spec, seed, bad_files)
    return corpus_rows.probe(rows, policy, NAME, bad_files, threads)
