"""The TI-SV corpus formats (config key ``corpus.tisv_format``): each one's reader and name.

TIMIT, the default and the layout the built-in corpus is written in, is converted to wav by
its own rule (``convert_timit``, ``ge2e.corpus.timit``). Every other format is listed where it
lies by rule ``convert_tisv`` through the reader named here: each reader module has a ``Spec``
(its config section ``corpus.<format>``, every field required: the schema holds the defaults),
``NAME``, and ``manifest_rows(spec, policy, seed, threads)`` (policy: a ``ge2e.audio.ReadPolicy``).
"""

from ge2e.corpus import folder, librispeech, vctk, voxceleb

TIMIT = "timit"
READERS = {"librispeech": librispeech, "vctk": vctk, "voxceleb": voxceleb, "folder": folder}
FORMATS = (TIMIT, *READERS)
NAMES = {TIMIT: "TIMIT", **{name: reader.NAME for name, reader in READERS.items()}}


def spec(name, section):
    """The ``Spec`` of format ``name`` from its config section (a dict)."""
    return READERS[name].Spec(**section)


def manifest_rows(name, section, policy, seed, threads=1):
    """Manifest rows (speaker, utterance, path, split, duration) of a corpus in format ``name``."""
    return READERS[name].manifest_rows(spec(name, section), policy, seed, threads)
