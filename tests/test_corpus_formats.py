"""The corpus formats (ge2e.corpus.formats): one reader per format read where it lies (TI-SV: all but TIMIT; TD-SV:
all but Snips), each with the interface rules convert_tisv and convert_tdsv call, and a Spec whose fields are exactly
its config section's keys in the schema (but the download switch, which no reader takes)."""

import dataclasses
import inspect
from pathlib import Path

import yaml
from audio_files import read_policy
from layouts import write_folder

from ge2e import schema
from ge2e.corpus import formats

SCHEMA = Path(__file__).resolve().parents[1] / "config" / "schema.yaml"


def test_formats_are_the_schemas_and_every_reader_has_the_interface():
    corpus = yaml.safe_load(SCHEMA.read_text())["properties"]["corpus"]["properties"]
    assert tuple(corpus["tisv_format"]["enum"]) == formats.FORMATS and formats.FORMATS[0] == formats.TIMIT
    assert tuple(corpus["tdsv_format"]["enum"]) == formats.TDSV_FORMATS and formats.TDSV_FORMATS[0] == formats.SNIPS
    assert corpus["tisv_format"]["default"] == formats.TIMIT and corpus["tdsv_format"]["default"] == formats.SNIPS
    for name, reader in {**formats.READERS, **formats.TDSV_READERS}.items():
        assert isinstance(reader.NAME, str) and reader.KEY == f"corpus.{name}"
        params = list(inspect.signature(reader.manifest_rows).parameters)
        assert params == ["spec", "policy", "seed", "threads"], name
        section = corpus[name]["properties"]
        keys = [key for key in section if key != formats.DOWNLOAD]  # the download switch is no reader setting
        assert sorted(f.name for f in dataclasses.fields(reader.Spec)) == sorted(keys), name
        assert all("default" in node for node in section.values()), f"{name}: the schema holds every default"
        assert formats.spec(name, schema.defaults(f"corpus.{name}")).paths()[0][0].startswith(reader.KEY)
    for name, reader in formats.READERS.items():  # as an extra training corpus (ge2e.corpus.extra)
        assert list(inspect.signature(reader.training_rows).parameters) == ["spec", "policy", "threads"], name
        assert set(reader.SPLIT_KEYS) < {f.name for f in dataclasses.fields(reader.Spec)}, name


def test_manifest_rows_dispatch_to_the_reader(tmp_path):
    root = write_folder(tmp_path / "set", speakers=5, per_speaker=2)
    section = {**schema.defaults("corpus.folder"), "root": str(root), "val_fraction": 0.25}
    assert formats.spec("folder", section).root == str(root)
    rows = formats.manifest_rows("folder", section, read_policy(), seed=4)
    assert sorted({r["speaker"]: r["split"] for r in rows}.values()) == ["test", "train", "train", "train", "val"]
    assert formats.NAMES["timit"] == "TIMIT" and formats.NAMES["librispeech"] == "LibriSpeech"
    assert formats.NAMES["snips"] == "Snips" and formats.NAMES["speech_commands"] == "Speech Commands"
