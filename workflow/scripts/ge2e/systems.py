"""The pipeline's vocabulary: tasks, checkpoints and the evaluated systems, with every label a user sees.

Each name is defined here once; the Snakefile (``common.smk``), the table, the plots, the
run summary and the report read it, so a row, a curve and a report entry of one system
cannot be named differently.
"""

import dataclasses

TASKS = ("tdsv", "tisv")
TASK_NAMES = {"tdsv": "TD-SV", "tisv": "TI-SV"}  # table headers, figure titles, run summary
TASK_TITLES = {"tdsv": "TD-SV (Snips keyword)", "tisv": "TI-SV (TIMIT)"}  # report categories
# The corpus each task reads: its config key under `corpus` and the built-in corpus's folder name,
# and how the table names it.
CORPUS_OF_TASK = {"tisv": ("timit_root", "TIMIT"), "tdsv": ("snips_root", "snips")}
CORPUS_NAMES = {"tdsv": "Snips", "tisv": "TIMIT"}

TRAINED_CHECKPOINTS = ("final", "best")
UNTRAINED = "init"  # the seeded start weights every schedule of a task shares
CHECKPOINT_TITLES = {"final": "final", "best": "best (validation EER)", UNTRAINED: "untrained (init)"}


@dataclasses.dataclass(frozen=True)
class System:
    """One evaluated system of a task: a checkpoint of a schedule, or the MFCC baseline."""

    label: str  # table row
    plot_label: str  # legend and histogram title
    schedule: str | None  # None: the MFCC baseline, which has no model
    checkpoint: str | None
    baseline: bool  # drawn dashed: a reference point, not a trained encoder


def systems(schedules):
    """Every evaluated system in table order: each schedule's trained checkpoints, then the baselines.

    Every schedule starts from the same seeded weights, so the first schedule's ``init`` is
    the untrained encoder of them all.
    """
    trained = [
        System(f"Ours: {schedule} lr, {ckpt} checkpoint", f"{schedule} lr, {ckpt}", schedule, ckpt, False)
        for schedule in schedules
        for ckpt in TRAINED_CHECKPOINTS
    ]
    return trained + [
        System("Ours: untrained encoder", "baseline: untrained encoder", schedules[0], UNTRAINED, True),
        System("MFCC mean+std cosine baseline (no training)", "baseline: MFCC mean+std", None, None, True),
    ]
