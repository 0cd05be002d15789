"""Reading a TIMIT tree and converting its SPHERE audio to wav.

Layout: ``<root>/TRAIN|TEST/DR1..DR8/<F|M><initials><digit>/<SA|SX|SI><n>.WAV`` as LDC
ships it; lower-case copies (``train/dr1/fcjf0/sa1.wav``); and re-packaged copies where
``X.WAV`` is already RIFF, often beside an ``X.WAV.wav`` twin. Whether a file is SPHERE
or RIFF is decided from its magic bytes (``ge2e.audio.files``), never from its name, and each
utterance is counted once.
"""

import dataclasses
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ge2e.audio import files as audio
from ge2e.corpus import rows as corpus_rows
from ge2e.corpus.manifest import hold_out
from ge2e.errors import InputError

PARTS = {"train": "TRAIN", "test": "TEST"}
_DIALECT = re.compile(r"^dr[1-8]$", re.IGNORECASE)
_SPEAKER = re.compile(r"^[fm][a-z]{3}[0-9]$", re.IGNORECASE)
_UTTERANCE = re.compile(r"^(s[axi][0-9]+)\.wav(\.wav)?$", re.IGNORECASE)

# TIMIT's core test set: 24 speakers, two male and one female per dialect region.
CORE_TEST = {
    "MDAB0", "MWBT0", "FELC0", "MTAS1", "MWEW0", "FPAS0", "MJMP0", "MLNT0", "FPKT0", "MLLL0", "MTLS0", "FJLM0",
    "MBPM0", "MKLT0", "FNLP0", "MCMJ0", "MJDH0", "FMGD0", "MGRT0", "MNJM0", "FDHC0", "MJLN0", "MPAM0", "FMLD0",
}  # fmt: skip
TEST_SETS = ("full", "core")


def _child(folder, name):
    """The child of ``folder`` whose name equals ``name`` ignoring case, or None."""
    for entry in folder.iterdir():
        if entry.name.lower() == name.lower():
            return entry
    return None


def _is_timit(folder):
    return all(_child(folder, name) is not None for name in PARTS.values())


def check_root(root, key="corpus.timit_root"):
    """The start-up check of a real TIMIT copy (``key``: its config key): the folder holds TRAIN and TEST (any case);
    InputError naming the key, the folder and what it lacks otherwise."""
    root = Path(root)
    for name in PARTS.values():
        if _child(root, name) is None:
            hint = corpus_rows.look_instead(root, _is_timit, "TRAIN/ and TEST/")
            raise InputError(f"config key {key}: {root} has no {name} folder{hint}")


def _utterance_files(speaker_dir):
    """Utterance id (upper case) -> its one file, preferring ``X.WAV`` over an ``X.WAV.wav`` twin."""
    chosen = {}
    for path in sorted(speaker_dir.iterdir()):
        match = _UTTERANCE.match(path.name)
        if match:
            utt, is_twin = match.group(1).upper(), match.group(2) is not None
            if utt not in chosen or (chosen[utt][1] and not is_twin):
                chosen[utt] = (path, is_twin)
    return {utt: path for utt, (path, _) in sorted(chosen.items())}


def scan(root, test_set):
    """List the utterances of a TIMIT tree.

    Args:
        root: the folder holding TRAIN and TEST (any case).
        test_set: ``full`` (all 168 TEST speakers) or ``core`` (the 24-speaker core test).
    Returns dicts with speaker (upper case, e.g. FCJF0), utterance (``FCJF0_SA1``),
    path, part (train | test) and dialect (DR1..DR8), sorted by part, speaker, utterance.
    """
    if test_set not in TEST_SETS:
        raise InputError(f"config key corpus.timit_test_set is {test_set!r}; use one of {TEST_SETS}")
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"TIMIT root {root} does not exist or is not a folder (config key corpus.timit_root)")
    rows = []
    for part, name in PARTS.items():
        part_dir = _child(root, name)
        if part_dir is None:
            raise InputError(
                f"TIMIT root {root} has no {name} folder; is corpus.timit_root the folder holding TRAIN and TEST?"
            )
        for dialect in sorted(d for d in part_dir.iterdir() if d.is_dir() and _DIALECT.match(d.name)):
            for spk in sorted(s for s in dialect.iterdir() if s.is_dir() and _SPEAKER.match(s.name)):
                speaker = spk.name.upper()
                for utt, path in _utterance_files(spk).items():
                    rows.append(
                        {
                            "speaker": speaker,
                            "utterance": f"{speaker}_{utt}",
                            "path": str(path),
                            "part": part,
                            "dialect": dialect.name.upper(),
                        }
                    )
    if test_set == "core":
        rows = [r for r in rows if r["part"] == "train" or r["speaker"] in CORE_TEST]
    if not rows:
        raise InputError(f"TIMIT root {root} holds no <DRn>/<speaker>/<utterance>.WAV files")
    return rows


def read_val_list(path):
    """Speaker ids (upper case) listed one per line in ``path``; blank lines and # comments ignored."""
    try:
        lines = Path(path).read_text().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"{path}: cannot read the validation speaker list ({exc}; config key corpus.timit_val_speakers)"
        ) from None
    return {line.split("#")[0].strip().upper() for line in lines if line.split("#")[0].strip()}


def assign_splits(rows, val_fraction, seed, val_speakers=None):
    """TEST speakers -> test; the listed TRAIN speakers (or, with no list, a seeded share) -> val; the rest -> train.

    Args:
        val_speakers: TRAIN speaker ids to hold out, e.g. from :func:`read_val_list`; None draws
            ``val_fraction`` of them at random with ``seed``.
    """
    train_speakers = {r["speaker"] for r in rows if r["part"] == "train"}
    if val_speakers is None:
        val = hold_out(train_speakers, val_fraction, seed)
    else:
        val = set(val_speakers)
        unknown = sorted(val - train_speakers)
        if unknown or not val:
            raise InputError(
                f"the validation speaker list names {len(unknown)} speaker(s) not under TRAIN (e.g. "
                f"{unknown[:3]}) and {len(val & train_speakers)} that are; it must list TRAIN speakers "
                "(config key corpus.timit_val_speakers)"
            )
    for r in rows:
        r["split"] = "test" if r["part"] == "test" else ("val" if r["speaker"] in val else "train")
    return rows


def _convert_one(args):
    """Worker: read one file (resampled if needed), write 16-bit wav. Returns its duration or the error."""
    src, dst, policy = args
    try:
        samples = audio.read(src, policy)  # rates and channels were checked by convert()
    except InputError as exc:
        return str(exc)
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    audio.write_wav(dst, samples, policy.sample_rate)
    return len(samples) / policy.sample_rate


def convert(rows, out_dir, policy, threads=1):
    """Write each row's audio as 16-bit mono wav under ``out_dir/<part>/<dialect>/<speaker>/``.

    ``policy`` is the ``ge2e.audio.files.ReadPolicy``: files at another rate are resampled (one warning
    for the corpus) or, with ``resample`` false, refused before anything is written; multi-channel
    files are reduced by its ``channel`` (``ge2e.audio.files.pick_channel``), refused up front without
    it. Bad files are skipped or fatal by its ``on_bad_file``.
    Returns the rows that converted, with ``path`` set to the wav and ``duration`` (s).
    """
    bad_files = policy.bad_files("convert")
    rates, channels = {}, {}
    for r in rows:
        probed = bad_files.call(audio.probe, r["path"])
        if probed is not None:
            rates[r["path"]], _, channels[r["path"]] = probed
    policy.check(rates, channels, "TIMIT")
    # Every rate was checked (and refused unless resample is on), so the workers resample whatever is off.
    worker_policy = dataclasses.replace(policy, resample=True)
    rows = [r for r in rows if r["path"] in rates]
    jobs = []
    for r in rows:
        dst = Path(out_dir) / r["part"] / r["dialect"] / r["speaker"] / f"{r['utterance']}.wav"
        jobs.append((r["path"], str(dst), worker_policy))
    if threads > 1:
        with ProcessPoolExecutor(max_workers=threads) as pool:
            results = list(pool.map(_convert_one, jobs, chunksize=16))
    else:
        results = [_convert_one(j) for j in jobs]
    kept = []
    for r, (_, dst, _), result in zip(rows, jobs, results, strict=True):
        if isinstance(result, str):
            bad_files.add(result)
        else:
            kept.append({**r, "path": dst, "duration": result})
    bad_files.summary()
    return kept
