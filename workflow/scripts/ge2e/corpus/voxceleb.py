"""Reading VoxCeleb1 and VoxCeleb2: ``<root>/<idNNNNN>/<video>/<nnnnn>.{wav,m4a}``.

The layouts as released: VoxCeleb1 16 kHz wav (``vox1_dev_wav/wav``, ``vox1_test_wav/wav``),
VoxCeleb2 AAC in m4a (``vox2_dev_aac/dev/aac``), decoded with PyAV when the features are made.
Speakers are the ``id`` folders, videos the folders below them; an utterance is
``<speaker>/<video>/<nnnnn>``, as VoxCeleb's trial lists name it (without the suffix).

Training speakers come from one or more roots (``train_roots``). Test speakers are those of
``test_root`` (e.g. VoxCeleb1's test folder), or, without one, the speakers a list file names
or by default VoxCeleb1's 40 test speakers (id10270 to id10309, those of VoxCeleb1-O), taken
out of the training roots. Validation speakers are held out of the training speakers. Rows
point at the original files; their durations come from the file headers.
"""

import dataclasses
import os
import re
from pathlib import Path

from ge2e.audio.files import SUFFIXES as AUDIO_SUFFIXES  # compared case-insensitively
from ge2e.corpus import rows as corpus_rows
from ge2e.errors import InputError

KEY = "corpus.voxceleb"
NAME = "VoxCeleb"
SPLIT_KEYS = ("test_root", "test_speakers", "val_fraction", "val_speakers")  # the split's keys, unused by training_rows
VOX1_TEST = frozenset(f"id{n}" for n in range(10270, 10310))  # VoxCeleb1's test speakers (VoxCeleb1-O)
_SPEAKER = re.compile(r"^id\d+$")


@dataclasses.dataclass(frozen=True)
class Spec:
    """VoxCeleb as the TI-SV corpus (config section ``corpus.voxceleb``)."""

    train_roots: list  # folders of id* speaker folders whose speakers train (and validate)
    test_root: str  # a folder of test speakers; empty: test_speakers are taken out of train_roots
    test_speakers: str  # a file listing test speakers; empty: all of test_root, or VOX1_TEST
    val_fraction: float  # share of the training speakers held out for validation, seeded ...
    val_speakers: str  # ... or a file listing them (empty: the share)

    def paths(self):
        """(config key, path, kind) of what must exist before any job runs."""
        listed = [(f"{KEY}.train_roots", root, "folder") for root in self.train_roots]
        if not listed:
            listed = [(f"{KEY}.train_roots", "", "folder")]
        if self.test_root:
            listed.append((f"{KEY}.test_root", self.test_root, "folder"))
        return listed + [
            (f"{KEY}.test_speakers", self.test_speakers, "file"),
            (f"{KEY}.val_speakers", self.val_speakers, "file"),
        ]

    def check(self, training_only=False):
        """The start-up check beyond ``paths()``: each root holds id<digits> speaker folders (``training_only``: the
        training roots alone, for an extra training corpus)."""
        roots = [(f"{KEY}.train_roots", root) for root in self.train_roots]
        if self.test_root and not training_only:
            roots.append((f"{KEY}.test_root", self.test_root))
        for key, root in roots:
            if not _holds_speakers(root):
                hint = corpus_rows.look_instead(root, _holds_speakers, "the id<digits> folders, e.g. vox1_dev_wav/wav")
                raise InputError(f"config key {key}: {root} holds no id<digits> speaker folders{hint}")

    def where(self):
        test = self.test_root or (self.test_speakers or "VoxCeleb1 test speakers") + " out of them"
        return f"{' + '.join(self.train_roots)} (test: {test})"


def _holds_speakers(root):
    """True when ``root`` holds an ``id<digits>`` folder (listing stops at the first)."""
    with os.scandir(root) as entries:
        return any(_SPEAKER.match(e.name) and e.is_dir() for e in entries)


def _dirs(path):
    with os.scandir(path) as entries:
        return sorted(e.name for e in entries if e.is_dir() and not e.name.startswith("."))


def scan_root(root, part, key):
    """Rows (speaker, utterance, path, part) of one VoxCeleb folder, not yet probed.

    Only the folder tree is read (no file is opened or stat'ed), so a million files list in
    seconds. Folders not named ``id<digits>`` are ignored; a root with none is an error naming ``key``.
    """
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"VoxCeleb folder {root} does not exist or is not a folder (config key {key})")
    rows = []
    for speaker in (s for s in _dirs(root) if _SPEAKER.match(s)):
        for video in _dirs(root / speaker):
            with os.scandir(root / speaker / video) as entries:
                files = sorted(e.name for e in entries if os.path.splitext(e.name)[1].lower() in AUDIO_SUFFIXES)
            for name in files:
                utterance = f"{speaker}/{video}/{os.path.splitext(name)[0]}"
                path = str(root / speaker / video / name)
                rows.append({"speaker": speaker, "utterance": utterance, "path": path, "part": part})
    if not rows:
        raise InputError(
            f"{root} holds no id<digits>/<video>/<nnnnn>.{{wav,m4a}} files: name the folder holding the id folders, "
            f"e.g. vox1_dev_wav/wav or vox2_dev_aac/dev/aac (config key {key})"
        )
    return rows


def _train_rows(train_roots):
    """Rows (part train) of the training roots, and {speaker: its root}; a speaker in two roots is an error."""
    if not train_roots:
        raise InputError(f"config key {KEY}.train_roots is empty: name the folders of the training speakers")
    rows, root_of = [], {}
    for root in train_roots:
        for row in scan_root(root, "train", f"{KEY}.train_roots"):
            if root_of.setdefault(row["speaker"], root) != root:
                raise InputError(
                    f"speaker {row['speaker']} is under both {root_of[row['speaker']]} and {root} "
                    f"(config key {KEY}.train_roots); each speaker must be in one root"
                )
            rows.append(row)
    return rows, root_of


def scan(train_roots, test_root="", test_speakers=None):
    """Rows (speaker, utterance, path, part: train | test) of the training roots and the test speakers.

    Args:
        train_roots: folders of speakers to train on (a speaker in two of them is an error).
        test_root: a folder whose speakers are the test set (none may also be under a training root).
        test_speakers: without ``test_root``, the speaker ids to take out of the training roots for
            testing (every one must be there); None: VoxCeleb1's test speakers, ``VOX1_TEST``.
            With ``test_root``, the ones of its speakers to test on (None: all).
    """
    rows, root_of = _train_rows(train_roots)
    list_key = f"{KEY}.test_speakers"
    if test_root:
        test_rows = scan_root(test_root, "test", f"{KEY}.test_root")
        both = sorted(corpus_rows.speakers_of(test_rows) & set(root_of))
        if both:
            raise InputError(
                f"{len(both)} speaker(s) of {test_root} (config key {KEY}.test_root) are also training speakers "
                f"under {KEY}.train_roots, e.g. {both[:3]}"
            )
        if test_speakers is not None:
            unknown = sorted(set(test_speakers) - corpus_rows.speakers_of(test_rows))
            if unknown:
                raise InputError(f"{list_key} lists {len(unknown)} speaker(s) not in {test_root}, e.g. {unknown[:3]}")
            test_rows = [r for r in test_rows if r["speaker"] in test_speakers]
        return rows + test_rows
    wanted = VOX1_TEST if test_speakers is None else set(test_speakers)
    missing = sorted(wanted - set(root_of))
    if missing:
        which = "VoxCeleb1's test speakers (the default)" if test_speakers is None else "the listed test speakers"
        raise InputError(
            f"{len(missing)} of {which} are not under {KEY}.train_roots (e.g. {missing[:3]}): set {KEY}.test_root "
            f"to the folder of the test speakers (e.g. vox1_test_wav/wav), or list ones that are in {list_key}"
        )
    for row in rows:
        if row["speaker"] in wanted:
            row["part"] = "test"
    return rows


def manifest_rows(spec, policy, seed, threads=1):
    """The TI-SV manifest rows of VoxCeleb: test speakers as ``spec`` says, a share (or list) of the training
    speakers validates, the rest train; durations from the file headers (in ``threads`` processes).

    ``policy``: the ``ge2e.audio.files.ReadPolicy`` (``ge2e.corpus.rows.probe``).
    """
    listed_test = corpus_rows.read_speakers(spec.test_speakers, f"{KEY}.test_speakers") if spec.test_speakers else None
    listed = scan(list(spec.train_roots), spec.test_root, listed_test)
    corpus_rows.log_layout(NAME, listed)
    val = corpus_rows.held_out(corpus_rows.speakers_of(listed, "train"), spec, "val", KEY, seed)
    rows = corpus_rows.probe(listed, policy, NAME, threads=threads)
    return corpus_rows.assign(rows, val)


def training_rows(spec, policy, threads=1):
    """Every speaker's rows of the training roots (split train), nothing held out and no test speaker taken out:
    VoxCeleb as an extra training corpus (``ge2e.corpus.extra``). ``policy``: the ``ge2e.audio.files.ReadPolicy``."""
    listed, _ = _train_rows(list(spec.train_roots))
    corpus_rows.log_layout(NAME, listed)
    return corpus_rows.assign(corpus_rows.probe(listed, policy, NAME, threads=threads), set())
