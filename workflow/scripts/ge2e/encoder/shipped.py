"""The encoders this repository ships (models/, their card docs/models.md): the TI-SV one, what ``ge2e
embed/verify/eer`` use when no ``--checkpoint`` is given, and a TD-SV one for one keyword; ``make model`` remakes
both."""

import shutil
from pathlib import Path

from ge2e.atomic import atomic_path
from ge2e.errors import InputError

# The TI-SV encoder: Resemblyzer's public GE2E encoder fine-tuned on the real training voices, the validation
# speakers' choice over seeds (docs/models.md).
TISV = "models/tisv-resemblyzer-finetuned.pt"
# The TD-SV encoder of one keyword, the word "yes" of Speech Commands (config/real-speech.yaml's default keyword):
# the TI-SV one fine-tuned on that word, the validation speakers' choice over seeds. A text-dependent encoder
# serves its own phrase only, so its file names the word.
TDSV_KEYWORD = "yes"
TDSV = f"models/tdsv-{TDSV_KEYWORD}-resemblyzer-finetuned.pt"
SHIPPED = {"tisv": TISV, "tdsv": TDSV}  # task -> file
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


def task_of(path):
    """The task of shipped file ``path`` (one of SHIPPED's values)."""
    return next(task for task, shipped in SHIPPED.items() if shipped == str(path))


def stems():
    """The shipped files' names without folder and suffix (rule ship_encoder's wildcard values)."""
    return [Path(path).stem for path in SHIPPED.values()]


def check_keyword(corpus):
    """The TD-SV file is named for its word: refused where the run's TD-SV corpus (config ``corpus``) is not Speech
    Commands at that word."""
    keyword = corpus["speech_commands"]["keyword"] if corpus["tdsv_format"] == "speech_commands" else None
    if keyword != TDSV_KEYWORD:
        raise InputError(
            f"{TDSV} is the encoder of the Speech Commands word {TDSV_KEYWORD!r}, but the run's TD-SV corpus is "
            f"{'the word ' + repr(keyword) if keyword else corpus['tdsv_format']}; make it with "
            f"config/real-speech.yaml, or copy your own run's best.pt to a name of your own"
        )
