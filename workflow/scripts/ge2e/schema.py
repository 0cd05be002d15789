"""The defaults of ``config/schema.yaml``, for code that builds settings outside Snakemake.

The schema is the only source of defaults: the dataclasses built from config
(``FeatureParams``, ``TrainParams``, ...) have required fields, and Snakemake fills a
config from the schema before any rule sees it. Tests and benchmarks, which build those
dataclasses without a config, ask this module for the same values.
"""

import functools
from pathlib import Path

import yaml

from ge2e.errors import InputError

SCHEMA = Path(__file__).resolve().parents[3] / "config" / "schema.yaml"


def defaults(section, schema_path=SCHEMA):
    """The defaults of the config section at dotted ``section`` (e.g. ``"features.params"``, or a definition such as
    ``"definitions.speaker_split"``), as a dict.

    Each property's own ``default`` wins; an object without one gets its properties' defaults
    (as Snakemake's validation fills them); a property with neither is left out.
    """
    schema = yaml.safe_load(Path(schema_path).read_text())
    return _defaults(schema, _node(schema, section))


def filled(values, section, schema_path=SCHEMA):
    """``values`` (a dict) with the defaults of the section at dotted ``section`` filled in where it has no key, nested
    sections key by key (as Snakemake's validation fills a config)."""
    return _fill(values, defaults(section, schema_path))


def _fill(values, default):
    out = dict(values)
    for key, value in default.items():
        if key not in out:
            out[key] = value
        elif isinstance(value, dict) and isinstance(out[key], dict):
            out[key] = _fill(out[key], value)
    return out


def _node(schema, section):
    """The schema of the config section at dotted ``section``: a path of properties, or ``definitions.<name>`` for a
    definition (the schema of a section written under several keys, such as ``definitions.speaker_split``)."""
    keys = section.split(".")
    node = schema
    if keys[0] == "definitions":
        node, keys = schema["definitions"][keys[1]], keys[2:]
    for key in keys:
        node = _resolve(schema, node)["properties"][key]
    return node


def _resolve(schema, node):
    """``node`` with a ``$ref`` to ``#/definitions/<name>`` replaced by that definition (its own keys win)."""
    if "$ref" not in node:
        return node
    ref = node["$ref"].removeprefix("#/definitions/")
    return {**schema["definitions"][ref], **{k: v for k, v in node.items() if k != "$ref"}}


def _defaults(schema, node):
    node = _resolve(schema, node)
    out = {}
    for key, child in node.get("properties", {}).items():
        child = _resolve(schema, child)
        if "properties" in child:
            out[key] = {**_defaults(schema, child), **child.get("default", {})}
        elif "default" in child:
            out[key] = child["default"]
    return out


@functools.cache
def _validator(schema_path=SCHEMA):
    import jsonschema

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return jsonschema.Draft202012Validator(yaml.load(Path(schema_path).read_text(), Loader=loader))


def check(config, where, schema_path=SCHEMA):
    """Raise InputError (``where``: the config key to name) when ``config`` breaks the schema.

    For configs built from one Snakemake has already validated and filled with defaults (an experiment
    variant's): the schema is read once, however many configs are checked, and nothing is filled in.
    """
    import jsonschema

    error = jsonschema.exceptions.best_match(_validator(schema_path).iter_errors(config))
    if error is not None:
        at = ".".join(map(str, error.absolute_path)) or "the top level"
        raise InputError(f"{where}: the merged config is invalid at {at}: {error.message}")


@functools.cache
def _section_validator(section, schema_path=SCHEMA):
    import jsonschema

    schema = yaml.safe_load(Path(schema_path).read_text())
    node = _node(schema, section)
    # The section's own schema, with the definitions its $refs point at.
    return jsonschema.Draft202012Validator({**_resolve(schema, node), "definitions": schema["definitions"]})


def check_section(values, section, where, schema_path=SCHEMA):
    """Raise InputError when ``values`` (a dict) breaks the schema of the config section at dotted ``section``
    (e.g. ``corpus.voxceleb``): for a section's keys written elsewhere in a config (an extra training corpus's),
    named from ``where`` (the config key that holds them). Nothing is filled in."""
    import jsonschema

    error = jsonschema.exceptions.best_match(_section_validator(section, schema_path).iter_errors(values))
    if error is not None:
        at = "".join(f".{part}" for part in error.absolute_path)
        raise InputError(f"config key {where}{at}: {error.message}")
