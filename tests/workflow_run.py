"""Running the real Snakefile from tests: a copy of the workflow in a temp dir, Snakemake as users call it."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ("espeak-ng", "flite", "text2wave", "sox")
WORKFLOW_FILES = ("Snakefile", "workflow", "config", "envs", "profiles", "requirements.txt")


def snakemake(workdir, *args, config="config/tiny.yaml", env=None):
    """Snakemake in ``workdir`` with ``config`` (one config file, or a list applied in order), ``env``
    (a dict) added to the environment."""
    env = {**os.environ, **(env or {}), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    configs = [config] if isinstance(config, (str, Path)) else list(config)
    return subprocess.run(
        # No --cores: as users type it, the workflow profile (profiles/default) supplies it.
        # Targets first: --configfile takes several values and would swallow them.
        [sys.executable, "-m", "snakemake", *args, "--configfile", *map(str, configs)],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
    )


def copy_workflow(dest):
    for name in WORKFLOW_FILES:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dest / name)
    return dest


REAL_SPEECH_DEV = ROOT.parent / "shared" / "real-speech-dev" / "librispeech-test-other"
REAL_SPEECH = ROOT.parent / "shared" / "real-speech"  # real corpora in their published layouts


def require_real_speech(path=REAL_SPEECH_DEV):
    """The team's real speech at ``path`` (default: the dev set) beside the repository: skip without it (a user's
    clone), fail in CI."""
    if not path.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{path} missing in CI (CI runs with shared/ beside the clone)")
        pytest.skip(f"{path} missing: a clone outside the team's workspace has no shared/ real speech")
    return path


def require_speech_tools():
    """Skip (fail in CI) when the built-in corpus cannot be synthesised here."""
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing and os.environ.get("CI"):
        pytest.fail(f"speech tools missing in CI: {missing}")
    if missing:
        pytest.skip(f"speech tools missing: {missing} (make test installs them)")


def job_counts(output):
    """{rule: jobs} from the 'Job stats' table Snakemake prints (dry run or real)."""
    counts, in_table = {}, False
    for line in output.splitlines():
        parts = line.split()
        if parts[:2] == ["job", "count"]:
            in_table, counts = True, {}
        elif in_table and len(parts) == 2 and parts[1].isdigit():
            if parts[0] == "total":
                in_table = False
            else:
                counts[parts[0]] = int(parts[1])
    return counts
