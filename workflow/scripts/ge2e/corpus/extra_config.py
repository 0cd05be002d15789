"""The config of the extra TI-SV training corpora (``corpus.tisv_extra_train``, ``ge2e.corpus.extra``): each
entry's reader section, what must exist before any job runs, and how the run names it.

Used in the Snakemake process (``common.smk``), which validates config: the schema's defaults and checks
live here, apart from ``ge2e.corpus.extra``, which the rules' jobs import in environments without the
schema's packages.
"""

from ge2e import schema
from ge2e.corpus import formats
from ge2e.corpus.extra import BUILTIN, FORMATS, KEY, SPEAKERS, reader_section, renamed
from ge2e.corpus.speaker_split import SpeakerSplit
from ge2e.errors import InputError
from ge2e.systems import builtin_name


def section(name, entry, main_builtin):
    """(format, the reader's config section) of extra corpus ``name``, from ``entry`` (its config: ``format`` and
    that format's keys), with the schema's defaults of ``corpus.<format>`` filled in and checked against it; the
    entry's ``speakers`` split (:func:`speaker_split`) beside them where it splits.

    ``main_builtin``: whether the main TI-SV corpus is the built-in one, which cannot train twice. InputError
    names the key under ``corpus.tisv_extra_train.<name>``.
    """
    where = f"{KEY}.{name}"
    fmt = entry.get("format")
    if fmt not in FORMATS:
        raise InputError(f"config key {where}.format is {fmt!r}; use one of {', '.join(FORMATS)}")
    keys = {key: value for key, value in entry.items() if key not in ("format", SPEAKERS)}
    speakers = speaker_split(entry, where) if fmt != BUILTIN else None
    if fmt != BUILTIN:
        split = sorted(set(keys) & set(formats.READERS[fmt].SPLIT_KEYS))
        if split:
            raise InputError(
                f"config key {where}.{split[0]}: an extra training corpus holds out no speakers by its reader's keys "
                f"(all of its training part train); split them with {where}.{SPEAKERS} (counts and a seed): remove "
                "the key"
            )
        if keys.get(formats.DOWNLOAD):
            raise InputError(
                f"config key {where}.download: only the main corpus is downloaded (corpus.{fmt}.download); unpack "
                "this one yourself and point the entry at it"
            )
        filled = {**schema.defaults(f"corpus.{fmt}"), **keys}
        schema.check_section(filled, f"corpus.{fmt}", where)
        section = formats.reader_section(filled)
        return fmt, {**section, SPEAKERS: speakers} if speakers else section
    others = sorted(set(entry) - {"format"})
    if others:
        raise InputError(
            f"config key {where}: format builtin takes no other key (got {', '.join(others)}); its size is "
            "builtin.timit's"
        )
    if main_builtin:
        raise InputError(
            f"config key {where}: the main TI-SV corpus is the built-in one already (corpus.timit_root: builtin); "
            "remove the entry or point the main corpus at real speech"
        )
    return fmt, {}


def speaker_split(entry, where):
    """The entry's ``speakers`` with the schema's defaults (``definitions.speaker_split``), or None where it splits
    no one (absent, or both counts 0). ``part`` is an external set's key: an extra corpus uses every part."""
    given = entry.get(SPEAKERS)
    if given is None:
        return None
    if isinstance(given, dict) and "part" in given:
        raise InputError(
            f"config key {where}.{SPEAKERS}.part: an extra training corpus uses every part of its split (train trains, "
            "val validates, test is left out for evaluate.external); remove the key"
        )
    values = schema.filled(given, "definitions.speaker_split")
    schema.check_section(values, "definitions.speaker_split", f"{where}.{SPEAKERS}")
    return values if SpeakerSplit.of(values) else None


def paths(name, fmt, section):
    """(config key, path, kind) of what must exist before any job runs (``ge2e.corpus.rows.check_paths``); none
    for the built-in corpus, which the workflow writes."""
    if fmt == BUILTIN:
        return []
    spec = formats.spec(fmt, reader_section(section))
    return [(renamed(key, name, fmt), path, kind) for key, path, kind in spec.paths()]


def where(fmt, section):
    """How the table, the run summary and the report name the corpus: its format and the folders it is read from
    (the reader's ``where`` would describe a split that an extra corpus does not have)."""
    if fmt == BUILTIN:
        return builtin_name("tisv")
    spec = formats.spec(fmt, reader_section(section))
    folders = [path for _, path, kind in spec.paths() if kind == "folder" and path]
    subsets = f" ({' + '.join(section['train_subsets'])})" if "train_subsets" in section else ""
    split = SpeakerSplit.of(section.get(SPEAKERS))
    split = f", speakers split {split.describe()}: train and val parts" if split else ""
    return f"{formats.NAMES[fmt]} at {' + '.join(folders)}{subsets}{split}"
