"""Shared fixtures. Tests import ``ge2e`` from the editable install (``make venv``), and the
helper modules beside them (workflow_run, browser, ...) from tests/, which pytest puts on sys.path."""

import pytest


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory):
    """One whole run of the tiny config, shared by the end-to-end tests (they copy it before changing it)."""
    from workflow_run import copy_workflow, require_speech_tools, snakemake

    require_speech_tools()
    work = copy_workflow(tmp_path_factory.mktemp("pipeline"))
    proc = snakemake(work)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return work
