"""The conda environments of the pipeline's stages, ``envs/*.yaml``, written from ``requirements.txt``.

``requirements.txt`` is the one place versions are pinned. Each stage's env lists the packages
its rule scripts import and everything those depend on, each at exactly the version pinned
there, so ``--use-conda`` runs the code on the same versions as the venv. The files must be
self-contained: Snakemake copies an env file under ``.snakemake/conda/`` before building it,
so a ``-r ../requirements.txt`` line inside one would point nowhere.

``python tools/envfiles.py`` rewrites them (after a change of pins);
``tests/test_envs.py`` fails when they drift.
"""

import importlib.metadata
import re
import sys
import textwrap
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from ge2e.builtin.voices import DEBIAN_PACKAGES

ROOT = Path(__file__).resolve().parents[1]
PYTHON = "3.11"
CHANNELS = ("conda-forge", "nodefaults")
# av (PyAV): m4a, as VoxCeleb2 ships; webrtcvad-wheels: the voice decision of the webrtc VAD.
AUDIO = ("av", "librosa", "numpy", "soundfile", "webrtcvad-wheels")
CORPUS_CONDA = ("espeak-ng=1.51", "sox=14.4.2")
# The speech tools conda-forge lacks: every Debian package the built-in corpus needs but the two above.
SYSTEM = [p for p in DEBIAN_PACKAGES.split() if p not in {c.split("=")[0] for c in CORPUS_CONDA}]
# stage: (what it is for, conda-forge packages with versions, the distributions its scripts import). The rules
# that run in each env are read from the rule files (rules_of), so the header names every one.
STAGES = {
    "corpus": (
        "the built-in corpus's synthesis, the conversion of the corpora to manifests and the downloads",
        CORPUS_CONDA,
        AUDIO,
    ),
    "features": ("VAD + log-mel features and augmentation", (), AUDIO),
    "train": ("GE2E training and evaluation", (), (*AUDIO, "torch")),
    "report": ("the table, ablation, run summary and figures", (), (*AUDIO, "torch", "matplotlib", "scikit-learn")),
}

NOTES = {
    "corpus": "flite and festival (with its voices) are not on conda-forge: they come from the system (Debian: "
    f"apt-get install {' '.join(SYSTEM)}); only the built-in corpus needs them",
}


def rules_of(stage, rules_dir=ROOT / "workflow" / "rules"):
    """The rules whose ``conda:`` is ``envs/<stage>.yaml``, in the order of the rule files."""
    names = []
    for smk in sorted(rules_dir.glob("*.smk")):
        for block in re.split(r"\n(?=rule )", smk.read_text()):
            rule = re.match(r"rule (\w+):", block)
            if rule and re.search(rf'conda:\s*\n\s*"\.\./\.\./envs/{stage}\.yaml"', block):
                names.append(rule.group(1))
    return names


def pins(path=ROOT / "requirements.txt"):
    """{canonical name: version} of every ``name==version`` line."""
    out = {}
    for line in Path(path).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            out[canonicalize_name(name)] = version.strip()
    return out


def closure(names):
    """The distributions ``names`` need to run, themselves included, from the installed metadata."""
    seen, todo = set(), [canonicalize_name(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for text in importlib.metadata.requires(name) or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    return sorted(seen)


def render(stage, pinned=None):
    """The YAML text of one stage's env file."""
    pinned = pinned or pins()
    purpose, conda, imports = STAGES[stage]
    needed = closure(imports)
    unpinned = [name for name in needed if name not in pinned]
    if unpinned:
        raise SystemExit(f"requirements.txt pins no version of {unpinned} (needed by the {stage} stage)")
    about = f"Stage env '{stage}': {purpose} (rules {', '.join(rules_of(stage))})."
    if stage in NOTES:
        about += f" {NOTES[stage]}."
    lines = [
        *textwrap.wrap(about, 100, initial_indent="# ", subsequent_indent="# ", break_on_hyphens=False),
        "# Written by tools/envfiles.py from requirements.txt; do not edit by hand.",
        "channels:",
        *(f"  - {channel}" for channel in CHANNELS),
        "dependencies:",
        f"  - python={PYTHON}",
        *(f"  - {package}" for package in conda),
        "  - pip",
        "  - pip:",
        *(f"      - {name}=={pinned[name]}" for name in needed),
    ]
    return "\n".join(lines) + "\n"


def main():
    for stage in STAGES:
        path = ROOT / "envs" / f"{stage}.yaml"
        path.write_text(render(stage))
        print(f"wrote {path.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
