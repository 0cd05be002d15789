"""The configuration reference's table, generated from ``config/schema.yaml`` and ``config/config.yaml`` so they
cannot drift.

``python tools/configdoc.py`` rewrites the table between the ``<!-- config:start -->`` and
``<!-- config:end -->`` markers of ``config/README.md`` (the reference sits beside the configs it
describes); tests/test_config.py fails when they differ. The default column is the value a run gets
when no config of one's own sets the key: config/config.yaml's (what ``make demo`` runs, and what every
run is layered on), with the schema's own default beside it where the two differ (what an extra training
corpus's section or a key config.yaml leaves out gets).
"""

import json
import re
import sys
from pathlib import Path

import yaml

START, END = "<!-- config:start -->", "<!-- config:end -->"
PAGE = Path("config") / "README.md"  # relative to the repository root


def _kind(node):
    """The type column: enum values, a type, or (``anyOf``, a list of types) each alternative's, joined by |."""
    if "anyOf" in node:
        return " \\| ".join(_kind(alternative) for alternative in node["anyOf"])
    if "enum" in node:
        return " \\| ".join(str(v) for v in node["enum"])
    kind = node.get("type", "")
    return " \\| ".join(kind) if isinstance(kind, list) else kind


def _rows(node, schema, prefix, required=False, about=""):
    """(key, type, schema default, description) of every leaf key under ``node``; a mapping of names whose entries
    say nothing of themselves is described by ``about``, the mapping's own description."""
    if "$ref" in node:
        ref = node["$ref"].split("/")[-1]
        node = {**schema["definitions"][ref], **{k: v for k, v in node.items() if k != "$ref"}}
    kinds = node.get("type") if isinstance(node.get("type"), list) else [node.get("type")]
    if "object" in kinds and ("properties" in node or "additionalProperties" in node):
        if len(kinds) > 1:  # a section that may also be null: a row of its own, then its keys
            yield prefix, _kind(node), _default(node, required), node.get("description", "")
        for name, child in node.get("properties", {}).items():
            key = f"{prefix}.{name}" if prefix else name
            yield from _rows(child, schema, key, name in node.get("required", ()))
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            yield from _rows(extra, schema, f"{prefix}.<name>", about=node.get("description", ""))
        return
    kind = _kind(node)
    if "default" in node:
        default = f"`{json.dumps(node['default'])}`"
    else:
        default = "required" if required else ""
    yield prefix, kind, default, node.get("description", about)
    # An object among the alternatives (evaluate.external.<name>: a folder, or {root, speakers}): its keys too.
    for alternative in node.get("anyOf", ()):
        if alternative.get("type") == "object" and "properties" in alternative:
            yield from _rows(alternative, schema, prefix)


_MISSING = object()


def _value(config, key):
    """The value at dotted ``key`` in ``config``, or _MISSING (a key of a mapping of names, ``<name>``, is never
    looked up)."""
    node = config
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _default(schema_default, value):
    """The default column: config/config.yaml's ``value`` where it sets the key, with the schema's default beside
    it where that differs."""
    if value is _MISSING:
        return schema_default
    shown = f"`{json.dumps(value)}`"
    if schema_default == shown:
        return shown
    if schema_default == "required":
        return f"{shown} (required)"
    return f"{shown} (schema: {schema_default})" if schema_default else shown


def markdown(schema, config=None):
    """The configuration table for ``schema`` (a parsed JSON schema), defaults as ``config`` (config/config.yaml,
    parsed) sets them."""
    lines = ["| key | type | default | description |", "|---|---|---|---|"]
    for key, kind, default, description in _rows(schema, schema, ""):
        shown = _default(default, _value(config or {}, key))
        lines.append(f"| `{key}` | {kind} | {shown} | {description} |")
    return "\n".join(lines) + "\n"


def section(page_text):
    """The page's current table between the markers."""
    match = re.search(re.escape(START) + r"\n(.*?)" + re.escape(END), page_text, re.DOTALL)
    return match.group(1) if match else None


def main():
    root = Path(__file__).resolve().parents[1]
    schema = yaml.safe_load((root / "config" / "schema.yaml").read_text())
    config = yaml.safe_load((root / "config" / "config.yaml").read_text())
    page = root / PAGE
    text = page.read_text()
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        sys.exit(f"{page}: no {START} ... {END} markers")
    page.write_text(text[: start + len(START)] + "\n" + markdown(schema, config) + text[end:])


if __name__ == "__main__":
    main()
