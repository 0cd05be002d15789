"""``results/run_summary.html``: what a run was trained and tested on, read from its manifests."""

from ge2e.corpus import manifest
from ge2e.encoder.model import SpeakerEncoder
from ge2e.results.htmlpage import html_page, html_table
from ge2e.systems import TASK_NAMES


def split_counts(rows):
    """{split: (speakers, utterances, hours)} of manifest rows, in train/val/test order."""
    counts = {}
    for split in manifest.SPLITS:
        selected = [r for r in rows if r["split"] == split]
        speakers = len({r["speaker"] for r in selected})
        counts[split] = (speakers, len(selected), sum(r["duration"] for r in selected) / 3600)
    return counts


def parameter_count(n_mels, **model_config):
    """Trainable parameters of the speaker encoder of ``model_config`` (hidden, layers, proj, arch)."""
    model = SpeakerEncoder(n_mels=n_mels, **model_config)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def render_html(tasks, model, n_mels):
    """The summary page.

    Args:
        tasks: {task: {"corpus": str, "manifest": path, "train": config.train[task], "copies": int}}.
        model: config.model (hidden, layers, proj).
        n_mels: log-mel bands per frame.
    """
    data_rows, train_rows = [], []
    for task, spec in tasks.items():
        counts = split_counts(manifest.read(spec["manifest"]))
        for split, (speakers, utterances, hours) in counts.items():
            note = f" (x{spec['copies']} after augmentation)" if split == "train" and spec["copies"] > 1 else ""
            data_rows.append([TASK_NAMES[task], spec["corpus"], split, speakers, f"{utterances}{note}", f"{hours:.2f}"])
        t = spec["train"]
        frames = "–".join(str(f) for f in t["frames"])
        train_rows.append([TASK_NAMES[task], t["n_speakers"], t["n_utterances"], frames, t["epochs"]])
    if model.get("arch") == "resemblyzer":
        shape = f"then a linear layer of {model['proj']} and ReLU (Resemblyzer's), on {n_mels} mel powers"
    else:
        shape = f"projection {model['proj']}, on {n_mels} log-mels"
    encoder = (
        f"<p>Speaker encoder: {model['layers']} LSTM layers x {model['hidden']} cells, {shape}: "
        f"{parameter_count(n_mels, **model):,} parameters.</p>"
    )
    return html_page(
        "Run summary",
        [
            encoder,
            html_table(["Task", "Corpus", "Split", "Speakers", "Utterances", "Hours"], data_rows),
            html_table(
                ["Task", "Speakers per batch (N)", "Utterances per speaker (M)", "Frames per segment", "Epochs"],
                train_rows,
            ),
        ],
    )
