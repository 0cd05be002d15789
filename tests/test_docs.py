"""The documentation's links and paths resolve: README.md, docs/**/*.md and config/README.md.

Links. Every inline Markdown link or image outside code, ``[text](target)`` or ``![alt](target)``,
whose target is relative must name a file or folder of the repository, and its ``#anchor``, if any,
a heading of that page (slugged as GitHub does: lower case, punctuation dropped, spaces to hyphens,
``-1``, ``-2`` for repeats). Skipped: targets with a scheme (``https:``, ``mailto:``), and relative
targets that resolve outside the repository (``../shared/...``), which is workspace data a clone
does not have.

Paths in code blocks. In every fenced code block, each word that starts with one of the folders
``PATH_FOLDERS`` (``config/*.yaml``, ``tools/*.py``, ``bench/*.py``, ``profiles/...``, ``docs/...``)
must exist; a glob (``*``, ``{a,b}``, or a ``<name>`` or ``{wildcard}`` placeholder) must match
something. A word counts only where a path starts: at the line's start or after a space, a quote,
``=``, ``(``, ``[`` or ``,``; so the ``config/`` inside ``../shared/real-speech/config/x``,
``/data/...``, ``/path/to/...`` and URLs are never read as repository paths. ``results/`` and
``data/`` are not checked: they hold outputs and downloads that a clone does not have. Inline code and
indented code blocks are not read.

``test_the_checks_catch_what_they_should`` feeds both checks a page with one broken link, anchor and
path each (and the paths they must skip), so a check that stopped finding anything would fail there.
"""

import glob
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATH_FOLDERS = ("bench", "config", "docs", "envs", "profiles", "tests", "tools", "workflow")
FENCE = re.compile(r"^\s*(```|~~~)")
# A code span may run over a line break, never over a blank line (Markdown's rule for a paragraph).
CODE_SPAN = re.compile(r"`(?:[^`\n]|\n(?!\s*\n))*`")
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
PATH = re.compile(r"(?<![^\s'\"=(\[,])((?:" + "|".join(PATH_FOLDERS) + r")/[^\s'\"`);\]]*)")


def pages(root=ROOT):
    """The pages checked: README.md, every Markdown file under docs/, config/README.md."""
    found = [root / "README.md", *sorted((root / "docs").rglob("*.md")), root / "config" / "README.md"]
    return [p for p in found if p.exists()]


def split(text):
    """(prose, code): the page with code-block lines blanked, and the code blocks' lines with numbers."""
    prose, code, fenced = [], [], False
    for number, line in enumerate(text.split("\n"), 1):
        if FENCE.match(line):
            fenced = not fenced
            prose.append("")
        elif fenced:
            prose.append("")
            code.append((number, line))
        else:
            prose.append(line)
    return "\n".join(prose), code


def slug(heading):
    """GitHub's anchor for a heading's text."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(page):
    prose, _ = split(page.read_text())
    seen, result = {}, set()
    for line in prose.split("\n"):
        match = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match:
            base = slug(match.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            result.add(base if count == 0 else f"{base}-{count}")
    return result


def link_problems(page, root=ROOT):
    """Relative links of ``page`` whose file or anchor is not there."""
    prose, _ = split(page.read_text())
    prose = CODE_SPAN.sub(lambda m: "\n" * m.group(0).count("\n"), prose)
    problems = []
    for match in LINK.finditer(prose):
        target = match.group(1)
        line = prose.count("\n", 0, match.start()) + 1
        where = f"{page.relative_to(root)}:{line}: link {target}"
        if SCHEME.match(target):
            continue
        file, _, anchor = target.partition("#")
        path = (page.parent / file).resolve() if file else page
        if not path.is_relative_to(root.resolve()):
            continue  # outside the repository: workspace data, not something a clone has
        if not path.exists():
            problems.append(f"{where}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            problems.append(f"{where}: no heading #{anchor} in {path.relative_to(root.resolve())}")
    return problems


def _expand(pattern):
    """Brace alternatives expanded; <name> and {wildcard} placeholders become *."""
    pattern = re.sub(r"<[^>]*>", "*", pattern)
    match = re.search(r"\{([^{}]*)\}", pattern)
    if not match:
        return [pattern]
    options = match.group(1).split(",") if "," in match.group(1) else ["*"]
    return [p for option in options for p in _expand(pattern[: match.start()] + option + pattern[match.end() :])]


def path_problems(page, root=ROOT):
    """Repository paths named in ``page``'s code blocks that do not exist."""
    _, code = split(page.read_text())
    problems = []
    for number, line in code:
        for match in PATH.finditer(line):
            word = match.group(1).rstrip(".:,")  # the sentence's punctuation, not the path's
            if not all(glob.glob(str(root / p), recursive=True) for p in _expand(word)):
                problems.append(f"{page.relative_to(root)}:{number}: path {word}: not in the repository")
    return problems


def problems(root=ROOT):
    return [p for page in pages(root) for p in link_problems(page, root) + path_problems(page, root)]


def test_every_link_and_code_block_path_resolves():
    assert problems() == []


def test_the_checks_catch_what_they_should(tmp_path):
    (tmp_path / "docs" / "figures").mkdir(parents=True)
    (tmp_path / "config").mkdir()
    (tmp_path / "tools").mkdir()
    (tmp_path / "config" / "real.yaml").write_text("seed: 1\n")
    (tmp_path / "tools" / "real.py").write_text("")
    (tmp_path / "docs" / "figures" / "a.png").write_bytes(b"")
    (tmp_path / "docs" / "page.md").write_text("# A page\n\n## Its `first` part: here\n\n[Back](../README.md#top)\n")
    (tmp_path / "README.md").write_text(
        "# Top\n\n"
        "[fine](docs/page.md), [fine anchor](docs/page.md#its-first-part-here), ![fig](docs/figures/a.png),\n"
        "[over a line\nbreak](docs/page.md#top-of-nothing), [missing](docs/missing.md),\n"
        "[outside](../shared/data.md), [web](https://example.org/x.md), `[in code](nowhere.md)`.\n\n"
        "```bash\n"
        "snakemake --configfile config/real.yaml --configfile=config/missing.yaml  # see tools/real.py.\n"
        "python tools/missing.py ../shared/real-speech/config/none.yaml /data/tools/none.py\n"
        "ls config/*.yaml config/{real,gone}.yaml docs/<name>.txt docs/figures/ results/none.md\n"
        "```\n"
    )
    assert problems(tmp_path) == [
        "README.md:4: link docs/page.md#top-of-nothing: no heading #top-of-nothing in docs/page.md",
        "README.md:5: link docs/missing.md: no such file",
        "README.md:9: path config/missing.yaml: not in the repository",
        "README.md:10: path tools/missing.py: not in the repository",
        "README.md:11: path config/{real,gone}.yaml: not in the repository",
        "README.md:11: path docs/<name>.txt: not in the repository",
    ]


def test_readme_is_the_front_door():
    # At most about 200 lines, the two commands first, and a link to every page of the manual.
    lines = (ROOT / "README.md").read_text().split("\n")
    assert len(lines) <= 200
    assert [line for line in lines if line.startswith("## ")][0] == "## Two commands"
    targets = [m.partition("#")[0] for m in LINK.findall("\n".join(lines)) if not SCHEME.match(m)]
    linked = {(ROOT / t).resolve() for t in targets if t}
    manual = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "config" / "README.md"]
    assert [str(p.relative_to(ROOT)) for p in manual if p.resolve() not in linked] == []


def test_every_manual_page_starts_with_what_it_is_for():
    for page in [*sorted((ROOT / "docs").glob("*.md")), ROOT / "config" / "README.md"]:
        title, blank, first, *_ = page.read_text().split("\n")
        assert title.startswith("# ") and blank == "" and first.startswith("What this page is for"), page


def test_a_licence_and_a_citation_of_the_project_and_of_the_paper_it_reproduces():
    import yaml

    licence = (ROOT / "LICENSE").read_text()
    assert "Apache License" in licence and "Version 2.0, January 2004" in licence
    assert "Copyright 2026 the ge2e-pipeline authors" in licence
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and {"message", "title", "authors"} <= set(cff)
    assert cff["license"] == "Apache-2.0" and cff["type"] == "software"
    (paper,) = cff["references"]
    assert paper["title"] == "Generalized End-to-End Loss for Speaker Verification" and paper["year"] == 2018
    assert [a["family-names"] for a in paper["authors"]] == ["Wan", "Wang", "Papir", "Lopez Moreno"]
    assert "ICASSP" in paper["collection-title"] and paper["doi"] == "10.1109/ICASSP.2018.8462665"
