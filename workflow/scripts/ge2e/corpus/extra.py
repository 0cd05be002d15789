"""Extra TI-SV training corpora (config key ``corpus.tisv_extra_train``): name -> a corpus whose speakers train.

An entry names a ``format``: ``builtin``, the built-in TIMIT look-alike (rule ``builtin_corpus`` writes it
under ``results/builtin_corpus/TIMIT``, sized by ``builtin.timit``; all its speakers), or a reader format
of ``ge2e.corpus.formats`` (librispeech, vctk, voxceleb, folder) with that format's keys saying where its
files are, the schema's defaults of its section ``corpus.<format>`` filling the rest. Every speaker of
its training part trains (the reader's ``training_rows``: LibriSpeech's ``train_subsets``, VoxCeleb's
``train_roots``, every VCTK or folder speaker), and the reader's keys of a split (its ``SPLIT_KEYS``:
test and validation sets) are refused. The entry's own ``speakers`` (``ge2e.corpus.speaker_split``) may
split those speakers instead, by stated counts and seed: the train part trains, the val part joins the
main corpus's validation speakers as split ``val`` (so ``best.pt`` is chosen on both corpora's), and the
test part is left out of the manifest, for an external set (``evaluate.external.<name>.speakers``, the
same seed and counts) to test on. Speaker and utterance ids become ``<name>/<id>``, so no two corpora
share a speaker; the split is of the ids as the reader gives them, before the prefix.

Rule ``convert_extra`` writes each one's manifest (``results/tisv/extra/<name>/manifest.tsv``), its files
read where they lie, as every reader of ``formats`` reads them: paths are written as the config gives them
(relative to the folder Snakemake runs in when the config's are; the built-in corpus's under
``results/``), and the ``features`` rule, run in that folder too, reads them from there. The main corpus's
convert rule (``convert_timit`` or ``convert_tisv``) then merges them into ``results/tisv/manifest.tsv``
(:func:`merge`) before its N x M check, so features, training and evaluation read the one manifest as ever.
An entry's config is turned into its reader's section by ``ge2e.corpus.extra_config``, in the Snakemake
process: this module is what the rules' jobs import, and it needs no schema.
"""

import logging
import os
from pathlib import Path

from ge2e.corpus import formats, manifest, speaker_split, timit
from ge2e.corpus import rows as corpus_rows
from ge2e.errors import InputError

KEY = "corpus.tisv_extra_train"
BUILTIN = "builtin"
FORMATS = (BUILTIN, *formats.READERS)
MAIN = "the main TI-SV corpus"
SPEAKERS = "speakers"  # an entry's split of its speakers, beside its reader's keys (ge2e.corpus.speaker_split)
log = logging.getLogger("ge2e")


def renamed(text, name, fmt):
    """``text`` with the reader's keys (``corpus.<format>.<key>``) named as this entry's
    (``corpus.tisv_extra_train.<name>.<key>``), where a user wrote them."""
    return text if fmt == BUILTIN else text.replace(f"{formats.READERS[fmt].KEY}.", f"{KEY}.{name}.")


def join(name, rows):
    """``rows`` (dicts with speaker, utterance, path, duration, and split where a split gave one) as rows of extra
    corpus ``name``: split train unless given, speaker and utterance ids ``<name>/<id>``."""
    return [
        {
            **r,
            "speaker": f"{name}/{r['speaker']}",
            "utterance": f"{name}/{r['utterance']}",
            "split": r.get("split") or "train",
        }
        for r in rows
    ]


def reader_section(section):
    """An entry's section (as ``ge2e.corpus.extra_config.section`` returns it) without its ``speakers``: what its
    reader takes."""
    return {key: value for key, value in section.items() if key != SPEAKERS}


def split_rows(name, rows, split):
    """``rows`` with ``split`` each: their speaker's part of ``split`` (a ``ge2e.corpus.speaker_split.SpeakerSplit``, or
    None: all train), the test part left out."""
    if split is None:
        return [{**r, "split": "train"} for r in rows]
    part_of = split.parts(corpus_rows.speakers_of(rows), f"{KEY}.{name}.{SPEAKERS}")
    speaker_split.log_parts(f"extra training corpus {name} ({split.describe()}; its test part left out)", part_of)
    return [{**r, "split": part_of[r["speaker"]]} for r in speaker_split.select(rows, part_of, ("train", "val"))]


def manifest_rows(name, fmt, section, policy, threads=1, builtin_root=None):
    """The rows (speaker, utterance, path, split, duration) of extra corpus ``name``: every speaker training, or
    the train and val parts of its ``speakers`` split.

    Args:
        fmt, section: as ``ge2e.corpus.extra_config.section`` returns them.
        policy: the ``ge2e.audio.files.ReadPolicy`` (``ge2e.corpus.rows.probe``).
        builtin_root: the built-in TIMIT look-alike's folder, for format builtin.
    """
    if fmt == BUILTIN:
        listed = timit.scan(builtin_root, "full")
        return join(name, corpus_rows.probe(listed, policy, f"extra training corpus {name}", threads=threads))
    try:
        rows = formats.training_rows(fmt, reader_section(section), policy, threads)
    except InputError as exc:
        # The readers name their own section's keys (corpus.voxceleb.root); the user wrote this entry's.
        raise InputError(renamed(str(exc), name, fmt)) from None
    return join(name, split_rows(name, rows, speaker_split.SpeakerSplit.of(section.get(SPEAKERS))))


def read_manifests(paths):
    """{name: rows} of the extra corpora's manifests, each at ``.../<name>/manifest.tsv`` (rule convert_extra's)."""
    return {Path(path).parent.name: manifest.read(path) for path in paths}


def merge(rows, extras):
    """The main corpus's manifest rows followed by every extra corpus's rows (training, and validation where its
    ``speakers`` split it).

    Args:
        rows: the main corpus's rows, splits assigned.
        extras: {name: rows as :func:`join` gives them}.
    A file in two corpora (an extra repeating the main corpus's test or validation speakers, or another
    extra's) or a speaker id in two is an InputError naming it.
    """
    owner = {os.path.abspath(r["path"]): (MAIN, r["split"]) for r in rows}
    speakers = dict.fromkeys(corpus_rows.speakers_of(rows), MAIN)
    merged = list(rows)
    for name, extra in extras.items():
        here = f"extra training corpus {name} ({KEY}.{name})"
        for r in extra:
            path = os.path.abspath(r["path"])
            if path in owner:
                corpus, split = owner[path]
                raise InputError(
                    f"{r['path']} is in both {corpus} ({split} split) and {here}; an extra corpus must not repeat "
                    "another's files (its speakers would train while they validate or test): point it elsewhere"
                )
            owner[path] = (here, r["split"])
        found = corpus_rows.speakers_of(extra)
        clash = sorted(found & speakers.keys())
        if clash:
            raise InputError(f"speaker {clash[0]} of {here} is a speaker of {speakers[clash[0]]} too; rename the entry")
        speakers.update(dict.fromkeys(found, here))
        for split, joins in (("train", "training"), ("val", "validation")):
            rows_of = [r for r in extra if r["split"] == split]
            if rows_of or split == "train":
                n = len(corpus_rows.speakers_of(rows_of))
                log.info("%s: %d speakers, %d utterances join the %s speakers", here, n, len(rows_of), joins)
        merged += extra
    return merged
