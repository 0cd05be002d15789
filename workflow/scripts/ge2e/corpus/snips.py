"""Reading the Snips "Hey Snips" research set: ``train|dev|test.json`` + ``audio_files/``.

Each JSON file is a list of objects; the keys used are ``id``, ``worker_id``,
``is_hotword`` and ``audio_file_path`` (relative to the corpus root) and ``duration``;
others are ignored. Keyword positives (``is_hotword == 1``) are the TD-SV utterances,
workers are the speakers; ``dev.json`` workers form the validation split.
"""

import json
from pathlib import Path

from ge2e.audio import files as audio
from ge2e.corpus import rows as corpus_rows
from ge2e.errors import InputError

SPLIT_FILES = {"train": "train.json", "val": "dev.json", "test": "test.json"}
REQUIRED_KEYS = ("id", "worker_id", "is_hotword", "audio_file_path", "duration")


def _is_snips(folder):
    return all((folder / name).is_file() for name in SPLIT_FILES.values())


def check_root(root, key="corpus.snips_root"):
    """The start-up check of a real Snips copy (``key``: its config key): the folder holds train.json, dev.json and
    test.json; InputError naming the key, the folder and what it lacks otherwise."""
    root = Path(root)
    for name in SPLIT_FILES.values():
        if not (root / name).is_file():
            hint = corpus_rows.look_instead(root, _is_snips, ", ".join(SPLIT_FILES.values()))
            raise InputError(f"config key {key}: {root} has no {name}{hint}")


def read_split(path):
    """Parse one Snips JSON file into its list of entries, with clear errors."""
    try:
        entries = json.loads(Path(path).read_text())
    except FileNotFoundError as exc:
        raise InputError(f"{path}: missing Snips split file (config key corpus.snips_root)") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(entries, list):
        raise InputError(f"{path}: expected a JSON list of utterance objects")
    for i, entry in enumerate(entries):
        missing = [k for k in REQUIRED_KEYS if not isinstance(entry, dict) or k not in entry]
        if missing:
            raise InputError(f"{path}: entry {i} lacks required key(s) {', '.join(missing)}")
    return entries


def scan(root, policy):
    """Keyword-positive rows (speaker, utterance, path, split, duration) of a Snips copy.

    Every positive's audio header is probed under ``policy`` (a ``ge2e.audio.files.ReadPolicy``):
    missing, empty or unreadable files are skipped or fatal by its ``on_bad_file``, and files
    not at its ``sample_rate`` are resampled later (one warning) or refused here, as are
    multi-channel files when its ``channel`` (``ge2e.audio.files.pick_channel``) is None. Durations
    come from the audio itself.
    """
    bad_files = policy.bad_files("convert")
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"Snips root {root} does not exist or is not a folder (config key corpus.snips_root)")
    rows, owner, rates, channels = [], {}, {}, {}
    for split, name in SPLIT_FILES.items():
        path = root / name
        for entry in read_split(path):
            worker = str(entry["worker_id"])
            if owner.setdefault(worker, name) != name:
                raise InputError(f"{path}: worker {worker} also appears in {owner[worker]}; splits must be disjoint")
            if int(entry["is_hotword"]) != 1:
                continue
            audio_path = root / entry["audio_file_path"]
            if not audio_path.is_file():
                bad_files.add(f"{path}: entry {entry['id']} points to missing audio {audio_path}")
                continue
            probed = bad_files.call(audio.probe, audio_path)
            if probed is None:
                continue
            rates[str(audio_path)], _, channels[str(audio_path)] = probed
            rows.append(
                {
                    "speaker": worker,
                    "utterance": str(entry["id"]),
                    "path": str(audio_path),
                    "split": split,
                    "duration": probed[1] / probed[0],
                }
            )
    policy.check(rates, channels, "Snips")
    bad_files.summary()
    return rows
