"""``results/run_summary.html``: what a run was trained and tested on, read from its manifests."""

import html

from ge2e import manifest
from ge2e.model import SpeakerEncoder

TASK_NAMES = {"tdsv": "TD-SV", "tisv": "TI-SV"}


def split_counts(rows):
    """{split: (speakers, utterances, hours)} of manifest rows, in train/val/test order."""
    counts = {}
    for split in manifest.SPLITS:
        selected = [r for r in rows if r["split"] == split]
        speakers = len({r["speaker"] for r in selected})
        counts[split] = (speakers, len(selected), sum(r["duration"] for r in selected) / 3600)
    return counts


def parameter_count(n_mels, hidden, layers, proj):
    """Trainable parameters of the speaker encoder at this size."""
    model = SpeakerEncoder(n_mels=n_mels, hidden=hidden, layers=layers, proj=proj)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def render_html(tasks, model, n_mels):
    """The summary page.

    Args:
        tasks: {task: {"corpus": str, "manifest": path, "train": config.train[task], "copies": int}}.
        model: config.model (hidden, layers, proj).
        n_mels: log-mel bands per frame.
    """
    esc = html.escape
    params = parameter_count(n_mels, **model)
    out = [
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>Run summary</title><style>",
        "body{font-family:sans-serif;margin:1.5em} table{border-collapse:collapse;margin:.5em 0 1.5em}",
        "th,td{border:1px solid #bbb;padding:.3em .6em;text-align:right} th:first-child,td:first-child"
        "{text-align:left} th{background:#eee}</style></head><body>",
        "<h1>Run summary</h1>",
        f"<p>Speaker encoder: {model['layers']} LSTM layers x {model['hidden']} cells, projection "
        f"{model['proj']}, on {n_mels} log-mels: {params:,} parameters.</p>",
        "<table><tr><th>Task</th><th>Corpus</th><th>Split</th><th>Speakers</th><th>Utterances</th><th>Hours</th></tr>",
    ]
    for task, spec in tasks.items():
        counts = split_counts(manifest.read(spec["manifest"]))
        for split, (speakers, utterances, hours) in counts.items():
            note = f" (x{spec['copies']} after augmentation)" if split == "train" and spec["copies"] > 1 else ""
            out.append(
                f"<tr><td>{TASK_NAMES[task]}</td><td>{esc(spec['corpus'])}</td><td>{split}</td><td>{speakers}</td>"
                f"<td>{utterances}{note}</td><td>{hours:.2f}</td></tr>"
            )
    out.append("</table>")
    out.append(
        "<table><tr><th>Task</th><th>Speakers per batch (N)</th><th>Utterances per speaker (M)</th>"
        "<th>Frames per segment</th><th>Epochs</th></tr>"
    )
    for task, spec in tasks.items():
        t = spec["train"]
        frames = "–".join(str(f) for f in t["frames"])
        out.append(
            f"<tr><td>{TASK_NAMES[task]}</td><td>{t['n_speakers']}</td><td>{t['n_utterances']}</td>"
            f"<td>{frames}</td><td>{t['epochs']}</td></tr>"
        )
    out.append("</table></body></html>\n")
    return "\n".join(out)
