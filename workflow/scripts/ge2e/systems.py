"""The pipeline's vocabulary: tasks, checkpoints and the evaluated systems, with every label a user sees.

Each name is defined here once; the Snakefile (``common.smk``), the table, the plots, the
run summary and the report read it, so a row, a curve and a report entry of one system
cannot be named differently.
"""

import dataclasses

TASKS = ("tdsv", "tisv")
TASK_NAMES = {"tdsv": "TD-SV", "tisv": "TI-SV"}  # table headers, figure titles, run summary
TASK_TITLES = {"tdsv": "TD-SV (Snips keyword)", "tisv": "TI-SV (TIMIT)"}  # report categories
# The corpus each task reads by default: its config key under `corpus` and the built-in corpus's folder name,
# and its name wherever the run names it (the table, the report, the corpus formats: ge2e.corpus.formats).
CORPUS_OF_TASK = {"tisv": ("timit_root", "TIMIT"), "tdsv": ("snips_root", "snips")}
CORPUS_NAMES = {"tdsv": "Snips", "tisv": "TIMIT"}


def builtin_name(task):
    """How the run names the built-in look-alike of a task's corpus."""
    return f"built-in synthetic {CORPUS_NAMES[task]} look-alike"


TRAINED_CHECKPOINTS = ("final", "best")
UNTRAINED = "init"  # the seeded start weights every schedule of a task shares
CHECKPOINT_TITLES = {"final": "final", "best": "best (validation EER)", UNTRAINED: "untrained (init)"}


DEFAULT = "default"  # the variant that is the base config itself (ge2e.plan.grid)


@dataclasses.dataclass(frozen=True)
class System:
    """One evaluated system of a task: a checkpoint of a variant's schedule, or the MFCC baseline of a
    variant's features."""

    label: str  # table row
    plot_label: str  # legend and histogram title
    schedule: str | None  # None: the MFCC baseline, which has no model
    checkpoint: str | None
    baseline: bool  # drawn dashed: a reference point, not a trained encoder
    variant: str = DEFAULT


def _ours(variant):
    """'Ours' for the default variant (the labels of a run without experiments), 'Ours, <variant>' for another."""
    return "Ours" if variant == DEFAULT else f"Ours, {variant}"


def _short(variant, text):
    return text if variant == DEFAULT else f"{variant}: {text}"


def start_words(starts, task_order=("tdsv", "tisv")):
    """The start row's words for a variant some of whose tasks start from a checkpoint: ``starts`` {task: what it
    starts from} -> 'TD-SV: TI-SV const lr best.pt; TI-SV: untrained' (every task of ``task_order``, in ``starts``
    or not, as the row spans them all)."""
    return "; ".join(f"{TASK_NAMES[t]}: {starts.get(t, 'untrained')}" for t in task_order)


def _start(variant, schedule, starts, tasks):
    """The start row of ``variant``: its untrained encoder, or (``starts``: {task: what it starts from}) the
    encoder some task starts from."""
    text = "untrained encoder" if not starts else f"start of training ({start_words(starts, tasks)})"
    plot_label = f"baseline: {text}" if variant == DEFAULT else f"baseline: {text} ({variant})"
    return System(f"{_ours(variant)}: {text}", plot_label, schedule, UNTRAINED, True, variant)


KEYWORD_MEAN = "mean over keywords"  # the rows averaging a system over the variants of one keyword each


def keyword_mean_label(system):
    """The label of the row that averages a default variant's ``system`` over the keywords, in the variant's place:
    'Ours, mean over keywords: step lr, best checkpoint'; the MFCC baseline's ends with ', mean over keywords'."""
    if system.schedule is None:
        return f"{system.label}, {KEYWORD_MEAN}"
    return system.label.replace(_ours(DEFAULT), _ours(KEYWORD_MEAN), 1)


def systems(schedules, variants=(DEFAULT,), untrained=(DEFAULT,), mfcc=(DEFAULT,), starts=None, tasks=TASKS):
    """Every evaluated system in table order: each variant's trained checkpoints, then the baselines.

    Every schedule of a variant starts from the same seeded weights, so the first schedule's
    ``init`` is the untrained encoder of them all.

    Args:
        variants: the experiment's variants, ``default`` first.
        untrained: the variants with an untrained encoder of their own (another model size or
            training data); the others start from one of these.
        mfcc: the variants with features of their own, each with its MFCC baseline.
        starts: {variant: {task: what it starts from}} of the variants some of whose ``tasks`` start from a
            checkpoint (``train.<task>.init``): their start row is that encoder, not an untrained one, and is
            labelled so ('Ours: start of training (TD-SV: TI-SV const lr best.pt; TI-SV: untrained)').
    """
    starts = starts or {}
    trained = [
        System(
            f"{_ours(v)}: {schedule} lr, {ckpt} checkpoint",
            _short(v, f"{schedule} lr, {ckpt}"),
            schedule,
            ckpt,
            False,
            v,
        )
        for v in variants
        for schedule in schedules
        for ckpt in TRAINED_CHECKPOINTS
    ]
    start = [_start(v, schedules[0], starts.get(v), tasks) for v in untrained]
    features = [
        System(
            "MFCC mean+std cosine baseline (no training)" + ("" if v == DEFAULT else f", {v}'s features"),
            "baseline: MFCC mean+std" + ("" if v == DEFAULT else f" ({v}'s features)"),
            None,
            None,
            True,
            v,
        )
        for v in mfcc
    ]
    return trained + start + features
