"""Folders made once for a whole test session, whichever pytest-xdist process asks first (tests/conftest.py)."""

import fcntl
import os
import shutil
import traceback

import pytest


def made_once(tmp_path_factory, name, make):
    """The folder ``name``, filled by ``make(folder)`` once for the session whichever process asks first (the others
    wait for it), and what ``make`` returned (a string, kept beside the folder). A failure is told to every test that
    asks; a skip (a missing tool) is not kept: each process finds it out again."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the session's folder, above each process's own
    folder, said, failed = root / name, root / f"{name}.out", root / f"{name}.failed"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if failed.exists():
            pytest.fail(f"making {name} failed in another process:\n{failed.read_text()}")
        if not said.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            try:
                text = make(folder)
            except Exception:
                failed.write_text(traceback.format_exc()[-6000:])
                raise
            said.write_text(text or "")
    return folder, said.read_text()
