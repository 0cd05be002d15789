"""Standalone HTML pages in the results' one style: the EER table's and the run summary's.

Named ``htmlpage``, not ``html``: ``python workflow/scripts/ge2e/cli.py`` puts this folder first
on ``sys.path``, where a ``html.py`` would stand in for the standard library's ``html``.
"""

import html

STYLE = """
body { font-family: sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #bbb; padding: 0.3em 0.6em; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
th { background: #eee; }
"""


def html_table(header, rows):
    """One ``<table>`` of cell strings (escaped here)."""
    esc = html.escape
    lines = ["<table>", "<tr>" + "".join(f"<th>{esc(str(h))}</th>" for h in header) + "</tr>"]
    lines += ["<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in row) + "</tr>" for row in rows]
    return "\n".join(lines + ["</table>"])


def html_page(title, body):
    """A standalone page in the results' one style; ``body`` is a list of HTML fragments."""
    head = f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
    return "\n".join([head, f"<style>{STYLE}</style></head><body>", f"<h1>{html.escape(title)}</h1>", *body]) + (
        "\n</body></html>\n"
    )
