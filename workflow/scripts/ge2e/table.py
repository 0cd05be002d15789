"""The results table: published reference EERs beside ours, as Markdown and as HTML.

Both renderings come from one list of tables (:func:`tables`), so the file the README
quotes and the page the Snakemake report shows cannot disagree.
"""

import html
import json

from ge2e.htmlpage import html_page, html_table
from ge2e.metrics import P_TARGETS, dcf_key
from ge2e.systems import TASK_NAMES, TASKS

# Published EERs (text-dependent, text-independent); None = not reported.
REFERENCES = [
    ("Paper (Wan et al. 2018, GE2E)", 0.031, 0.0406),
    ("Earlier PyTorch reproduction, Const_lr (1500 epochs)", 0.02408, 0.04112),
    ("Earlier PyTorch reproduction, Step_lr (halved every 800 epochs, 2000 epochs)", 0.02425, 0.03979),
    ("Earlier TI-only PyTorch port", None, 0.05742),
]
TITLE = "GE2E speaker verification: EER"


def _cell(value, published=False):
    """Ours to 4 decimals; published figures exactly as printed in their source."""
    if value is None:
        return "n/r"
    return f"{value}" if published else f"{value:.4f}"


def _full_cell(result):
    """Full-trial EER with its bootstrap interval, e.g. ``0.1000 [0.071, 0.132]``."""
    if result is None:
        return "n/r"
    low, high = result["eer_full_ci95"]
    return f"{result['eer_full']:.4f} [{low:.3f}, {high:.3f}]"


def intro(corpus_note):
    """The paragraph above the tables: what was measured on what."""
    return [
        f"Ours: {corpus_note}. References are the published figures on the real corpora",
        "(their protocol's single EER is shown under *avg*; n/r = not reported).",
        "*avg* = seed-compatible average EER over batches of N test speakers x M utterances;",
        "*full* = full-trial EER, every test utterance against every enrolled test speaker,",
        "with its 95 % interval from a speaker bootstrap in brackets.",
    ]


def _dcf_header():
    """minDCF columns: every task at every reported prior (``ge2e.metrics.P_TARGETS``)."""
    return [f"{TASK_NAMES[t]} minDCF (p={p})" for t in TASKS for p in P_TARGETS]


def _dcf_cells(by_task):
    return [_cell(by_task.get(t) and by_task[t][dcf_key(p)]) for t in TASKS for p in P_TARGETS]


def _full_trial_section(caption, results, eer_header="EER (full)"):
    """A section of one set scored by full trials or a trial list: EER with interval, then minDCF per task."""
    header = ["System"] + [f"{TASK_NAMES[t]} {eer_header}" for t in TASKS] + _dcf_header()
    rows = [[label] + [_full_cell(by_task.get(t)) for t in TASKS] + _dcf_cells(by_task) for label, by_task in results]
    return caption, header, rows


def external_table(name, root, results):
    """One external set's section as (caption, header, rows); ``results`` as in :func:`tables`."""
    caption = (
        f"External set '{name}' ({root}): real speech never used in training or checkpoint selection; "
        "full trials only (each speaker enrols on the first half of its files, sorted):"
    )
    return _full_trial_section(caption, results)


def trial_list_table(name, about, results):
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
    return _full_trial_section(caption, results, eer_header="EER")


def tables(results, external=(), trial_lists=()):
    """The tables as data.

    Args:
        results: list of (label, {task: eval-result dict}) for our systems on the test speakers, in row order.
        external: list of (set name, folder, results) of the external sets, each its own table.
        trial_lists: list of (list name, about, results) of the trial lists (:func:`trial_list_table`).
    Returns:
        list of (caption, header, rows); caption is None for the main table, rows are lists of cell strings.
    """
    eer_rows = [[label, _cell(td, True), "n/r", _cell(ti, True), "n/r"] for label, td, ti in REFERENCES]
    dcf_rows = []
    for label, by_task in results:
        eer_cells = [label]
        for task in TASKS:
            r = by_task.get(task)
            eer_cells += [_cell(r and r["eer_avg"]), _full_cell(r)]
        eer_rows.append(eer_cells)
        dcf_rows.append([label] + _dcf_cells(by_task))
    main = [
        (None, ["System", "TD-SV EER (avg)", "TD-SV EER (full)", "TI-SV EER (avg)", "TI-SV EER (full)"], eer_rows),
        (
            "Minimum normalised detection cost of the full trials (C_miss = C_fa = 1):",
            ["System"] + _dcf_header(),
            dcf_rows,
        ),
    ]
    sections = [external_table(*section) for section in external]
    return main + sections + [trial_list_table(*section) for section in trial_lists]


def render(results, corpus_note, external=(), trial_lists=()):
    """Markdown text of the table (``results/eer_table.md``); arguments as :func:`tables`."""
    lines = [f"# {TITLE}", "", *intro(corpus_note)]
    for caption, header, rows in tables(results, external, trial_lists):
        lines += [""] + ([caption, ""] if caption else [])
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def render_html(results, corpus_note, external=(), trial_lists=()):
    """A standalone HTML page of the same tables (``results/eer_table.html``, shown in the report)."""
    text = html.escape(" ".join(intro(corpus_note)))
    body = ["<p>" + text.replace("*avg*", "<em>avg</em>").replace("*full*", "<em>full</em>") + "</p>"]
    for caption, header, rows in tables(results, external, trial_lists):
        if caption:
            body.append(f"<p>{html.escape(caption)}</p>")
        body.append(html_table(header, rows))
    return html_page(TITLE, body)


def load(path):
    with open(path) as fh:
        return json.load(fh)
