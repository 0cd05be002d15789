"""Run configs as the workflow gets them, for tests of the run planner (ge2e.plan) without a Snakemake run:
config/config.yaml and further layers merged as Snakemake's --configfile merges them, then validated against
config/schema.yaml, which fills in its defaults (ge2e.schema.validate, as common.smk calls it)."""

import copy
import re
import textwrap
from pathlib import Path

import yaml

from ge2e import schema

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "config" / "schema.yaml"


def update(base, extra):
    """``base`` with ``extra`` merged in, nested keys key by key (in place; returned)."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            update(base[key], value)
        else:
            base[key] = value
    return base


def merged(*names):
    """Config files of config/ layered as Snakemake's --configfile does (not validated)."""
    config = {}
    for name in names:
        update(config, yaml.safe_load((ROOT / "config" / name).read_text()))
    return config


def run_config(*layers, base=("config.yaml", "tiny.yaml")):
    """The validated config of ``base`` (files of config/) with ``layers`` on top: YAML text or dicts."""
    config = merged(*base)
    for layer in layers:
        update(config, copy.deepcopy(yaml.safe_load(layer) if isinstance(layer, str) else layer))
    schema.validate(config)
    return config


COMMON = ROOT / "workflow" / "rules" / "common.smk"


def start_up(*layers, base=("config.yaml",)):
    """The start-up of the workflow in this process: the ``try:`` block of workflow/rules/common.smk (the config
    checked against the schema, naming the file that set a wrong key, then the start-up checks), run as it stands
    there with common.smk's imports, on the files ``base`` of config/ (config.yaml, the Snakefile's, first), then
    ``layers``: (file name, YAML text) pairs, merged as ``snakemake --configfile`` merges them. Returns the block's
    globals; raises the InputError whose message a Snakemake run prints and stops on before any job
    (tests/test_pipeline.py checks that for a few)."""
    text = COMMON.read_text()
    block = re.search(r"^try:\n(.*?)^except InputError as _exc:\n", text, re.M | re.S)
    assert block, f"{COMMON} has no try: ... except InputError block"
    files = [(f"config/{name}", yaml.safe_load((ROOT / "config" / name).read_text())) for name in base]
    files += [(name, yaml.safe_load(layer)) for name, layer in layers]
    config = {}
    for _, data in files:
        update(config, copy.deepcopy(data))
    imports = [line for line in text.splitlines() if line.startswith(("import ge2e", "from ge2e"))]
    namespace = {"config": config, "CONFIG_LAYERS": files}
    exec("\n".join(imports), namespace)
    exec(textwrap.dedent(block[1]), namespace)
    return namespace
