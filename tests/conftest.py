"""Shared fixtures, and the order the suite runs in. Tests import ``ge2e`` from the editable install (``make venv``),
and the helper modules beside them (workflow_run, browser, ...) from tests/, which pytest puts on sys.path.

``make test`` runs the suite in two processes (pytest-xdist, ``-n 2`` in pyproject.toml), each taking the next test
as it becomes free. The expensive runs that several tests read (the tiny run, ``run_dir``, and the runs made from it;
the reproducibility runs) are made once for the whole session by whichever process needs one first (once.made_once),
and the other waits for it; their tests only read them, or copy them before changing anything. ``-n 0`` runs the
suite in this one process."""

import pytest
from once import made_once

# Started before everything else, in this order, so that no process is left with one of them at the end: the SLURM
# run (one test of several minutes), then the tests of the runs made once, the longest first. Each names a fixture.
FIRST = ("cluster", "grid_run", "external_run", "run_dir", "runs")


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory):
    """One whole run of the tiny config, shared by the end-to-end tests: they read it, or copy it before changing or
    running anything in it."""
    from workflow_run import copy_workflow, require_speech_tools, snakemake

    require_speech_tools()

    def make(work):
        proc = snakemake(copy_workflow(work))
        assert proc.returncode == 0, proc.stderr[-4000:]

    return made_once(tmp_path_factory, "pipeline", make)[0]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """FIRST's tests first, the rest in the order of collection. Each process holds the next test or two, so the SLURM
    test's process runs the test after it once it is done; the other process starts on the tiny run."""

    def order(item):
        return min((FIRST.index(name) for name in item.fixturenames if name in FIRST), default=len(FIRST))

    items.sort(key=order)  # stable: the order of collection within each
