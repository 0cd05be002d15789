"""Reading VCTK 0.92: ``<root>/wav48_silence_trimmed/<speaker>/<speaker>_<nnn>_mic{1,2}.flac``.

The layout of the Edinburgh DataShare release (VCTK-Corpus-0.92): 48 kHz flac recorded by two
microphones, one file per microphone (the config picks one), and ``speaker-info.txt`` at the
root, a table whose first column is the speaker id (``p225``, ..., ``s5``; a header line
starting with ``ID``). The audio is resampled to the pipeline's rate when it is read (one
warning at conversion).

VCTK has no official split: the test speakers, then the validation speakers among the rest,
are held out by a seeded share or a list file each. Rows point at the original flac files.
"""

import dataclasses
import logging
import re
from pathlib import Path

from ge2e.corpus import rows as corpus_rows
from ge2e.errors import InputError

KEY = "corpus.vctk"
NAME = "VCTK"
AUDIO_DIR = "wav48_silence_trimmed"
SPEAKER_INFO = "speaker-info.txt"
MICS = ("mic1", "mic2")
SPLIT_KEYS = corpus_rows.HELD_OUT_KEYS  # the keys of the hold-outs, unused by training_rows
_FILE = re.compile(r"^(?P<speaker>[^_]+)_(?P<number>\d+)_(?P<mic>mic[12])\.flac$", re.IGNORECASE)
log = logging.getLogger("ge2e")


@dataclasses.dataclass(frozen=True)
class Spec(corpus_rows.HeldOutSpeakers):
    """VCTK 0.92 as the TI-SV corpus (config section ``corpus.vctk``)."""

    root: str  # holds speaker-info.txt and wav48_silence_trimmed/
    mic: str  # mic1 or mic2

    def paths(self):
        """(config key, path, kind) of what must exist before any job runs."""
        return corpus_rows.spec_paths(self, KEY)

    def check(self, training_only=False):
        """The start-up check beyond ``paths()``: the root holds speaker-info.txt and wav48_silence_trimmed/ (all the
        same for an extra training corpus, ``training_only``)."""
        root = Path(self.root)
        for name, there in ((SPEAKER_INFO, Path.is_file), (f"{AUDIO_DIR}/", Path.is_dir)):
            if not there(root / name.rstrip("/")):
                hint = corpus_rows.look_instead(root, _is_vctk, f"{SPEAKER_INFO} and {AUDIO_DIR}/")
                raise InputError(f"config key {KEY}.root: {root} has no {name}{hint}")

    def where(self):
        return f"{self.root} ({self.mic})"


def _is_vctk(folder):
    return (folder / SPEAKER_INFO).is_file() and (folder / AUDIO_DIR).is_dir()


def read_speaker_info(path):
    """Speaker ids of ``speaker-info.txt`` (first column; the ``ID`` header line and blank lines skipped)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(
            f"{path} is missing: is {KEY}.root the VCTK-Corpus-0.92 folder holding {SPEAKER_INFO} and {AUDIO_DIR}/?"
        )
    ids = [line.split()[0] for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    return {i for i in ids if i.upper() != "ID"}


def scan(root, mic):
    """Rows (speaker, utterance ``<speaker>_<nnn>``, path, part: train) of one microphone's files, not yet probed.

    A speaker folder not in speaker-info.txt is an error naming that file; speakers with no
    file of ``mic`` are left out with a warning (the release lacks some mic2 files).
    """
    if mic not in MICS:
        raise InputError(f"config key {KEY}.mic is {mic!r}; use one of {MICS}")
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"VCTK root {root} does not exist or is not a folder (config key {KEY}.root)")
    known = read_speaker_info(root / SPEAKER_INFO)
    audio_dir = root / AUDIO_DIR
    if not audio_dir.is_dir():
        raise InputError(f"{audio_dir} is missing: is {KEY}.root the VCTK-Corpus-0.92 folder holding {AUDIO_DIR}/?")
    rows, without = [], []
    for speaker_dir in sorted(p for p in audio_dir.iterdir() if p.is_dir()):
        speaker = speaker_dir.name
        if speaker not in known:
            raise InputError(f"{speaker_dir}: speaker {speaker} is not listed in {root / SPEAKER_INFO}")
        found = 0
        for path in sorted(speaker_dir.iterdir()):
            match = _FILE.match(path.name)
            if match and match["speaker"] == speaker and match["mic"].lower() == mic:
                utterance = f"{speaker}_{match['number']}"
                rows.append({"speaker": speaker, "utterance": utterance, "path": str(path), "part": "train"})
                found += 1
        if not found:
            without.append(speaker)
    if without:
        log.warning("VCTK: %d speaker(s) have no %s files and are left out: %s", len(without), mic, ", ".join(without))
    if not rows:
        raise InputError(f"{audio_dir} holds no <speaker>/<speaker>_<nnn>_{mic}.flac files (config key {KEY}.mic)")
    return rows


def manifest_rows(spec, policy, seed, threads=1):
    """The TI-SV manifest rows of VCTK: test speakers, then validation speakers among the rest, held out as
    ``spec`` says (seeded with ``seed``); the others train. Durations from the flac headers.

    ``policy``: the ``ge2e.audio.files.ReadPolicy`` (``ge2e.corpus.rows.probe``).
    """
    listed = scan(spec.root, spec.mic)
    corpus_rows.log_layout(NAME, listed)
    speakers = corpus_rows.speakers_of(listed)
    test = corpus_rows.held_out(speakers, spec, "test", KEY, seed)
    val = corpus_rows.held_out(speakers - test, spec, "val", KEY, seed)
    rows = corpus_rows.probe(listed, policy, NAME, threads=threads)
    return corpus_rows.assign(rows, val, test)


def training_rows(spec, policy, threads=1):
    """Every speaker's rows of one microphone (split train), nothing held out: VCTK as an extra training corpus
    (``ge2e.corpus.extra``). ``policy``: the ``ge2e.audio.files.ReadPolicy``."""
    listed = scan(spec.root, spec.mic)
    corpus_rows.log_layout(NAME, listed)
    return corpus_rows.assign(corpus_rows.probe(listed, policy, NAME, threads=threads), set())
