"""The configuration reference's table, generated from ``config/schema.yaml`` so they cannot drift.

``python tools/configdoc.py`` rewrites the table between the ``<!-- config:start -->`` and
``<!-- config:end -->`` markers of ``config/README.md`` (the reference sits beside the configs it
describes); tests/test_config.py fails when they differ.
"""

import json
import re
import sys
from pathlib import Path

import yaml

START, END = "<!-- config:start -->", "<!-- config:end -->"
PAGE = Path("config") / "README.md"  # relative to the repository root


def _kind(node):
    """The type column: enum values, a type, or (``anyOf``) each alternative's, joined by |."""
    if "anyOf" in node:
        return " \\| ".join(_kind(alternative) for alternative in node["anyOf"])
    return " \\| ".join(str(v) for v in node["enum"]) if "enum" in node else node.get("type", "")


def _rows(node, schema, prefix, required=False):
    """(key, type, default, description) of every leaf key under ``node``."""
    if "$ref" in node:
        ref = node["$ref"].split("/")[-1]
        node = {**schema["definitions"][ref], **{k: v for k, v in node.items() if k != "$ref"}}
    if node.get("type") == "object" and ("properties" in node or "additionalProperties" in node):
        for name, child in node.get("properties", {}).items():
            key = f"{prefix}.{name}" if prefix else name
            yield from _rows(child, schema, key, name in node.get("required", ()))
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            yield from _rows(extra, schema, f"{prefix}.<name>")
        return
    kind = _kind(node)
    if "default" in node:
        default = f"`{json.dumps(node['default'])}`"
    else:
        default = "required" if required else ""
    yield prefix, kind, default, node.get("description", "")
    # An object among the alternatives (evaluate.external.<name>: a folder, or {root, speakers}): its keys too.
    for alternative in node.get("anyOf", ()):
        if alternative.get("type") == "object" and "properties" in alternative:
            yield from _rows(alternative, schema, prefix)


def markdown(schema):
    """The configuration table for ``schema`` (a parsed JSON schema)."""
    lines = ["| key | type | default | description |", "|---|---|---|---|"]
    for key, kind, default, description in _rows(schema, schema, ""):
        lines.append(f"| `{key}` | {kind} | {default} | {description} |")
    return "\n".join(lines) + "\n"


def section(page_text):
    """The page's current table between the markers."""
    match = re.search(re.escape(START) + r"\n(.*?)" + re.escape(END), page_text, re.DOTALL)
    return match.group(1) if match else None


def main():
    root = Path(__file__).resolve().parents[1]
    schema = yaml.safe_load((root / "config" / "schema.yaml").read_text())
    page = root / PAGE
    text = page.read_text()
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        sys.exit(f"{page}: no {START} ... {END} markers")
    page.write_text(text[: start + len(START)] + "\n" + markdown(schema) + text[end:])


if __name__ == "__main__":
    main()
