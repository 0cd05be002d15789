"""The encoder this repository ships (models/, its card docs/models.md): what ``ge2e embed/verify/eer`` use when no
``--checkpoint`` is given, and what ``make model`` remakes."""

import shutil
from pathlib import Path

from ge2e.atomic import atomic_path
from ge2e.errors import InputError

# The TI-SV encoder: Resemblyzer's public GE2E encoder fine-tuned on the real training voices, the validation
# speakers' choice over seeds (docs/models.md).
TISV = "models/tisv-resemblyzer-finetuned.pt"
# The repository holding this package (workflow/scripts/ge2e/encoder/shipped.py): models/ lies at its top.
REPOSITORY = Path(__file__).resolve().parents[4]


def default_checkpoint():
    """The shipped TI-SV checkpoint's path; an InputError where this installation has none (a copy of the package
    without the repository around it)."""
    path = REPOSITORY / TISV
    if not path.is_file():
        raise InputError(f"no --checkpoint given and no shipped encoder at {path}; name a checkpoint with --checkpoint")
    return path


def chosen(paths):
    """Of the checkpoints ``paths`` (one best.pt per seed), the one the validation speakers choose: the lowest
    validation EER, the first path on a tie. Returns (path, its validation EER)."""
    # Imported here, not at the top: every snakemake call imports this module (common.smk) and torch would add
    # over a second to each start-up.
    from ge2e.encoder.embedding import load_checkpoint_file

    scored = [(load_checkpoint_file(path)["val_eer"], i, path) for i, path in enumerate(paths)]
    val_eer, _, path = min(scored)
    return path, val_eer


def ship(paths, out):
    """Copy the validation speakers' choice of ``paths`` to ``out`` byte for byte (atomically). Returns its path."""
    path, _ = chosen(paths)
    with atomic_path(out) as tmp:
        shutil.copyfile(path, tmp)
    return path
