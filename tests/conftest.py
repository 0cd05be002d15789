"""Shared fixtures, and the order the suite runs in. Tests import ``ge2e`` from the editable install (``make venv``),
and the helper modules beside them (workflow_run, browser, ...) from tests/, which pytest puts on sys.path.

``make test`` runs the suite in two processes (pytest-xdist, ``-n 2`` in pyproject.toml), each taking the next test
as it becomes free. The expensive runs that several tests read (the tiny run, ``run_dir``, and the runs made from it;
the reproducibility runs) are made once for the whole session by whichever process needs one first (once.made_once),
and the other waits for it; their tests only read them, or copy them before changing anything. ``-n 0`` runs the
suite in this one process."""

import pytest
from once import made_once

# The one test of several minutes, started first: the SLURM run.
SLURM = "cluster"
# The runs made once (once.made_once), each by the first test that asks for it, in this order (external_run makes
# run_dir on its way); their other tests come after every test of run_dir, so that neither process waits for the other
# to finish one.
MADE_ONCE = ("external_run", "grid_run", "runs")


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
    """The SLURM test; a quick test, which its process holds (each holds the next test or two) until the SLURM test
    ends; the first test of each of MADE_ONCE, which makes it; the other tests of run_dir; the other tests of
    MADE_ONCE; then the rest. In the order of collection within each."""
    order = {}
    for item in items:
        names = set(item.fixturenames)
        made = [MADE_ONCE.index(name) for name in names & set(MADE_ONCE)]
        if SLURM in names:
            order[item] = (0,)
        elif made and min(made) not in {key[1] for key in order.values() if key[0] == 2}:
            order[item] = (2, min(made))
        elif made:
            order[item] = (4,)
        else:
            order[item] = (3,) if "run_dir" in names else (5,)
    if any(key == (0,) for key in order.values()):
        quick = next((item for item in items if order[item] == (5,)), None)
        if quick is not None:
            order[quick] = (1,)
    items.sort(key=order.__getitem__)  # stable: the order of collection within each
