"""The held-out speaker check: how well an encoder tells apart speakers it never heard, measured on a folder of
recordings the way a user (or a check outside the repository) measures it.

Each speaker is enrolled on the first half of its files in sorted order (the renormalised mean of their unit
embeddings); every other file of every speaker is scored by cosine against every enrolled speaker, and the
equal error rate is read off all those trials at once. A speaker with a single file enrols nothing: its file
is only an impostor trial against the others. The no-training MFCC mean+std cosine baseline is scored the same
way on the same files and features, so the two numbers compare.

Layouts: ``folder`` (``<root>/<speaker>/**/<file>``, as ``ge2e.corpus.folder`` reads) and ``prefix``
(``<root>/<speaker>_<anything>.<ext>`` in one folder, as Speech Commands names its clips).
"""

from pathlib import Path

import numpy as np

from ge2e.corpus import folder
from ge2e.encoder.embedding import unit
from ge2e.errors import InputError
from ge2e.evaluate import metrics

LAYOUTS = ("folder", "prefix")


def speaker_files(root, layout="folder"):
    """(speakers, paths) of every audio file under ``root`` in ``layout``, sorted by speaker then path."""
    root = Path(root)
    if layout not in LAYOUTS:
        raise InputError(f"layout {layout!r}: use one of {', '.join(LAYOUTS)}")
    if not root.is_dir():
        raise InputError(f"{root}: no such folder")
    if layout == "folder":
        pairs = [(row["speaker"], row["path"]) for row in folder.list_files(root, key="the speakers folder")]
    else:
        files = [p for p in root.iterdir() if p.is_file() and p.suffix.lower() in folder.AUDIO_SUFFIXES]
        pairs = [(p.name.split("_")[0], str(p)) for p in files]
    if not pairs:
        raise InputError(f"{root}: no audio files ({', '.join(folder.AUDIO_SUFFIXES)}) in the {layout} layout")
    pairs.sort()
    return [s for s, _ in pairs], [p for _, p in pairs]


def enrolment_trials(speakers):
    """The trials of the check for files of ``speakers`` (U,), grouped by speaker and in sorted order.

    Returns a dict: ``enrolled`` (S,) the enrolled speakers, ``enrol`` (U,) bool (the file enrols its
    speaker), ``owner`` (U,) the index in ``enrolled`` of each enrolling file's speaker (-1 elsewhere),
    ``test`` (K,) the indices of the test files and ``labels`` (K, S) int8, 1 where a test file's speaker
    is the enrolled one.
    """
    speakers = np.asarray(speakers)
    names, first, inverse, counts = np.unique(speakers, return_index=True, return_inverse=True, return_counts=True)
    if np.any(np.diff(inverse) < 0):
        raise ValueError("files must be grouped by speaker, in sorted order")
    rank = np.arange(len(speakers)) - first[inverse]
    enrol = rank < counts[inverse] // 2
    enrolled = np.flatnonzero(counts >= 2)
    position = np.full(len(names), -1)
    position[enrolled] = np.arange(len(enrolled))
    test = np.flatnonzero(~enrol)
    labels = (position[inverse[test]][:, None] == np.arange(len(enrolled))[None, :]).astype(np.int8)
    return {
        "enrolled": names[enrolled],
        "enrol": enrol,
        "owner": np.where(enrol, position[inverse], -1),
        "test": test,
        "labels": labels,
    }


def enrolment_scores(embeddings, trials):
    """Cosine (K, S) of each test file's embedding with each enrolled speaker's centroid.

    ``embeddings`` (U, D): one per file, in the order ``enrolment_trials`` saw them.
    """
    emb = unit(np.asarray(embeddings, dtype=np.float64))
    sums = np.zeros((len(trials["enrolled"]), emb.shape[1]))
    np.add.at(sums, trials["owner"][trials["enrol"]], emb[trials["enrol"]])
    return emb[trials["test"]] @ unit(sums).T


def speaker_eer(embeddings, speakers):
    """The check's result for ``embeddings`` (U, D) of files of ``speakers`` (U,): a JSON-ready dict."""
    trials = enrolment_trials(speakers)
    if len(trials["enrolled"]) < 2 or not trials["labels"].any():
        raise InputError("the check needs at least two speakers with two or more files each")
    scores, labels = enrolment_scores(embeddings, trials), trials["labels"]
    return {
        "eer": metrics.eer(scores.ravel(), labels.ravel()),
        "speakers": int(len(set(np.asarray(speakers).tolist()))),
        "enrolled": int(len(trials["enrolled"])),
        "target_trials": int(labels.sum()),
        "nontarget_trials": int(labels.size - labels.sum()),
    }
