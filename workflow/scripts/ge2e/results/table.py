"""The results table: published reference EERs beside ours, as Markdown and as HTML.

Both renderings come from one list of tables (:func:`tables`), so the file the docs
quote and the page the Snakemake report shows cannot disagree.
"""

import html
import json
import re

from ge2e.evaluate.calibration import FAR_POINTS, act_dcf_key
from ge2e.evaluate.metrics import P_TARGETS, dcf_key
from ge2e.results.htmlpage import html_page, html_table
from ge2e.systems import KEYWORD_MEAN, TASK_NAMES, TASKS

# Published EERs per task; None = not reported. The paper's were measured on Google-internal data; the others are
# the table of the earlier PyTorch reproduction, github.com/KunHanKH/GE2E_Speaker_Verification (Snips for TD-SV,
# TIMIT for TI-SV, its seed-compatible protocol), which also gives the TI-SV EER of the TI-SV-only port it built
# on, github.com/HarryVolek/PyTorch_Speaker_Verification, as it measured it. REFERENCE_SOURCES says so in the table.
REFERENCES = [
    ("Paper (Wan et al. 2018, GE2E), Google-internal data", {"tdsv": 0.031, "tisv": 0.0406}),
    ("KunHanKH/GE2E_Speaker_Verification, Const_lr (1500 epochs)", {"tdsv": 0.02408, "tisv": 0.04112}),
    (
        "KunHanKH/GE2E_Speaker_Verification, Step_lr (halved every 800 epochs, 2000 epochs)",
        {"tdsv": 0.02425, "tisv": 0.03979},
    ),
    ("HarryVolek/PyTorch_Speaker_Verification (TI-SV only), as KunHanKH measured it", {"tdsv": None, "tisv": 0.05742}),
]
REFERENCE_SOURCES = (
    "The paper's were measured on Google-internal data (not on TIMIT or Snips); the others are the table of the "
    "earlier PyTorch reproduction, github.com/KunHanKH/GE2E_Speaker_Verification, on Snips and TIMIT, with the "
    "TI-SV EER it measured for github.com/HarryVolek/PyTorch_Speaker_Verification"
)
TITLE = "GE2E speaker verification: EER"
PER_SEED = "results/eer_per_seed.tsv"  # the companion of a table over several seeds (render_per_seed)


class _OtherTask:
    """What a row holds for a task it does not cover (a mean row's other tasks): blank cells. False as a truth value,
    so ``result and result[key]`` passes it on to the cell, as None (not reported) is."""

    def __bool__(self):
        return False


OTHER_TASK = _OtherTask()


def _cell(value, published=False):
    """Ours to 4 decimals; published figures exactly as printed in their source."""
    if value is OTHER_TASK:
        return ""
    if value is None:
        return "n/r"
    return f"{value}" if published else f"{value:.4f}"


def _full_cell(result):
    """Full-trial EER with its bootstrap interval, e.g. ``0.1000 [0.071, 0.132]``."""
    if result is OTHER_TASK:
        return ""
    if result is None:
        return "n/r"
    low, high = result["eer_full_ci95"]
    return f"{result['eer_full']:.4f} [{low:.3f}, {high:.3f}]"


def _references_note(tasks, references):
    """What the reference rows are, given the tasks whose corpus is the one they were measured on."""
    if list(references) == list(tasks):
        return [
            f"References are published figures. {REFERENCE_SOURCES}",
            "(their protocol's single EER is shown under *avg*; n/r = not reported).",
        ]
    if not references:
        return [
            "No published figures are shown: they were measured on TIMIT and on keyword corpora, not on",
            "these, so no row of them would compare like with like.",
        ]
    named = ", ".join(TASK_NAMES[t] for t in references)
    others = ", ".join(TASK_NAMES[t] for t in tasks if t not in references)
    return [
        f"References are published figures, for {named} only ({others} is measured here on another corpus than",
        f"the ones they name, so its reference cells are blank). {REFERENCE_SOURCES} (their protocol's single EER",
        "is shown under *avg*; n/r = not reported).",
    ]


def _avg_speakers_note(results, tasks):
    """How many test speakers the *avg* column used of each task (a speaker that cannot give M segments is left
    out of its batches), from the results that say so (``eer_avg_speakers`` beside ``speakers``); "" if none do."""
    counts = []
    for task in tasks:
        known = [r for _, by_task in results if (r := by_task.get(task)) and r.get("eer_avg_speakers") is not None]
        if known and "speakers" in known[0]:
            used, total = known[0]["eer_avg_speakers"], known[0]["speakers"]
            counts.append(f"{TASK_NAMES[task]} {f'all {total}' if used == total else f'{used} of {total}'}")
    if not counts:
        return ""
    return (
        f" (here {' and '.join(counts)} test speakers: one with fewer than M utterances and too little voiced audio "
        "for M segments is left out)"
    )


def _means_note(means, seeds):
    """What the mean rows (``ge2e.results.rows.MeanRow``) are and how they are computed; no line without any."""
    if not means:
        return []
    *first, last = [repr(word) for word in means[0].over]
    lines = [
        f"A *{KEYWORD_MEAN}* row averages a system's {TASK_NAMES[means[0].task]} cells over the keywords",
        f"{', '.join(first)} and {last} (the default's keyword and those of the variants that change nothing else:",
        "an encoder per keyword, each tested on its keyword's test speakers):",
    ]
    speakers = [
        "the test speakers by name from all the keywords' speakers (a person tested on several keywords counts",
        "once).",
    ]
    if len(seeds) == 1:
        return lines + [
            "the keywords' EERs and minDCFs averaged; its interval is a speaker bootstrap drawing",
            *speakers,
        ]
    return lines + [
        "each seed's EERs and minDCFs averaged over the keywords first, then those means over the seeds; its",
        "interval is the two-level bootstrap above, drawing the seeds alike for every keyword and",
        *speakers,
    ]


def intro(corpus_note, seeds=(None,), tasks=TASKS, references=None, results=(), means=()):
    """The paragraph above the tables: what was measured on what, how many test speakers the *avg* column used
    (from ``results``, as :func:`tables` takes them), over how many training seeds, and what the mean rows
    (``means``, ``ge2e.results.rows.MeanRow``) average.

    ``references``: the tasks whose corpus is the one the published figures were measured on (TIMIT,
    Snips, or their built-in look-alikes); None: all of ``tasks``.
    """
    first, *rest = _references_note(tasks, tasks if references is None else references)
    lines = [
        f"Ours: {corpus_note}. {first}",
        *rest,
        f"*avg* = seed-compatible average EER over batches of N test speakers x M utterances"
        f"{_avg_speakers_note(results, tasks)};",
        "*full* = full-trial EER, every test utterance against every enrolled test speaker,",
    ]
    if len(seeds) == 1:
        return lines + ["with its 95 % interval from a speaker bootstrap in brackets.", *_means_note(means, seeds)]
    return lines + [
        f"with its 95 % interval in brackets. Each of our cells is the mean over {len(seeds)} seeds",
        f"({', '.join(map(str, seeds))}) of training: a seed changes the encoder's initial weights, batch sampling",
        "and crops, while corpus, features and trials are the same for every seed. The interval counts both",
        "the seed-to-seed spread and the trial sampling: a two-level bootstrap draws the seeds with",
        "replacement and, for each draw, the test speakers with replacement, and averages the drawn seeds'",
        "EERs. The MFCC baseline has no training seed: its interval is the speaker bootstrap alone.",
        f"Each seed's figures are in `{PER_SEED}`.",
        *_means_note(means, seeds),
    ]


def _dcf_header(tasks):
    """minDCF columns: every task at every reported prior (``ge2e.evaluate.metrics.P_TARGETS``)."""
    return [f"{TASK_NAMES[t]} minDCF (p={p})" for t in tasks for p in P_TARGETS]


def _dcf_cells(by_task, tasks):
    return [_cell(by_task.get(t) and by_task[t][dcf_key(p)]) for t in tasks for p in P_TARGETS]


def _full_trial_section(caption, results, tasks, eer_header="EER (full)"):
    """A section of one set scored by full trials or a trial list: EER with interval, then minDCF per task."""
    header = ["System"] + [f"{TASK_NAMES[t]} {eer_header}" for t in tasks] + _dcf_header(tasks)
    rows = [
        [label] + [_full_cell(by_task.get(t)) for t in tasks] + _dcf_cells(by_task, tasks) for label, by_task in results
    ]
    return caption, header, rows


# The operating points of the decision sections: the thresholds chosen on the validation speakers.
POINT_TITLES = {
    "eer": "the validation EER threshold",
    **{n: f"{100 * far:g} % FA on validation" for n, far in FAR_POINTS.items()},
}


def decision_table(set_title, results, task):
    """One set's and task's decision section as (caption, header, rows): what the calibration and thresholds
    fitted on the validation speakers achieve on these trials (``ge2e.evaluate.calibration.decision_metrics``).
    Systems without them (checkpoints from before calibration was stored) get n/a."""
    caption = (
        f"{TASK_NAMES[task]} decisions on {set_title}, by the calibration and thresholds chosen on the validation "
        "speakers: Cllr of the calibrated scores and its minimum (min Cllr, the best any monotone map reaches; "
        "bits), the actual detection cost of Bayes decisions on the calibrated scores beside the minimum "
        "(act / min), and the false-accept / false-reject rates the validation thresholds give here:"
    )
    header = [
        "System",
        "Cllr",
        "min Cllr",
        *(f"act / min DCF (p={p})" for p in P_TARGETS),
        *(f"FAR / FRR at {title}" for title in POINT_TITLES.values()),
    ]
    rows = []
    for label, by_task in results:
        result = by_task.get(task)
        if result is OTHER_TASK:
            continue
        d = result and result.get("decision")
        if not d:
            rows.append([label, *["n/a"] * (len(header) - 1)])
            continue
        rows.append(
            [
                label,
                _cell(d["cllr"]),
                _cell(d["min_cllr"]),
                *(f"{d[act_dcf_key(p)]:.4f} / {result[dcf_key(p)]:.4f}" for p in P_TARGETS),
                *(f"{d[f'far_at_{n}']:.4f} / {d[f'frr_at_{n}']:.4f}" for n in POINT_TITLES),
            ]
        )
    return caption, header, rows


def decision_tables(results, external=(), trial_lists=(), tasks=TASKS):
    """The decision sections of every set and task that has a system with a decision."""
    sets = [("the test speakers", results)]
    sets += [(f"external set '{name}'", found) for name, _, found in external]
    sets += [(f"trial list '{name}' (raw cosine scores)", found) for name, _, found in trial_lists]
    return [
        decision_table(title, found, task)
        for title, found in sets
        for task in tasks
        if any((by_task.get(task) or {}).get("decision") for _, by_task in found)
    ]


def external_table(name, root, results, tasks=TASKS):
    """One external set's section as (caption, header, rows); ``results`` as in :func:`tables`."""
    caption = (
        f"External set '{name}' ({root}): real speech never used in training or checkpoint selection; "
        "full trials only (each speaker enrols on the first half of its files, sorted):"
    )
    return _full_trial_section(caption, results, tasks)


def trial_list_table(name, about, results, tasks=TASKS):
    """One trial list's section as (caption, header, rows).

    Args:
        about: the list's ``root``, ``trials`` file, ``format`` and ``asnorm_top_k`` (None: raw cosine).
        results: as in :func:`tables`.
    """
    scored = [r for _, by_task in results for r in by_task.values() if r]
    counts = ""
    if scored:
        first = scored[0]
        counts = f"{first['target_trials'] + first['nontarget_trials']} trials ({first['target_trials']} target)"
        skipped = max(r.get("trials_skipped", 0) for r in scored)
        counts += f", {skipped} more left out for unreadable files; " if skipped else "; "
    norm = (
        f"AS-norm'd against the task's training speakers (top {about['asnorm_top_k']} cohort scores per side)"
        if about.get("asnorm_top_k")
        else "raw cosine scores"
    )
    caption = (
        f"Trial list '{name}' ({about['trials']}, {about['format']} form, audio under {about['root']}): "
        f"{counts}every listed trial scored as published, whole-utterance d-vectors, {norm}; never used in training "
        "or checkpoint selection:"
    )
    return _full_trial_section(caption, results, tasks, eer_header="EER")


def tables(results, external=(), trial_lists=(), tasks=TASKS, references=None):
    """The tables as data.

    Args:
        results: list of (label, {task: eval-result dict}) for our systems on the test speakers, in row order.
        external: list of (set name, folder, results) of the external sets, each its own table.
        trial_lists: list of (list name, about, results) of the trial lists (:func:`trial_list_table`).
        tasks: the tasks the run evaluated, one column group each.
        references: the tasks whose reference cells are filled (:func:`intro`); None: all; none: no rows.
    Returns:
        list of (caption, header, rows); caption is None for the main table, rows are lists of cell strings.
    """
    references = tasks if references is None else references
    eer_rows = [
        [label] + [c for t in tasks for c in ((_cell(ref[t], True), "n/r") if t in references else ("", ""))]
        for label, ref in (REFERENCES if references else [])
    ]
    dcf_rows = []
    for label, by_task in results:
        eer_cells = [label]
        for task in tasks:
            r = by_task.get(task)
            eer_cells += [_cell(r and r["eer_avg"]), _full_cell(r)]
        eer_rows.append(eer_cells)
        dcf_rows.append([label] + _dcf_cells(by_task, tasks))
    eer_header = [f"{TASK_NAMES[t]} EER ({kind})" for t in tasks for kind in ("avg", "full")]
    main = [
        (None, ["System", *eer_header], eer_rows),
        (
            "Minimum normalised detection cost of the full trials (C_miss = C_fa = 1):",
            ["System"] + _dcf_header(tasks),
            dcf_rows,
        ),
    ]
    sections = [external_table(*section, tasks=tasks) for section in external]
    sections += [trial_list_table(*section, tasks=tasks) for section in trial_lists]
    return main + sections + decision_tables(results, external, trial_lists, tasks)


def render(results, corpus_note, external=(), trial_lists=(), tasks=TASKS, seeds=(None,), references=None, means=()):
    """Markdown text of the table (``results/eer_table.md``); arguments as :func:`tables` and :func:`intro`."""
    lines = [f"# {TITLE}", "", *intro(corpus_note, seeds, tasks, references, results, means)]
    for caption, header, rows in tables(results, external, trial_lists, tasks, references):
        lines += [""] + ([caption, ""] if caption else [])
        lines += markdown_table(header, rows)
    return "\n".join(lines) + "\n"


def markdown_table(header, rows):
    """Lines of a Markdown table."""
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(r) + " |" for r in rows]


def render_html(
    results, corpus_note, external=(), trial_lists=(), tasks=TASKS, seeds=(None,), references=None, means=()
):
    """A standalone HTML page of the same tables (``results/eer_table.html``, shown in the report)."""
    body = [paragraph(" ".join(intro(corpus_note, seeds, tasks, references, results, means)))]
    for caption, header, rows in tables(results, external, trial_lists, tasks, references):
        if caption:
            body.append(f"<p>{html.escape(caption)}</p>")
        body.append(html_table(header, rows))
    return html_page(TITLE, body)


def paragraph(text):
    """One paragraph of Markdown-ish text as HTML: *x* in italics, `x` as code."""
    text = html.escape(text)
    text = re.sub(r"\*([^*]+)\*", r"<em>\1</em>", text)
    return "<p>" + re.sub(r"`([^`]+)`", r"<code>\1</code>", text) + "</p>"


PER_SEED_COLUMNS = ("set", "task", "variant", "schedule", "checkpoint", "seed", "eer_avg", "eer_full", "eer_full_ci95")


def render_per_seed(records):
    """The per-seed companion TSV (``results/eer_per_seed.tsv``): one line per set, task, system and seed.

    Args:
        records: dicts with the keys of ``PER_SEED_COLUMNS`` but the interval, and ``result`` (the seed's
            evaluation dict); seed None (the MFCC baseline) is written as ``-``.
    """
    dcf = [dcf_key(p) for p in P_TARGETS]
    header = [*PER_SEED_COLUMNS[:-1], "eer_full_ci95_low", "eer_full_ci95_high", *dcf, "val_eer"]
    lines = ["\t".join(header)]
    for rec in records:
        r = rec["result"]
        fixed = [rec[k] if rec[k] is not None else "-" for k in PER_SEED_COLUMNS[:6]]
        # val_eer: the checkpoint's EER on the validation speakers (none for the MFCC baseline)
        numbers = [r["eer_avg"], r["eer_full"], *r["eer_full_ci95"], *(r[k] for k in dcf), r.get("val_eer")]
        lines.append("\t".join([*map(str, fixed), *("" if x is None else f"{x:.6f}" for x in numbers)]))
    return "\n".join(lines) + "\n"


def read_per_seed(path, **match):
    """Rows of a per-seed TSV (:func:`render_per_seed`) whose columns equal ``match`` (e.g. ``set="test"``),
    as dicts of strings."""
    with open(path) as fh:
        header, *lines = [line.rstrip("\n").split("\t") for line in fh if line.strip()]
    rows = [dict(zip(header, line, strict=True)) for line in lines]
    return [row for row in rows if all(row[key] == str(value) for key, value in match.items())]


def load(path):
    with open(path) as fh:
        return json.load(fh)
