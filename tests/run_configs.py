"""Run configs as the workflow gets them, for tests of the run planner (ge2e.plan) without a Snakemake run:
config/config.yaml and further layers merged as Snakemake's --configfile merges them, then validated against
config/schema.yaml, which fills in its defaults (ge2e.schema.validate, as common.smk calls it)."""

import copy
from pathlib import Path

import yaml

from ge2e import schema
from ge2e.plan.start_up import plan

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


def start_up(*layers, base=("config.yaml",)):
    """The workflow's start-up (ge2e.plan.start_up.plan, as workflow/rules/common.smk calls it) in this process, on
    the files ``base`` of config/ (config.yaml, the Snakefile's, first), then ``layers``: (file name, YAML text)
    pairs, merged as ``snakemake --configfile`` merges them. Returns the plan; raises the InputError whose message a
    Snakemake run prints and stops on before any job (tests/test_pipeline.py checks that for a few)."""
    files = [(f"config/{name}", yaml.safe_load((ROOT / "config" / name).read_text())) for name in base]
    files += [(name, yaml.safe_load(layer)) for name, layer in layers]
    config = {}
    for _, data in files:
        update(config, copy.deepcopy(data))
    return plan(config, files)
