"""``results/eer_table.md``: published reference EERs beside ours."""

import json

# Published EERs (text-dependent, text-independent); None = not reported.
REFERENCES = [
    ("Paper (Wan et al. 2018, GE2E)", 0.031, 0.0406),
    ("Earlier PyTorch reproduction, Const_lr (1500 epochs)", 0.02408, 0.04112),
    ("Earlier PyTorch reproduction, Step_lr (halved every 800 epochs, 2000 epochs)", 0.02425, 0.03979),
    ("Earlier TI-only PyTorch port", None, 0.05742),
]
TASKS = ("tdsv", "tisv")


def _cell(value, published=False):
    """Ours to 4 decimals; published figures exactly as printed in their source."""
    if value is None:
        return "n/r"
    return f"{value}" if published else f"{value:.4f}"


def render(results, corpus_note):
    """Markdown table.

    Args:
        results: list of (label, {task: eval-result dict}) for our systems, in row order.
        corpus_note: one line naming the corpora the numbers were measured on.
    Returns:
        the markdown text.
    """
    lines = [
        "# GE2E speaker verification: EER",
        "",
        f"Ours: {corpus_note}. References are the published figures on the real corpora",
        "(their protocol's single EER is shown under *avg*; n/r = not reported).",
        "*avg* = seed-compatible average EER over batches of N test speakers x M utterances;",
        "*full* = full-trial EER, every test utterance against every enrolled test speaker,",
        "with its 95 % interval from a speaker bootstrap in brackets.",
        "",
        "| System | TD-SV EER (avg) | TD-SV EER (full) | TI-SV EER (avg) | TI-SV EER (full) |",
        "|---|---|---|---|---|",
    ]
    for label, td, ti in REFERENCES:
        lines.append(f"| {label} | {_cell(td, True)} | n/r | {_cell(ti, True)} | n/r |")
    for label, by_task in results:
        cells = []
        for task in TASKS:
            r = by_task.get(task)
            cells += [_cell(r and r["eer_avg"]), _full_cell(r)]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Minimum normalised detection cost of the full trials (C_miss = C_fa = 1):",
        "",
        "| System | TD-SV minDCF (p=0.01) | TD-SV minDCF (p=0.001) | TI-SV minDCF (p=0.01) | TI-SV minDCF (p=0.001) |",
        "|---|---|---|---|---|",
    ]
    for label, by_task in results:
        cells = []
        for task in TASKS:
            r = by_task.get(task)
            cells += [_cell(r and r["min_dcf_0.01"]), _cell(r and r["min_dcf_0.001"])]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _full_cell(result):
    """Full-trial EER with its bootstrap interval, e.g. ``0.1000 [0.071, 0.132]``."""
    if result is None:
        return "n/r"
    low, high = result["eer_full_ci95"]
    return f"{result['eer_full']:.4f} [{low:.3f}, {high:.3f}]"


def load(path):
    with open(path) as fh:
        return json.load(fh)
