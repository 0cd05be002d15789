"""The per-stage conda envs: valid, pinned exactly as requirements.txt, covering what each rule imports."""

import ast
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from packaging.utils import canonicalize_name

from tools import envfiles

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "workflow" / "scripts"


def env_files():
    return sorted((ROOT / "envs").glob("*.yaml"))


def test_env_files_are_the_ones_written_from_requirements():
    assert [p.stem for p in env_files()] == sorted(envfiles.STAGES)
    for path in env_files():
        assert path.read_text() == envfiles.render(path.stem), (
            f"{path.name} drifted from requirements.txt: run python tools/envfiles.py"
        )


@pytest.mark.parametrize("path", env_files(), ids=lambda p: p.name)
def test_env_file_is_valid_and_pinned(path):
    env = yaml.safe_load(path.read_text())
    assert set(env) == {"channels", "dependencies"}
    assert env["channels"] == ["conda-forge", "nodefaults"]  # one channel: no mixed-channel solves
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "pip" in conda and f"python={envfiles.PYTHON}" in conda
    assert envfiles.PYTHON == ".".join(map(str, sys.version_info[:2])), "the venv and the envs run different Pythons"
    for dep in conda:
        assert dep == "pip" or re.fullmatch(r"[a-z0-9-]+=[0-9][0-9.]*", dep), f"{path.name}: {dep!r} is not pinned"
    pinned = envfiles.pins()
    for line in pip:
        name, _, version = line.partition("==")
        assert version, f"{path.name}: pip entry {line!r} is not pinned"
        assert pinned.get(canonicalize_name(name)) == version, f"{path.name}: {line} but requirements.txt pins " + str(
            pinned.get(canonicalize_name(name))
        )


def _rule_envs():
    """{rule: (env file, script)} read from the rule files."""
    out = {}
    for smk in (ROOT / "workflow" / "rules").glob("*.smk"):
        for block in re.split(r"\n(?=rule )", smk.read_text()):
            name = re.match(r"rule (\w+):", block)
            env = re.search(r'conda:\s*\n\s*"\.\./\.\./(envs/[\w.]+)"', block)
            script = re.search(r'script:\s*\n\s*"\.\./(scripts/[\w.]+)"', block)
            if name:
                assert env and script, f"rule {name.group(1)} lacks conda: or script:"
                out[name.group(1)] = (ROOT / env.group(1), ROOT / "workflow" / script.group(1))
    return out


def _imports(path, seen):
    """Third-party top-level modules a script imports, following the ge2e package (static, every branch)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] != "ge2e":
                if name.split(".")[0] not in sys.stdlib_module_names:
                    found.add(name.split(".")[0])
                continue
            module = SCRIPTS / Path(*name.split("."))
            for candidate in (module.with_suffix(".py"), module / "__init__.py"):
                if candidate.exists() and candidate not in seen:
                    seen.add(candidate)
                    found |= _imports(candidate, seen)
    return found


def test_each_env_files_header_names_every_rule_it_runs_and_every_system_package():
    for rule, (env_path, _) in _rule_envs().items():
        header = " ".join(line[2:] for line in env_path.read_text().splitlines() if line.startswith("# "))
        assert re.search(rf"\b{rule}\b", header), f"{env_path.name}'s header does not name rule {rule}"
    corpus = (ROOT / "envs" / "corpus.yaml").read_text()
    assert all(package in corpus for package in envfiles.SYSTEM) and len(envfiles.SYSTEM) == 15  # 13 festvox-*


def test_every_rule_env_has_what_its_script_imports():
    rules = _rule_envs()
    assert len(rules) >= 13
    distributions = importlib.metadata.packages_distributions()
    for rule, (env_path, script) in rules.items():
        env = yaml.safe_load(env_path.read_text())
        pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
        available = {canonicalize_name(line.partition("==")[0]) for line in pip}
        for module in _imports(script, set()):
            dists = {canonicalize_name(d) for d in distributions.get(module, [module])}
            assert dists & available, f"rule {rule} imports {module}, which {env_path.name} does not install"


def test_use_conda_builds_the_dag_or_the_readme_says_what_to_install(tmp_path):
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    cmd = [sys.executable, "-m", "snakemake", "--use-conda", "-n", "--configfile", "config/tiny.yaml"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if shutil.which("conda") or shutil.which("mamba"):
        assert proc.returncode == 0, proc.stderr[-3000:]
        return
    # No conda here (nor reachable): Snakemake must say so, and the docs must say what to install.
    assert proc.returncode != 0 and "Is conda installed" in proc.stdout + proc.stderr
    assert "snakemake --cores 8 --use-conda" in (ROOT / "README.md").read_text()
    page = (ROOT / "docs" / "cluster-and-conda.md").read_text()
    assert "snakemake --cores 8 --use-conda" in page and "Miniforge" in page
    assert "not on conda-forge" in page
