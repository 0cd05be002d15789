"""The ablation: each variant of an experiment against ``default``, paired by seed, as Markdown and HTML.

For every task, schedule and trained checkpoint, on every evaluation set: the mean over seeds of the
variant's full-trial EER minus the default's (negative: the variant is better), with a 95 % interval
from the paired two-level bootstrap of ``ge2e.results.seedstats`` (both systems get the same seeds and test
speakers in each draw). Both renderings come from one list of sections (:func:`compare`).
"""

import html

import numpy as np

from ge2e.results import seedstats
from ge2e.results.htmlpage import html_page, html_table
from ge2e.results.table import markdown_table, paragraph
from ge2e.seeds import derive
from ge2e.systems import DEFAULT, TASK_NAMES, TRAINED_CHECKPOINTS

TITLE = "Ablation: each variant against default, paired by seed"
HEADER = [
    "Variant", "Task", "Schedule", "Checkpoint", "validation EER: default → variant",
    "default EER", "variant EER", "Δ EER [95 %]", "better in",
]  # fmt: skip


def compare(rows, evalset, tasks, base_seed, resamples):
    """Table rows of each variant against ``default`` on one set.

    Args:
        rows: the set's systems (``ge2e.results.rows.TableRow``), as the EER table reads them.
        tasks: the tasks evaluated.
        base_seed, resamples: seed and draws of the bootstrap.
    Returns:
        list of dicts: variant, task, schedule, checkpoint, default and variant (mean EERs), diff, low, high,
        better (seeds where the variant's EER is lower), seeds, same (True where the variant trains exactly
        as default, so both are the same files), val_default and val_value (the mean over seeds of each
        checkpoint's EER on the validation speakers, which chose it; None where a result has none).
    """
    trained = [r for r in rows if r.checkpoint in TRAINED_CHECKPOINTS]
    defaults = {(r.schedule, r.checkpoint): r for r in trained if r.variant == DEFAULT}
    variants = list(dict.fromkeys(r.variant for r in trained if r.variant != DEFAULT))
    return [
        _compare(row, defaults[(row.schedule, row.checkpoint)], task, evalset, base_seed, resamples)
        for variant in variants
        for task in tasks
        for row in trained
        if row.variant == variant
    ]


def _compare(row, base, task, evalset, base_seed, resamples):
    """One row of :func:`compare`: ``row``'s system against ``base``'s (default's) on one task."""
    mine, theirs = row.tasks[task], base.tasks[task]
    ours = np.array([r["eer_full"] for r in seedstats.load_results(mine)])
    ref = np.array([r["eer_full"] for r in seedstats.load_results(theirs)])
    same = [e.json for e in mine] == [e.json for e in theirs]  # the variant's run is the default's
    if same:
        low = high = 0.0
    else:
        low, high = seedstats.paired_interval(
            [seedstats.read_trials(e.scores) for e in mine],
            [seedstats.read_trials(e.scores) for e in theirs],
            np.random.default_rng(derive(base_seed, evalset, row.label, task)),
            resamples,
            what=f"{row.label} against default on {evalset}",
        )
    return {
        **row.system(),
        "task": task,
        "val_default": _mean_validation(theirs),
        "val_value": _mean_validation(mine),
        "default": float(ref.mean()),
        "value": float(ours.mean()),
        "diff": float((ours - ref).mean()),
        "low": low,
        "high": high,
        "better": int((ours < ref).sum()),
        "seeds": len(ours),
        "same": same,
    }


def _mean_validation(entries):
    """The mean over seeds of the checkpoints' validation EER (``val_eer`` of their results), or None."""
    values = [r.get("val_eer") for r in seedstats.load_results(entries)]
    return None if None in values else float(np.mean(values))


def _cells(c):
    diff = f"{c['diff']:+.4f} [{c['low']:+.3f}, {c['high']:+.3f}]"
    if c["same"]:
        diff += " (trains as default)"
    return [
        c["variant"],
        TASK_NAMES[c["task"]],
        c["schedule"],
        c["checkpoint"],
        "n/a" if None in (c["val_default"], c["val_value"]) else f"{c['val_default']:.4f} → {c['val_value']:.4f}",
        f"{c['default']:.4f}",
        f"{c['value']:.4f}",
        diff,
        f"{c['better']} of {c['seeds']} seeds",
    ]


def intro(seeds, resamples):
    """The paragraph above the sections."""
    over = f"{len(seeds)} seed{'s' if len(seeds) > 1 else ''} ({', '.join(map(str, seeds))})"
    return [
        f"Each row: the mean over {over} of the variant's full-trial EER minus the default's. At each seed",
        "both start from the same initial weights and batches where their settings allow, and both are scored",
        "on the same trials; negative = the variant is better. The 95 % interval is a paired two-level bootstrap",
        f"({resamples} draws): seeds, then test speakers, drawn with replacement, the same for both systems.",
        "*better in* counts the seeds where the variant's EER is lower. An interval that holds 0 says that the",
        "seeds and speakers at hand cannot tell the two apart. Choose between variants on the validation column",
        "(the mean over seeds of each checkpoint's EER on the validation speakers, the same in every section):",
        "the test speakers report the choice, they never make it.",
    ]


def caption(evalset, where):
    if evalset == "test":
        return "The test speakers of each task's corpus:"
    return f"Set '{evalset}' ({where}):"


def render(sections, seeds, resamples):
    """Markdown of the ablation; ``sections`` is a list of (set name, where, rows of :func:`compare`)."""
    lines = [f"# {TITLE}", "", *intro(seeds, resamples)]
    for evalset, where, compared in sections:
        lines += ["", caption(evalset, where), "", *markdown_table(HEADER, [_cells(c) for c in compared])]
    return "\n".join(lines) + "\n"


def render_html(sections, seeds, resamples):
    body = [paragraph(" ".join(intro(seeds, resamples)))]
    for evalset, where, compared in sections:
        body += [f"<p>{html.escape(caption(evalset, where))}</p>", html_table(HEADER, [_cells(c) for c in compared])]
    return html_page(TITLE, body)
