"""The corpus formats of each task (config keys ``corpus.tisv_format``, ``corpus.tdsv_format``): each one's
reader and name.

TIMIT, the default TI-SV format and the layout the built-in corpus is written in, is converted to
wav by its own rule (``convert_timit``, ``ge2e.corpus.timit``); Snips, the default TD-SV format and
the built-in keyword corpus's layout, by ``convert_snips`` (``ge2e.corpus.snips``). Every other
format is listed where it lies, by rule ``convert_tisv`` or ``convert_tdsv``, through the reader
named here: each reader module has a ``Spec`` (its config section ``corpus.<format>``, every field
required: the schema holds the defaults), ``NAME``, ``KEY``, and ``manifest_rows(spec, policy,
seed, threads)`` (policy: a ``ge2e.audio.files.ReadPolicy``). A TI-SV reader also has
``training_rows(spec, policy, threads)``, every speaker of its training part with nothing held out
(for an extra training corpus, ``ge2e.corpus.extra``), and ``SPLIT_KEYS``, the keys that rows of
that kind do not use.

A format's config section may also hold ``download`` (LibriSpeech, Speech Commands): the switch of
its download rule (``ge2e.fetch.obtain``), which is no reader setting: ``reader_section`` leaves it out.
"""

from ge2e.corpus import folder, librispeech, speaker_split, speech_commands, vctk, voxceleb
from ge2e.systems import CORPUS_NAMES

TIMIT = "timit"
READERS = {"librispeech": librispeech, "vctk": vctk, "voxceleb": voxceleb, "folder": folder}
FORMATS = (TIMIT, *READERS)
DOWNLOAD = "download"  # corpus.<format>.download: the download rule's switch
SPEAKERS = "speakers"  # corpus.speech_commands/folder.speakers: a split by counts (ge2e.corpus.speaker_split)
SNIPS = "snips"
TDSV_READERS = {"speech_commands": speech_commands}
TDSV_FORMATS = (SNIPS, *TDSV_READERS)
NAMES = {
    TIMIT: CORPUS_NAMES["tisv"],
    SNIPS: CORPUS_NAMES["tdsv"],
    **{name: reader.NAME for name, reader in {**READERS, **TDSV_READERS}.items()},
}


def _reader(name):
    return READERS[name] if name in READERS else TDSV_READERS[name]


def reader_section(section):
    """A format's config section without the download switch: what its reader's ``Spec`` takes. Without
    ``speakers`` too where that splits no one (Speech Commands, a folder: both counts 0, the default), so a rule's
    params are those of runs made before the key existed."""
    return {
        key: value
        for key, value in section.items()
        if key != DOWNLOAD and not (key == SPEAKERS and not speaker_split.SpeakerSplit.of(value))
    }


def spec(name, section):
    """The ``Spec`` of format ``name`` (of either task) from its config section (a dict)."""
    return _reader(name).Spec(**reader_section(section))


def manifest_rows(name, section, policy, seed, threads=1):
    """Manifest rows (speaker, utterance, path, split, duration) of a corpus in format ``name``."""
    return _reader(name).manifest_rows(spec(name, section), policy, seed, threads)


def training_rows(name, section, policy, threads=1):
    """Rows of every speaker of the training part of a TI-SV corpus in format ``name``, all split train."""
    return READERS[name].training_rows(spec(name, section), policy, threads)
