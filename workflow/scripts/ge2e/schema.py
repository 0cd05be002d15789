"""The config schema, ``config/schema.yaml``: the run's config checked and filled in, and its defaults for code
that builds settings outside Snakemake.

The schema is the only source of defaults: the dataclasses built from config (``FeatureParams``,
``TrainParams``, ...) have required fields, and :func:`validate` fills a run's config from the schema before any
rule sees it (as ``snakemake.utils.validate(config, schema, set_default=True)`` would, to the same config). Tests
and benchmarks, which build those dataclasses without a config, ask :func:`defaults` for the same values.

A config that breaks the schema is refused with one line (:func:`problem`): the key, the value, what the key
allows, and for a key the schema does not know the nearest one that it does; where the config was merged from
files, the file that set the key.
"""

import copy
import difflib
import functools
import json
import os
import re
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
        if "properties" in child and isinstance(child.get("default", {}), dict):  # a section (not one null by default)
            out[key] = {**_defaults(schema, child), **child.get("default", {})}
        elif "default" in child:
            out[key] = child["default"]
    return out


@functools.cache
def _schema(schema_path=SCHEMA):
    """The parsed schema, read once per process (never changed: defaults are copied out of it)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(Path(schema_path).read_text(), Loader=loader)


@functools.cache
def _validator(schema_path=SCHEMA):
    import jsonschema

    return jsonschema.Draft202012Validator(_schema(schema_path))


@functools.cache
def _filling_validator(schema_path=SCHEMA):
    """A validator that fills in defaults while it checks: Snakemake's ``validate(set_default=True)``, the
    jsonschema FAQ's ``extend_with_default`` on Draft 2020-12. Each ``properties`` keyword met sets every property
    that has a ``default`` and is absent, before checking the properties: in the order Snakemake sets them, so the
    filled config is the one Snakemake's validation gives. Defaults are copied (Snakemake reads the schema afresh
    for each config; this one is read once) and only objects get them (Snakemake would fail on another value)."""
    import jsonschema
    from jsonschema import validators

    base = jsonschema.Draft202012Validator
    check_properties = base.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, child in properties.items():
                if "default" in child and name not in instance:
                    instance[name] = copy.deepcopy(child["default"])
        yield from check_properties(validator, properties, instance, schema)

    return validators.extend(base, {"properties": set_defaults})(_schema(schema_path))


def validate(config, layers=(), schema_path=SCHEMA):
    """Check the run's ``config`` against the schema and fill in its defaults, in place; InputError with one line
    (:func:`problem`) for the first thing wrong.

    ``layers``: (name, dict) of what the config was merged from, in order (:func:`layers`), so that the line names
    the file that set a wrong key.
    """
    errors = list(_filling_validator(schema_path).iter_errors(config))
    if errors:
        raise InputError(problem(_first(errors), _schema(schema_path), layers=layers))
    return config


def layers(files, overrides=None):
    """(name, dict) of each config file in ``files`` that exists, in the order they are merged, then ``overrides``
    (Snakemake's ``--config``) if any: what :func:`validate` names where a key was set. Names are relative to the
    working directory where the file is below it."""
    out = []
    for path in map(Path, files):
        if path.is_file():
            data = yaml.safe_load(path.read_text())
            name = os.path.relpath(path) if path.resolve().is_relative_to(Path.cwd().resolve()) else str(path)
            out.append((name, data if isinstance(data, dict) else {}))
    if overrides:
        out.append(("--config", dict(overrides)))
    return out


def origin(parts, layers):
    """The name of the last of ``layers`` that sets the key at ``parts`` (its path, a sequence of keys), or None."""
    for name, data in reversed(layers):
        node = data
        for part in parts:
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and part < len(node):
                node = node[part]
            else:
                break
        else:
            return name
    return None


def check(config, where, schema_path=SCHEMA):
    """Raise InputError when ``config``, a whole config, breaks the schema: one line (:func:`problem`) naming the
    key below ``where`` (the config key that holds this config, e.g. ``experiments.variants.fast``).

    For configs built from one already validated and filled in (an experiment variant's): the schema is read once,
    however many configs are checked, and nothing is filled in.
    """
    errors = list(_validator(schema_path).iter_errors(config))
    if errors:
        raise InputError(problem(_first(errors), _schema(schema_path), where))


@functools.cache
def _section_validator(section, schema_path=SCHEMA):
    import jsonschema

    return jsonschema.Draft202012Validator(_section_schema(section, schema_path))


@functools.cache
def _section_schema(section, schema_path=SCHEMA):
    """The schema of the config section at dotted ``section``, with the definitions its $refs point at."""
    schema = _schema(schema_path)
    return {**_resolve(schema, _node(schema, section)), "definitions": schema["definitions"]}


def check_section(values, section, where, schema_path=SCHEMA):
    """Raise InputError when ``values`` (a dict) breaks the schema of the config section at dotted ``section``
    (e.g. ``corpus.voxceleb``): for a section's keys written elsewhere in a config (an extra training corpus's),
    named from ``where`` (the config key that holds them). Nothing is filled in."""
    errors = list(_section_validator(section, schema_path).iter_errors(values))
    if errors:
        raise InputError(problem(_first(errors), _section_schema(section, schema_path), where))


# The one line of a config error.


def _first(errors):
    """The error to tell: a key the schema does not know (a misspelling explains the rest, e.g. a required key
    that seems missing), else a missing key, else the first error in the config's order."""
    for kind in (_unknown_key, lambda e: e.validator == "required"):
        for error in errors:
            if kind(error):
                return error
    return errors[0]


def _unknown_key(error):
    return error.validator == "additionalProperties" and error.validator_value is False


def key_name(parts):
    """A key's dotted name from its path: ``train.tisv.frames[1]``."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def problem(error, schema, where="", layers=()):
    """The one line telling a jsonschema ``error`` of a config checked against ``schema``: ``config key <key>``
    (below ``where``, the key that holds the config, if any), where it was set (:func:`origin` in ``layers``), the
    value and what is allowed; for an unknown key the nearest known key, for a missing one what it takes."""
    parts = list(error.absolute_path)
    node = _node_at(schema, parts)
    if _unknown_key(error):
        known = list(error.schema.get("properties", {}))
        patterns = list(error.schema.get("patternProperties", {}))
        extra = next(k for k in error.instance if k not in known and not any(re.search(p, k) for p in patterns))
        key = [*parts, extra]
        nearest = _nearest(schema, parts, extra, known)
        if nearest:
            hint = f"did you mean {' or '.join(_full(where, path) for path in nearest)}?"
        else:
            hint = f"{key_name(parts) or 'the top level'} takes {', '.join(known)}"
        return _line(where, key, layers, f"is not a known key; {hint}")
    if error.validator == "required":
        missing = next(k for k in error.validator_value if k not in error.instance)
        child = _resolve(schema, node).get("properties", {}).get(missing)
        allowed = f": {_describe(child, schema)}" if child is not None else ""
        return _line(where, [*parts, missing], (), f"is missing; it is required{allowed}")
    if "propertyNames" in error.schema_path:
        name = error.instance
        allowed = _describe(_resolve(schema, node).get("propertyNames", {}), schema, "a name")
        return _line(where, [*parts, name], layers, f"is not an allowed name: names here are {allowed}")
    hint = ""
    if "enum" in _resolve(schema, node) and isinstance(error.instance, str):
        close = difflib.get_close_matches(error.instance, [str(v) for v in _resolve(schema, node)["enum"]], n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
    return _line(where, parts, layers, f"is {_show(error.instance)}; expected {_describe(node, schema)}{hint}")


def _full(where, parts):
    """The dotted name of the key at ``parts`` below ``where``."""
    return ".".join(filter(None, [where, key_name(parts)]))


def _line(where, parts, layers, text):
    key = _full(where, parts)
    source = origin(parts, layers) if layers else None
    return f"config key {key}{f' (set in {source})' if source else ''} {text}"


def _node_at(schema, parts):
    """The schema of the config value at ``parts`` (through properties, additionalProperties and items); {} where
    the schema says nothing."""
    node = schema
    for part in parts:
        node = _resolve(schema, node)
        if isinstance(part, int):
            node = node.get("items", {})
        elif part in node.get("properties", {}):
            node = node["properties"][part]
        else:
            extra = node.get("additionalProperties")
            node = extra if isinstance(extra, dict) else {}
    return _resolve(schema, node)


def _known_keys(schema, node=None, prefix=()):
    """The path of every key the schema names, an entry of a mapping of names as ``<name>``."""
    node = _resolve(schema, schema if node is None else node)
    for name, child in node.get("properties", {}).items():
        yield (*prefix, name)
        yield from _known_keys(schema, child, (*prefix, name))
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        yield from _known_keys(schema, extra, (*prefix, "<name>"))


def _nearest(schema, parts, extra, known):
    """The paths of the known keys nearest to unknown key ``extra`` under ``parts``: a sibling spelled alike, else
    the keys of that name (or spelled alike) elsewhere in the schema, e.g. ``timit_root`` written at the top level;
    [] when none is alike."""
    close = difflib.get_close_matches(extra, known, n=1)
    if close:
        return [[*parts, close[0]]]
    everywhere = list(_known_keys(schema))
    close = difflib.get_close_matches(extra, sorted({path[-1] for path in everywhere}), n=1)
    return [path for path in everywhere if close and path[-1] == close[0]][:3]


def _show(value, limit=80):
    """A config value as YAML would write it in flow style (null, true, "text", [1, 2]), cut at ``limit``."""
    text = json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_TYPES = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "null",
}
_BOUNDS = (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="), ("exclusiveMaximum", "<"))


def _describe(node, schema, noun="a value"):
    """What a schema ``node`` allows, in words: "an integer >= 1", "one of skip, fail", "null or an integer >= 1
    or mix", "a list of 2 items, each an integer >= 1"."""
    node = _resolve(schema, node)
    if "enum" in node:
        values = [v if isinstance(v, str) else _show(v) for v in node["enum"]]
        return values[0] if len(values) == 1 else f"one of {', '.join(values)}"
    if "const" in node:
        return _show(node["const"])
    for key in ("anyOf", "oneOf"):
        if key in node:
            return " or ".join(_describe(alternative, schema) for alternative in node[key])
    kind = node.get("type")
    if isinstance(kind, list):  # e.g. [null, string]: each type with the node's other constraints
        return " or ".join(_describe({**node, "type": one}, schema, noun) for one in kind)
    if kind == "array":
        return _describe_list(node, schema)
    text = _TYPES.get(kind, noun)
    if kind == "string" and node.get("minLength"):
        text = "a non-empty string"
    bounds = [f"{op} {node[key]}" for key, op in _BOUNDS if key in node]
    if bounds:
        text += " " + " and ".join(bounds)
    if "pattern" in node:
        text += f" matching {node['pattern']}"
    if "not" in node:
        text += f" other than {_describe(node['not'], schema)}"
    if kind == "object" and node.get("minProperties"):
        text += f" of at least {node['minProperties']} entr{'y' if node['minProperties'] == 1 else 'ies'}"
    return text


def _describe_list(node, schema):
    lo, hi = node.get("minItems"), node.get("maxItems")
    if lo is not None and lo == hi:
        text = f"a list of {lo} item{'s' if lo != 1 else ''}"
    elif lo:
        text = f"a list of at least {lo} item{'s' if lo != 1 else ''}"
    else:
        text = "a list"
    if hi is not None and hi != lo:
        text += f" (at most {hi})"
    if "items" in node:
        text += f", each {_describe(node['items'], schema)}"
    if node.get("uniqueItems"):
        text += ", without repeats"
    return text
