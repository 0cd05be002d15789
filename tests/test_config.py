"""The shipped configs validate, and config/README.md's configuration table matches the schema."""

import copy
from pathlib import Path

import pytest
import yaml
from run_configs import merged
from snakemake.utils import validate

from tools import configdoc

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "config" / "schema.yaml"


@pytest.mark.parametrize(
    "layers",
    [
        ["config.yaml"],
        ["config.yaml", "tiny.yaml"],
        ["config.yaml", "paper.yaml"],
        ["config.yaml", "voxceleb.yaml"],
        ["config.yaml", "real-speech.yaml"],
        ["config.yaml", "real-speech-arabic.yaml"],
    ],
)
def test_shipped_configs_validate(layers):
    config = merged(*layers)
    validate(copy.deepcopy(config), str(SCHEMA))


def test_paper_config_is_paper_size():
    config = merged("config.yaml", "paper.yaml")
    assert config["model"] == {"hidden": 768, "layers": 3, "proj": 256}
    assert all(
        config["train"][t]["n_speakers"] == 64 and config["train"][t]["n_utterances"] == 10 for t in ("tdsv", "tisv")
    )


def test_voxceleb_config_is_paper_size_ti_sv_on_voxceleb():
    config = merged("config.yaml", "voxceleb.yaml")
    assert config["model"] == {"hidden": 768, "layers": 3, "proj": 256}
    assert config["train"]["tisv"]["n_speakers"] == 64 and config["train"]["tisv"]["n_utterances"] == 10
    assert config["corpus"]["tisv_format"] == "voxceleb" and config["corpus"]["voxceleb"]["test_root"]


def test_configuration_reference_matches_schema():
    expected = configdoc.markdown(yaml.safe_load(SCHEMA.read_text()))
    assert configdoc.section((ROOT / configdoc.PAGE).read_text()) == expected, (
        f"{configdoc.PAGE}'s configuration table is stale: run python tools/configdoc.py"
    )
    assert configdoc.section((ROOT / "README.md").read_text()) is None  # one copy of the table, not two


def test_every_default_key_is_documented():
    documented = {
        line.split("`")[1] for line in configdoc.markdown(yaml.safe_load(SCHEMA.read_text())).splitlines()[2:]
    }

    def leaves(node, prefix=""):
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else key
            if prefix == "lr_schedules":
                yield from (f"lr_schedules.<name>.{k}" for k in value)
            elif isinstance(value, dict):
                yield from leaves(value, path)
            else:
                yield path

    assert set(leaves(merged("config.yaml"))) <= documented


def test_the_keys_of_an_object_among_a_keys_alternatives_are_documented_too():
    rows = configdoc.markdown(yaml.safe_load(SCHEMA.read_text())).splitlines()
    keys = [line.split("`")[1] for line in rows[2:]]
    at = keys.index("evaluate.external.<name>")  # a folder, or {root, speakers}
    assert "string \\| object" in rows[2 + at]
    assert keys[at + 1 : at + 7] == [
        "evaluate.external.<name>.root",
        "evaluate.external.<name>.speakers.split.val",
        "evaluate.external.<name>.speakers.split.test",
        "evaluate.external.<name>.speakers.seed",
        "evaluate.external.<name>.speakers.part",
        "evaluate.trials.<name>.root",
    ]
