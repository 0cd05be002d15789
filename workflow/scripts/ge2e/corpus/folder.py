"""Reading a folder of speakers: ``<root>/<speaker>/**/<file>.{wav,flac,sph}``.

The simplest layout a set of recordings comes in, and the one external evaluation
sets use (``evaluate.external``). Each first-level folder is a speaker; every audio file
below it, at any depth, is one of its utterances. Whether a file is SPHERE is decided
from its magic bytes (``ge2e.audio``), so TIMIT-style ``.WAV`` files work too. Rows point
at the original files: nothing is copied.
"""

from pathlib import Path

from ge2e import audio
from ge2e.errors import InputError

AUDIO_SUFFIXES = (".wav", ".flac", ".sph")  # compared case-insensitively


def scan(root, policy, split="test", key="evaluate.external"):
    """Rows (speaker, utterance, path, split, duration) of every audio file under ``root``.

    Utterance ids are ``<speaker>/<path below the speaker folder, without suffix>``, so they
    are unique. Headers are probed under ``policy`` (a ``ge2e.audio.ReadPolicy``): unreadable
    files are skipped or fatal by its ``on_bad_file``; rates other than its ``sample_rate`` are
    resampled later (one warning) or refused here, as are multi-channel files when its
    ``channel`` (``ge2e.audio.pick_channel``) is None. ``key`` names the config key in errors.
    """
    bad_files = policy.bad_files("convert")
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"{root} does not exist or is not a folder (config key {key})")
    rows, rates, channels = [], {}, {}
    for speaker_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files = sorted(p for p in speaker_dir.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
        for path in files:
            probed = bad_files.call(audio.probe, path)
            if probed is None:
                continue
            rates[str(path)], _, channels[str(path)] = probed
            utterance = f"{speaker_dir.name}/{path.relative_to(speaker_dir).with_suffix('').as_posix()}"
            rows.append(
                {
                    "speaker": speaker_dir.name,
                    "utterance": utterance,
                    "path": str(path),
                    "split": split,
                    "duration": probed[1] / probed[0],
                }
            )
    if not rows:
        raise InputError(f"{root} holds no <speaker>/**/*{{{','.join(AUDIO_SUFFIXES)}}} files (config key {key})")
    policy.check(rates, channels, str(root))
    bad_files.summary()
    return rows


def check_trials(rows, root, key="evaluate.external"):
    """Full trials need at least two speakers with at least two utterances each."""
    counts = {}
    for r in rows:
        counts[r["speaker"]] = counts.get(r["speaker"], 0) + 1
    usable = sorted(s for s, c in counts.items() if c >= 2)
    if len(usable) < 2:
        raise InputError(
            f"{root}: {len(usable)} speaker folder(s) with >= 2 audio files; full trials need at least 2 "
            f"(config key {key})"
        )
