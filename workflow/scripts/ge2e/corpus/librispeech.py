"""Reading LibriSpeech: ``<root>/<subset>/<speaker>/<chapter>/<speaker>-<chapter>-<nnnn>.flac``.

The layout as openslr.org ships it (``LibriSpeech/`` after unpacking any number of subsets
into one folder): ``SPEAKERS.TXT`` at the root lists every reader (``;`` starts a comment
line; ``ID | SEX | SUBSET | MINUTES | NAME``, the name may itself hold ``|``), and each chapter
folder has ``<speaker>-<chapter>.trans.txt``, one utterance per line (its id, then the
transcript), which says what the chapter's utterances are. Speaker verification needs no text, so
a chapter folder without one (copies cut down to the audio) contributes its
``<speaker>-<chapter>-<nnnn>.flac`` files instead, with one warning per corpus.

The training subsets (e.g. train-clean-100 and train-clean-360) and the test subsets (e.g.
test-clean) come from config; the validation speakers are held out of the training speakers
(a seeded share, or a list file). Rows point at the original flac files.
"""

import dataclasses
import logging
import re
from pathlib import Path

from ge2e.corpus import rows as corpus_rows
from ge2e.errors import InputError

KEY = "corpus.librispeech"
NAME = "LibriSpeech"
SPEAKERS_FILE = "SPEAKERS.TXT"
PARTS = {"train": "train_subsets", "test": "test_subsets"}  # part -> the config key naming its subsets
SPLIT_KEYS = ("test_subsets", "val_fraction", "val_speakers")  # the keys of the split, unused by training_rows
_ID = re.compile(r"^\d+$")
_UTTERANCE = re.compile(r"^(\d+)-(\d+)-(\d+)$")
log = logging.getLogger("ge2e")


@dataclasses.dataclass(frozen=True)
class Spec:
    """LibriSpeech as the TI-SV corpus (config section ``corpus.librispeech``)."""

    root: str  # holds SPEAKERS.TXT and the subset folders
    train_subsets: list  # subset folder names whose speakers train (and validate)
    test_subsets: list  # subset folder names whose speakers are the test set
    val_fraction: float  # share of the training speakers held out for validation, seeded ...
    val_speakers: str  # ... or a file listing them (empty: the share)

    def paths(self):
        """(config key, path, kind) of what must exist before any job runs."""
        return corpus_rows.spec_paths(self, KEY)

    def check(self, training_only=False, fetched=()):
        """The start-up check beyond ``paths()``: the root is the LibriSpeech folder (it holds SPEAKERS.TXT) and holds
        every subset named (the training subsets only, with ``training_only``: an extra training corpus). A subset
        in ``fetched`` is one a download is to fetch when it is missing; SPEAKERS.TXT comes with it."""
        root = Path(self.root)
        to_fetch = [subset for subset in fetched if not (root / subset).is_dir()]
        if not (root / SPEAKERS_FILE).is_file():
            hint = corpus_rows.look_instead(
                root, lambda p: (p / SPEAKERS_FILE).is_file(), f"{SPEAKERS_FILE} and the subsets"
            )
            if not to_fetch or not hint.startswith(": "):  # a folder of LibriSpeech elsewhere is wrong, download or not
                raise InputError(f"config key {KEY}.root: {root} holds no {SPEAKERS_FILE}{hint}")
        for part, key in PARTS.items():
            if part == "test" and training_only:
                continue
            for subset in getattr(self, key):
                if subset not in fetched and not (root / subset).is_dir():
                    there = [p.name for p in corpus_rows.subfolders(root)]
                    folders = ", ".join(there[:8]) + (", ..." if len(there) > 8 else "")
                    raise InputError(
                        f"config key {KEY}.{key}: {root} has no subset folder {subset!r} (its folders: "
                        f"{folders or 'none'}): unpack the subset there or leave it out of the list"
                    )

    def where(self):
        return f"{self.root} ({' + '.join(self.train_subsets)}; test: {' + '.join(self.test_subsets)})"


def read_speakers_table(path):
    """``SPEAKERS.TXT`` as {speaker id: {"sex", "subset", "minutes", "name"}}; InputError naming the file and line."""
    path = Path(path)
    if not path.is_file():
        raise InputError(
            f"{path} is missing: is {KEY}.root the LibriSpeech folder holding {SPEAKERS_FILE} and the subset folders?"
        )
    table = {}
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith(";"):
            continue
        fields = [f.strip() for f in line.split("|", 4)]
        if len(fields) != 5 or not _ID.match(fields[0]):
            raise InputError(f"{path}:{number}: expected 'ID | SEX | SUBSET | MINUTES | NAME', got {line.strip()!r}")
        table[fields[0]] = dict(zip(("sex", "subset", "minutes", "name"), fields[1:], strict=True))
    return table


def read_transcripts(path):
    """Utterance ids listed in a chapter's ``.trans.txt``, in file order; InputError naming the file and line."""
    ids = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        utterance = line.split(maxsplit=1)[0]
        if not _UTTERANCE.match(utterance):
            raise InputError(f"{path}:{number}: expected '<speaker>-<chapter>-<nnnn> TRANSCRIPT', got {line.strip()!r}")
        ids.append(utterance)
    return ids


def _untranscribed_rows(speaker, chapter_dir, part):
    """Rows of the ``.flac`` files of a chapter folder without ``.trans.txt``; a flac named as another speaker's
    or chapter's, or not as an utterance at all, is an error naming it (the folder's name is the only label)."""
    rows = []
    for path in sorted(chapter_dir.glob("*.flac")):
        match = _UTTERANCE.match(path.stem)
        if not match or match.groups()[:2] != (speaker, chapter_dir.name):
            raise InputError(
                f"{path}: in a chapter folder without .trans.txt each .flac must be named "
                f"{speaker}-{chapter_dir.name}-<nnnn>.flac; rename or remove it"
            )
        rows.append({"speaker": speaker, "utterance": path.stem, "path": str(path), "part": part})
    return rows


def _chapter_rows(speaker, chapter_dir, part, bad_files, untranscribed):
    """Rows of one chapter folder: what its ``.trans.txt`` lists or, without one, its flac files (the folder and
    their count are then appended to ``untranscribed``, for the reader's one warning)."""
    trans = chapter_dir / f"{speaker}-{chapter_dir.name}.trans.txt"
    if not trans.is_file():
        rows = _untranscribed_rows(speaker, chapter_dir, part)
        untranscribed.append((chapter_dir, len(rows)))
        return rows
    rows = []
    for utterance in read_transcripts(trans):
        spk, chapter, _ = _UTTERANCE.match(utterance).groups()
        if (spk, chapter) != (speaker, chapter_dir.name):
            raise InputError(f"{trans}: lists {utterance}, which is not of speaker {speaker}, chapter {chapter}")
        path = chapter_dir / f"{utterance}.flac"
        if not path.is_file():
            bad_files.add(f"{trans}: lists {utterance}, whose audio {path} is missing")
            continue
        rows.append({"speaker": speaker, "utterance": utterance, "path": str(path), "part": part})
    return rows


def _subset_rows(root, subset, part, speakers, part_of, bad_files, untranscribed):
    """Rows of one subset folder; ``part_of`` (speaker -> part) catches a speaker in both parts."""
    folder = root / subset
    if not folder.is_dir():
        raise InputError(f"{folder} is missing: {KEY}.{PARTS[part]} names subset {subset!r}, which is not under {root}")
    rows = []
    for speaker_dir in sorted((p for p in folder.iterdir() if p.is_dir()), key=lambda p: p.name):
        speaker = speaker_dir.name
        if speaker not in speakers:
            raise InputError(f"{speaker_dir}: speaker {speaker} is not listed in {root / SPEAKERS_FILE}")
        listed_in = speakers[speaker]["subset"]
        if listed_in != subset:
            log.warning("%s: %s puts speaker %s in %s", speaker_dir, SPEAKERS_FILE, speaker, listed_in)
        if part_of.setdefault(speaker, part) != part:
            raise InputError(f"{speaker_dir}: speaker {speaker} is in both a training and a test subset")
        for chapter_dir in sorted((p for p in speaker_dir.iterdir() if p.is_dir()), key=lambda p: p.name):
            rows += _chapter_rows(speaker, chapter_dir, part, bad_files, untranscribed)
    return rows


def scan(root, train_subsets, test_subsets, bad_files):
    """Rows (speaker, utterance, path, part: train | test) of the chosen subsets, not yet probed.

    Every speaker folder must be listed in SPEAKERS.TXT. A chapter's ``.trans.txt`` lists its
    utterances, and a listed utterance whose flac is missing goes to ``bad_files`` (a
    ``ge2e.audio.badfiles.BadFiles``); a chapter without one contributes its flac files (one warning
    for the corpus, with the count). A subset that is missing or holds no utterances, a subset named twice, or a speaker
    in both a training and a test subset is an error naming the config key. ``test_subsets`` None: a corpus
    without a test part (an extra training corpus's).
    """
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"LibriSpeech root {root} does not exist or is not a folder (config key {KEY}.root)")
    speakers = read_speakers_table(root / SPEAKERS_FILE)
    parts = PARTS if test_subsets is not None else {"train": PARTS["train"]}
    test_subsets = test_subsets or []
    named = [*train_subsets, *test_subsets]
    twice = sorted({s for s in named if named.count(s) > 1})
    if twice:
        raise InputError(f"{KEY}.train_subsets and test_subsets name {twice} more than once; a subset is one or other")
    rows, part_of, untranscribed = [], {}, []
    for part, key in parts.items():
        subsets = train_subsets if part == "train" else test_subsets
        if not subsets:
            raise InputError(f"{KEY}.{key} is empty: name at least one subset folder under {root}")
        for subset in subsets:
            found = _subset_rows(root, subset, part, speakers, part_of, bad_files, untranscribed)
            if not found:
                raise InputError(
                    f"{root / subset} holds no <speaker>/<chapter>/<speaker>-<chapter>-<nnnn>.flac utterances "
                    f"(config key {KEY}.{key})"
                )
            rows += found
    if untranscribed:
        log.warning(
            "%s: %d chapter folder(s) have no .trans.txt (e.g. %s); their %d .flac files are read as the chapters' "
            "utterances",
            NAME,
            len(untranscribed),
            untranscribed[0][0],
            sum(n for _, n in untranscribed),
        )
    return rows


def manifest_rows(spec, policy, seed, threads=1):
    """The TI-SV manifest rows of LibriSpeech: the test subsets' speakers test, a share (or list) of the
    training subsets' speakers validates, the rest train; durations from the flac headers.

    ``policy``: the ``ge2e.audio.files.ReadPolicy`` (``ge2e.corpus.rows.probe``).
    """
    bad_files = policy.bad_files("convert")
    listed = scan(spec.root, list(spec.train_subsets), list(spec.test_subsets), bad_files)
    corpus_rows.log_layout(NAME, listed)
    val = corpus_rows.held_out(corpus_rows.speakers_of(listed, "train"), spec, "val", KEY, seed)
    return corpus_rows.assign(corpus_rows.probe(listed, policy, NAME, bad_files, threads), val)


def training_rows(spec, policy, threads=1):
    """The training subsets' rows (split train), nothing held out and no test subset read: LibriSpeech as an extra
    training corpus (``ge2e.corpus.extra``). ``policy``: the ``ge2e.audio.files.ReadPolicy``."""
    bad_files = policy.bad_files("convert")
    listed = scan(spec.root, list(spec.train_subsets), None, bad_files)
    corpus_rows.log_layout(NAME, listed)
    return corpus_rows.assign(corpus_rows.probe(listed, policy, NAME, bad_files, threads), set())
