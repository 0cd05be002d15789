"""What the readers that list a corpus where it lies share (LibriSpeech, VCTK, VoxCeleb, a folder).

Those readers turn a layout into rows (speaker, utterance, path, part) pointing at the original
files: nothing is copied or decoded at conversion, the feature step reads each file. This module
then gives every row its duration from the file's header (``probe``), reads the speaker lists a
config may name (``read_speakers``) and holds speakers out for validation and test
(``held_out``, ``assign``).

The read policy (``ge2e.audio.files.ReadPolicy``: sample rate, resampling, channel, bad files) is used
in one place, ``probe``.
"""

import dataclasses
import logging
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ge2e.audio import files as audio
from ge2e.corpus import manifest
from ge2e.errors import InputError, MissingDependency
from ge2e.seeds import derive

log = logging.getLogger("ge2e")


def _probe_one(path):
    """Worker: the header of one file, or the message naming it when unreadable."""
    try:
        return audio.probe(path)
    except MissingDependency:
        raise
    except InputError as exc:
        return str(exc)


def probe(rows, policy, corpus, bad_files=None, threads=1):
    """The rows whose file's header reads, each with ``duration`` (s) from that header.

    Only headers are read (``ge2e.audio.files.probe``), at 0.08 ms a wav, 0.19 ms a flac and 0.8 ms an m4a
    (PyAV opens the container) on one core of a 2-core Xeon, files in the page cache: VoxCeleb2's
    1.09 M m4a files take about 15 min of CPU, spread over ``threads`` processes (2 min on 8); on a
    cold network file system the reads' latency dominates. Unreadable files are skipped or fatal by
    ``policy.on_bad_file``; then one decision per corpus on rates (resampled later, with one warning, or refused) and on
    multi-channel files (refused unless the policy names a channel): ``ReadPolicy.check``.

    Args:
        rows: dicts with at least ``path``.
        policy: the ``ge2e.audio.files.ReadPolicy``.
        corpus: how messages name the corpus.
        bad_files: the ``ge2e.audio.badfiles.BadFiles`` the reader already reported to (e.g. listed files
            that are missing), so one count covers the corpus; default: a fresh one of ``policy``.
    """
    bad_files = bad_files or policy.bad_files("convert")
    paths = [str(r["path"]) for r in rows]
    if threads > 1 and len(paths) > 1:
        with ProcessPoolExecutor(max_workers=threads) as pool:
            results = list(pool.map(_probe_one, paths, chunksize=max(1, min(256, len(paths) // (4 * threads)))))
    else:
        results = [_probe_one(p) for p in paths]
    kept, rates, channels = [], {}, {}
    for row, path, result in zip(rows, paths, results, strict=True):
        if isinstance(result, str):
            bad_files.add(result)
            continue
        rate, frames, count = result
        rates[path], channels[path] = rate, count
        kept.append({**row, "path": path, "duration": frames / rate})
    policy.check(rates, channels, corpus)
    bad_files.summary()
    return kept


def read_speakers(path, key):
    """Speaker ids listed one per line in ``path`` (blank lines and ``#`` comments ignored), as written."""
    try:
        lines = Path(path).read_text().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the speaker list ({exc}; config key {key})") from None
    speakers = {line.split("#")[0].strip() for line in lines} - {""}
    if not speakers:
        raise InputError(f"{path}: the speaker list names no speaker (config key {key})")
    return speakers


@dataclasses.dataclass(frozen=True)
class HeldOutSpeakers:
    """The fields of a reader's ``Spec`` whose corpus has no official split (VCTK, a speaker folder): its
    test and validation speakers are held out (``held_out``), by list file or by seeded share."""

    test_fraction: float  # share of the speakers held out for testing, seeded ...
    test_speakers: str  # ... or a file listing them (empty: the share)
    val_fraction: float  # share of the remaining speakers held out for validation ...
    val_speakers: str  # ... or a file listing them


# The config keys of HeldOutSpeakers: what an extra training corpus, which holds out no one, has no use for.
HELD_OUT_KEYS = tuple(field.name for field in dataclasses.fields(HeldOutSpeakers))


def held_out(speakers, spec, split, key, seed):
    """Speakers of ``speakers`` to hold out for ``split`` (val or test): those the file
    ``spec.<split>_speakers`` names, or else a seeded ``spec.<split>_fraction`` of them.

    Args:
        spec: a reader's ``Spec``; the list file is read by ``read_speakers``; the seeded choice is
            ``manifest.hold_out``'s (``round(fraction * n)``, at least one), seeded by ``seed`` and ``split``.
        key: the reader's config section (``corpus.vctk``), for the key named when the list names a
            speaker that is not among ``speakers``.
    """
    speakers = set(speakers)
    list_file, list_key = getattr(spec, f"{split}_speakers"), f"{key}.{split}_speakers"
    if not list_file:
        chosen = manifest.hold_out(speakers, getattr(spec, f"{split}_fraction"), derive(seed, split))
    else:
        chosen = read_speakers(list_file, list_key)
        unknown = sorted(chosen - speakers)
        if unknown:
            raise InputError(
                f"{list_file}: {len(unknown)} listed speaker(s) are not among the {len(speakers)} speakers they "
                f"are held out of (e.g. {unknown[:3]}; config key {list_key})"
            )
    if chosen == speakers:
        raise InputError(f"{list_key}: holds out all {len(speakers)} speakers, leaving none to train on")
    return chosen


def subfolders(folder):
    """The folders directly in ``folder``, by name, hidden ones left out; none when it is no folder."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)


def look_instead(root, holds, what, depth=2):
    """The end of a start-up check's line for a corpus key that names a folder without ``what`` its reader needs:
    the nearest folder below ``root`` (at most ``depth`` levels, by name) or above it (its parent) for which
    ``holds(folder)`` is true, as the folder to name instead; else a request to name the folder holding ``what``.
    Runs only where the check already failed, so its listing of folders costs nothing on a run that goes on."""
    root = Path(root)
    level = [root]
    for _ in range(depth):
        level = [child for folder in level for child in subfolders(folder)]
        found = next((folder for folder in level if holds(folder)), None)
        if found is not None:
            return f"; {found} does: point the key at that folder"
    if root.parent != root and holds(root.parent):
        return f"; its parent {root.parent} does: point the key at that folder"
    return f": point the key at the folder holding {what}"


def spec_paths(spec, key):
    """(config key, path, kind) of what a reader's ``spec`` names and must exist before any job runs:
    its ``root`` folder and whichever speaker-list files (``test_speakers``, ``val_speakers``) it has."""
    lists = [name for name in ("test_speakers", "val_speakers") if hasattr(spec, name)]
    return [(f"{key}.root", spec.root, "folder"), *((f"{key}.{name}", getattr(spec, name), "file") for name in lists)]


def assign(rows, val, test=()):
    """Each row's ``split``: ``test`` when its part is test or its speaker is in ``test``, ``val`` when its
    speaker is in ``val``, else ``train``."""
    for r in rows:
        if r.get("part") == "test" or r["speaker"] in test:
            r["split"] = "test"
        else:
            r["split"] = "val" if r["speaker"] in val else "train"
    return rows


def speakers_of(rows, part=None):
    """The speakers of ``rows`` (of one ``part`` when given)."""
    return {r["speaker"] for r in rows if part is None or r.get("part") == part}


def log_layout(corpus, rows):
    """One line: speakers and files found, before probing."""
    log.info("%s: %d speakers, %d files listed", corpus, len(speakers_of(rows)), len(rows))


def check_paths(paths):
    """The start-up check of a reader's ``Spec.paths()``: each (config key, path, kind) must exist.

    A ``folder`` must be one; a ``file`` must be one when named (empty means not used).
    """
    for key, path, kind in paths:
        if kind == "folder" and not path:
            raise InputError(f"config key {key} is empty: set it to the folder of your copy")
        if kind == "folder" and not Path(path).is_dir():
            raise InputError(f"config key {key}: {str(path)!r} is not a folder; point it at your copy")
        if kind == "file" and path and not Path(path).is_file():
            raise InputError(f"config key {key}: {str(path)!r} is not a file; name a list file or leave it empty")
