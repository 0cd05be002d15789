"""The encoder this repository ships (models/, its card docs/models.md): what ``ge2e embed/verify/eer`` use when no
``--checkpoint`` is given, and what ``make model`` remakes."""

from pathlib import Path

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
