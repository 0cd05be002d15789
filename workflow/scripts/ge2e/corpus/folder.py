"""Reading a folder of speakers: ``<root>/<speaker>/**/<audio file>``.

The simplest layout a set of recordings comes in: the one external evaluation sets use (``evaluate.external``), and
a TI-SV corpus (``corpus.tisv_format: folder``) whose test and validation speakers are held out by a seeded share, a
list file, or ``speakers`` (stated counts and a seed, ``ge2e.corpus.speaker_split``: the parts an external set or a
card's check names with the same rule). Each first-level folder is a speaker; every audio file below it, at any
depth, is one of its utterances: a file named as any kind ``ge2e.audio.files`` reads (``SUFFIXES``: wav, flac,
SPHERE, m4a, ogg, opus, mp3, aiff). What a file holds is decided from its content, so TIMIT-style ``.WAV`` files
that are SPHERE work too.
Rows point at the original files: nothing is copied.
"""

import dataclasses
from pathlib import Path

from ge2e.audio.files import SUFFIXES as AUDIO_SUFFIXES  # compared case-insensitively
from ge2e.corpus import rows as corpus_rows
from ge2e.corpus import speaker_split
from ge2e.errors import InputError

KEY = "corpus.folder"
NAME = "speaker folders"
SPLIT_KEYS = corpus_rows.HELD_OUT_KEYS  # the keys of the hold-outs, unused by training_rows


@dataclasses.dataclass(frozen=True)
class Spec(corpus_rows.HeldOutSpeakers):
    """A folder of speakers as a TI-SV corpus (config section ``corpus.folder``)."""

    root: str  # holds one folder per speaker
    # {split: {val, test}, seed}: the held-out speakers by stated counts (in place of the shares), or None where its
    # counts are 0. Defaulted, unlike the fields above: a section without a split leaves it out (``reader_section``),
    # so rule params are those of runs made before the key existed; an extra training corpus splits by its own.
    speakers: dict | None = None

    def speaker_split(self):
        """The ``speakers`` split (``ge2e.corpus.speaker_split.SpeakerSplit``), or None."""
        return speaker_split.SpeakerSplit.of(self.speakers)

    def paths(self):
        """(config key, path, kind) of what must exist before any job runs."""
        return corpus_rows.spec_paths(self, KEY)

    def check(self, training_only=False):
        """The start-up check beyond ``paths()``: the root's speaker folders hold audio files (:func:`check_root`),
        and a ``speakers`` split is the only way the held-out speakers are given. ``training_only``: the corpus
        trains only (an extra training corpus), which changes nothing here."""
        check_root(self.root, f"{KEY}.root")
        listed = [f"{KEY}.{key}" for key in ("test_speakers", "val_speakers") if getattr(self, key)]
        if self.speaker_split() and listed:
            raise InputError(f"config key {KEY}.speakers: {' and '.join(listed)} give the split already; remove one")

    def where(self):
        return self.root


def first_audio(root):
    """The first audio file found below a speaker folder of ``root``, or None: the walk stops there, so a look at a
    corpus of any size is cheap."""
    for speaker_dir in corpus_rows.subfolders(root):
        for path in speaker_dir.rglob("*"):
            if path.suffix.lower() in AUDIO_SUFFIXES and path.is_file():
                return path
    return None


def check_root(root, key):
    """The start-up check of a folder of speakers (``key``: its config key): some speaker folder under ``root`` holds
    an audio file; InputError naming the key, the folder and what it lacks otherwise."""
    if first_audio(root) is not None:
        return
    if any(p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES for p in Path(root).iterdir()):
        raise InputError(
            f"config key {key}: {root} holds audio files but no speaker folders: each speaker's files go in a folder "
            "of its own under it (<speaker>/**/<audio file>)"
        )
    raise _no_files(root, key)


def list_files(root, split="test", key="evaluate.external"):
    """Rows (speaker, utterance, path, split) of every audio file under ``root``, not yet probed.

    Utterance ids are ``<speaker>/<path below the speaker folder, without suffix>``, so they
    are unique. Hidden folders are skipped. ``key`` names the config key in errors.
    """
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"{root} does not exist or is not a folder (config key {key})")
    rows = []
    for speaker_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files = sorted(p for p in speaker_dir.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
        for path in files:
            utterance = f"{speaker_dir.name}/{path.relative_to(speaker_dir).with_suffix('').as_posix()}"
            rows.append({"speaker": speaker_dir.name, "utterance": utterance, "path": str(path), "split": split})
    return rows


def _no_files(root, key):
    return InputError(
        f"config key {key}: {root} holds no <speaker>/**/<audio file> (a file named {', '.join(AUDIO_SUFFIXES)}): "
        "name the folder whose subfolders are the speakers"
    )


def scan(root, policy, split="test", key="evaluate.external"):
    """Rows (speaker, utterance, path, split, duration) of every audio file under ``root``.

    Headers are probed under ``policy`` (a ``ge2e.audio.files.ReadPolicy``; ``ge2e.corpus.rows.probe``):
    unreadable files are skipped or fatal by its ``on_bad_file``; rates other than its
    ``sample_rate`` are resampled later (one warning) or refused here, as are multi-channel files
    when its ``channel`` (``ge2e.audio.files.pick_channel``) is None. ``key`` names the config key in errors.
    """
    listed = list_files(root, split, key)
    if not listed:
        raise _no_files(root, key)
    rows = corpus_rows.probe(listed, policy, str(root))
    if not rows:
        raise _no_files(root, key)
    return rows


def manifest_rows(spec, policy, seed, threads=1):
    """The TI-SV manifest rows of a folder of speakers: test speakers, then validation speakers among the
    rest, held out as ``spec`` says (its ``speakers`` split, or shares seeded with ``seed``, or lists); the others
    train.

    ``policy``: the ``ge2e.audio.files.ReadPolicy`` (``ge2e.corpus.rows.probe``).
    """
    listed = list_files(spec.root, "train", f"{KEY}.root")
    if not listed:
        raise _no_files(spec.root, f"{KEY}.root")
    corpus_rows.log_layout(spec.root, listed)
    speakers = corpus_rows.speakers_of(listed)
    split = spec.speaker_split()
    if split:
        part_of = split.parts(speakers, f"{KEY}.speakers")
        speaker_split.log_parts(KEY, part_of)
        test, val = ({s for s, part in part_of.items() if part == name} for name in ("test", "val"))
    else:
        test = corpus_rows.held_out(speakers, spec, "test", KEY, seed)
        val = corpus_rows.held_out(speakers - test, spec, "val", KEY, seed)
    rows = corpus_rows.probe(listed, policy, spec.root, threads=threads)
    return corpus_rows.assign(rows, val, test)


def training_rows(spec, policy, threads=1):
    """Every speaker's rows (split train), nothing held out: the folder as an extra training corpus
    (``ge2e.corpus.extra``). ``policy``: the ``ge2e.audio.files.ReadPolicy``."""
    listed = list_files(spec.root, "train", f"{KEY}.root")
    if not listed:
        raise _no_files(spec.root, f"{KEY}.root")
    corpus_rows.log_layout(spec.root, listed)
    return corpus_rows.probe(listed, policy, spec.root, threads=threads)


def check_trials(rows, root, key="evaluate.external"):
    """Full trials need at least two speakers (one with a single file enrols on its first half and is
    tested on its second: ``ge2e.evaluate.protocols.halve_single_utterances``)."""
    speakers = sorted({r["speaker"] for r in rows})
    if len(speakers) < 2:
        raise InputError(
            f"{root}: {len(speakers)} speaker folder(s) with audio files; full trials need at least 2 "
            f"(config key {key})"
        )
