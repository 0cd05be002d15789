"""The shipped configs validate, and config/README.md's configuration table matches the schema."""

import copy
from pathlib import Path

import pytest
import yaml
from run_configs import merged

from ge2e import schema
from tools import configdoc

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "config" / "schema.yaml"


@pytest.mark.parametrize(
    "layers",
    [["config.yaml"], ["config.yaml", "tiny.yaml"], ["config.yaml", "paper.yaml"], ["config.yaml", "voxceleb.yaml"]],
)
def test_shipped_configs_validate(layers):
    config = merged(*layers)
    schema.validate(copy.deepcopy(config))


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
    assert config["corpus"]["tisv_format"] == "voxceleb"


ROOT_KEYS = ("timit_root", "snips_root", "root", "train_roots", "test_root")


@pytest.mark.parametrize("name", ["paper.yaml", "voxceleb.yaml"])
def test_an_overlay_for_your_own_copies_sets_no_folder_and_says_which_keys_to_set(name):
    """Layered after a user's config (or before it), an overlay must not replace the folders the user set."""
    text = (ROOT / "config" / name).read_text()

    def keys(node):
        for key, value in node.items():
            yield key
            if isinstance(value, dict):
                yield from keys(value)

    assert not set(keys(yaml.safe_load(text).get("corpus", {}))) & set(ROOT_KEYS)
    wanted = {
        "paper.yaml": ["corpus.timit_root", "corpus.snips_root"],
        "voxceleb.yaml": ["corpus.voxceleb.train_roots"],
    }
    assert all(key in text for key in wanted[name]) and "/path/to" not in text


def test_no_shipped_config_holds_a_placeholder_folder():
    for path in (ROOT / "config").glob("*.yaml"):
        assert "/path/to/" not in path.read_text(), path


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
