"""Write outputs under a temporary name and move them into place only when complete.

A killed or failing job therefore never leaves a half-written file where a finished
one is expected, and a previous run's result stays intact until the new one is whole.
"""

import contextlib
import os
import shutil
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary sibling path; rename it onto ``path`` if the block succeeds.

    The temporary name keeps the suffix, so libraries that dispatch on it
    (``np.savez``, ``torch.save``, matplotlib) behave as for the final name.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()


def write_text(path, text):
    """Atomically write ``text`` to ``path``."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text)
