"""Figures: loss curves per task and schedule, DET curves, score histograms, embedding maps."""

import matplotlib

matplotlib.use("Agg")  # headless: no display on clusters and CI
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ge2e.atomic import atomic_path  # noqa: E402
from ge2e.systems import TASK_NAMES  # noqa: E402


def read_loss(path):
    """Loss log TSV -> dict of columns (epoch, step, loss, total_loss) as arrays."""
    data = np.genfromtxt(path, delimiter="\t", names=True, ndmin=1)
    return {name: np.atleast_1d(data[name]) for name in data.dtype.names}


def loss_curves(loss_tsv, out_png, task, schedule):
    """Two panels: GE2E loss per step, and its running average; titled by task and schedule."""
    cols = read_loss(loss_tsv)
    title = f"{TASK_NAMES.get(task, task)}, {schedule} learning rate"
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), constrained_layout=True)
    for ax, key, name in ((axes[0], "loss", "loss per step"), (axes[1], "total_loss", "running average")):
        ax.plot(cols["step"], cols[key], lw=1)
        ax.set_xlabel("step")
        ax.set_ylabel("GE2E loss (sum over N x M)")
        ax.set_title(f"{title}: {name}")
        ax.grid(alpha=0.3)
    with atomic_path(out_png) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)


def read_scores(path):
    """Scores TSV -> (scores (K,), labels (K,))."""
    data = np.loadtxt(path, delimiter="\t", skiprows=1, usecols=(2, 3), ndmin=2)
    return data[:, 0], data[:, 1].astype(int)


def _set_title(task, evalset):
    """'TI-SV' for a task's own test speakers, 'TI-SV on <set>' for an external set."""
    name = TASK_NAMES.get(task, task)
    return name if evalset in (None, "test") else f"{name} on {evalset}"


def det_curves(score_files, out_png, task, evalset=None):
    """DET curves of several systems on normal-deviate axes.

    Args:
        score_files: list of (label, scores TSV path, baseline); baselines are drawn dashed.
    """
    from scipy.stats import norm

    from ge2e.metrics import det_curve, eer

    ticks = np.array([0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6])
    fig, ax = plt.subplots(figsize=(5.5, 5.5), constrained_layout=True)
    for label, path, baseline in score_files:
        scores, labels = read_scores(path)
        far, frr, _ = det_curve(scores, labels)
        lo, hi = ticks[0] / 2, 1 - ticks[0] / 2
        style = "--" if baseline else "-"
        ax.plot(
            norm.ppf(np.clip(far, lo, hi)),
            norm.ppf(np.clip(frr, lo, hi)),
            style,
            lw=1.3,
            label=f"{label} (EER {eer(scores, labels):.3f})",
        )
    ax.plot(norm.ppf([lo, hi]), norm.ppf([lo, hi]), color="grey", lw=0.6, ls=":")
    ax.set_xticks(norm.ppf(ticks), [f"{100 * t:g}" for t in ticks])
    ax.set_yticks(norm.ppf(ticks), [f"{100 * t:g}" for t in ticks])
    # Up to 70 %, so the untrained baseline's curve (EER near 40 %) stays in view.
    ax.set_xlim(norm.ppf([ticks[0], 0.7]))
    ax.set_ylim(norm.ppf([ticks[0], 0.7]))
    ax.set_xlabel("false accept rate (%)")
    ax.set_ylabel("false reject rate (%)")
    ax.set_title(f"{_set_title(task, evalset)}: DET curves, full trials")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper right")
    with atomic_path(out_png) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)


def score_histograms(score_files, out_png, task, evalset=None):
    """Target vs non-target score histograms, one panel per system; ``score_files`` as for ``det_curves``."""
    cols = min(3, len(score_files))
    rows = int(np.ceil(len(score_files) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), constrained_layout=True, squeeze=False)
    for ax, (label, path, _) in zip(axes.ravel(), score_files, strict=False):
        scores, labels = read_scores(path)
        bins = np.linspace(scores.min(), scores.max(), 40)
        ax.hist(scores[labels == 0], bins, density=True, alpha=0.6, label="non-target")
        ax.hist(scores[labels == 1], bins, density=True, alpha=0.6, label="target")
        ax.set_title(label, fontsize=9)
        ax.set_xlabel("cosine score")
    for ax in axes.ravel()[len(score_files) :]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=8)
    fig.suptitle(f"{_set_title(task, evalset)}: full-trial score distributions")
    with atomic_path(out_png) as tmp:
        fig.savefig(tmp, dpi=100)
    plt.close(fig)


def embedding_map(panels, speakers, out_png, task, seed):
    """2-D t-SNE maps of utterance embeddings coloured by speaker, side by side.

    Args:
        panels: list of (title, embeddings (U, D)) over the same U utterances.
        speakers: (U,) speaker of each utterance.
        seed: t-SNE's random_state, so the map is reproducible.
    """
    from sklearn.manifold import TSNE

    speakers = np.asarray(speakers)
    names, colour = np.unique(speakers, return_inverse=True)
    # 60 distinct colours (tab20, tab20b, tab20c), so up to 60 speakers never share one.
    palette = np.concatenate([plt.get_cmap(name).colors for name in ("tab20", "tab20b", "tab20c")])
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 5), constrained_layout=True, squeeze=False)
    for ax, (title, emb) in zip(axes[0], panels, strict=True):
        perplexity = float(min(30, max(2, len(emb) // 4)))
        xy = TSNE(2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(emb)
        ax.scatter(xy[:, 0], xy[:, 1], c=palette[colour % len(palette)], s=14, alpha=0.85)
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"{TASK_NAMES.get(task, task)}: test utterances, {len(names)} speakers (colour = speaker), t-SNE")
    with atomic_path(out_png) as tmp:
        fig.savefig(tmp, dpi=100)
    plt.close(fig)
