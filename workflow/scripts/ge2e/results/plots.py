"""Figures: loss curves per task and schedule, DET curves, score histograms, embedding maps."""

import matplotlib

matplotlib.use("Agg")  # headless: no display on clusters and CI
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ge2e.atomic import atomic_path  # noqa: E402
from ge2e.systems import DEFAULT, TASK_NAMES  # noqa: E402


def read_loss(path):
    """Loss log TSV -> dict of columns (epoch, step, loss, total_loss) as arrays."""
    data = np.genfromtxt(path, delimiter="\t", names=True, ndmin=1)
    return {name: np.atleast_1d(data[name]) for name in data.dtype.names}


def loss_curves(loss_tsvs, out_png, title, seeds=()):
    """Two panels: GE2E loss per step, and its running average, of one or more training runs.

    Args:
        loss_tsvs: loss logs of the runs, one per seed.
        title: the runs' task and schedule (and variant), e.g. ``TI-SV, const learning rate``.
        seeds: the seed of each log, for the legend; empty: one run, no legend.
    """
    runs = [read_loss(path) for path in loss_tsvs]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), constrained_layout=True)
    for ax, key, name in ((axes[0], "loss", "loss per step"), (axes[1], "total_loss", "running average")):
        for i, cols in enumerate(runs):
            label = f"seed {seeds[i]}" if seeds else None
            ax.plot(cols["step"], cols[key], lw=1 if len(runs) == 1 else 0.8, label=label)
        ax.set_xlabel("step")
        ax.set_ylabel("GE2E loss (sum over N x M)")
        ax.set_title(f"{title}: {name}")
        ax.grid(alpha=0.3)
    if seeds:
        axes[1].legend(fontsize=7)
    with atomic_path(out_png) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)


def read_scores(path):
    """Scores TSV -> (scores (K,), labels (K,)).

    No comment character: a halved utterance's id ends in ``#second-half`` (``ge2e.evaluate.protocols.HALVES``),
    which numpy's default would cut as a comment, taking its row's score and label with it."""
    data = np.loadtxt(path, delimiter="\t", skiprows=1, usecols=(2, 3), ndmin=2, comments=None)
    return data[:, 0], data[:, 1].astype(int)


def _set_title(task, evalset, variant=None):
    """'TI-SV' for a task's own test speakers, 'TI-SV on <set>' for an external set; the variant after it
    (None or default: none)."""
    name = TASK_NAMES.get(task, task)
    name = name if evalset in (None, "test") else f"{name} on {evalset}"
    return name if variant in (None, DEFAULT) else f"{name}, variant {variant}"


def det_curves(systems, out_png, task, evalset=None, variant=None):
    """DET curves of several systems on normal-deviate axes, one colour per system and one curve per seed.

    Args:
        systems: list of (label, scores TSV paths (one per seed), baseline); baselines are drawn dashed.
            The legend gives each system's EER (the mean over its seeds).
    """
    from ge2e.evaluate.metrics import det_curve, eer

    fig, ax = plt.subplots(figsize=(5.5, 5.5), constrained_layout=True)
    for i, (label, paths, baseline) in enumerate(systems):
        rates = []
        for k, path in enumerate(paths):
            scores, labels = read_scores(path)
            far, frr, _ = det_curve(scores, labels)
            rates.append(eer(scores, labels))
            named = f"{label} (EER {np.mean(rates):.3f})" if len(paths) == 1 else None
            ax.plot(
                _deviate(far),
                _deviate(frr),
                "--" if baseline else "-",
                color=f"C{i % 10}",
                lw=1.3 if len(paths) == 1 else 0.9,
                alpha=1.0 if len(paths) == 1 else 0.7,
                label=named if k == 0 else None,
            )
        if len(paths) > 1:  # one legend entry per system, after its seeds: their mean EER
            ax.plot([], [], "--" if baseline else "-", color=f"C{i % 10}",
                    label=f"{label} (mean EER {np.mean(rates):.3f}, {len(paths)} seeds)")  # fmt: skip
    _det_axes(ax, f"{_set_title(task, evalset, variant)}: DET curves, full trials")
    with atomic_path(out_png) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)


DET_TICKS = np.array([0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6])


def _deviate(rates):
    """Rates on the DET's normal-deviate axis, clipped to its range."""
    from scipy.stats import norm

    return norm.ppf(np.clip(rates, DET_TICKS[0] / 2, 1 - DET_TICKS[0] / 2))


def _det_axes(ax, title, fontsize=None, top=0.7):
    """The DET's diagonal, ticks in %, range (up to ``top``: 70 % keeps the untrained baseline near 40 % in view)."""
    from scipy.stats import norm

    lo, hi = DET_TICKS[0] / 2, 1 - DET_TICKS[0] / 2
    ticks = np.concatenate([DET_TICKS, [t for t in (0.8, 0.95, 0.99) if t < top]])
    ax.plot(norm.ppf([lo, hi]), norm.ppf([lo, hi]), color="grey", lw=0.6, ls=":")
    ax.set_xticks(norm.ppf(ticks), [f"{100 * t:g}" for t in ticks])
    ax.set_yticks(norm.ppf(ticks), [f"{100 * t:g}" for t in ticks])
    ax.set_xlim(norm.ppf([DET_TICKS[0], top]))
    ax.set_ylim(norm.ppf([DET_TICKS[0], top]))
    ax.set_xlabel("false accept rate (%)")
    ax.set_ylabel("false reject rate (%)")
    ax.set_title(title, fontsize=fontsize)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper right")


# The validation-chosen thresholds of ge2e.evaluate.calibration.operating_points, as the decision figure marks them.
POINT_MARKERS = {"eer": ("o", "validation EER threshold"), "far1": ("^", "1 % FA on validation"),
                 "far0.1": ("s", "0.1 % FA on validation")}  # fmt: skip


def decision_points(systems, out_png, task, evalset=None, variant=None):
    """The test DET of each system with the points its validation-chosen thresholds reach on it: where a
    threshold chosen on other speakers really lands, against the curve's best trade-offs.

    Args:
        systems: list of (label, scores TSV path, decision dict of its evaluation JSON or None, baseline).
    """
    from ge2e.evaluate.metrics import det_curve

    fig, ax = plt.subplots(figsize=(5.5, 5.5), constrained_layout=True)
    for i, (label, path, decision, baseline) in enumerate(systems):
        scores, labels = read_scores(path)
        far, frr, _ = det_curve(scores, labels)
        colour = f"C{i % 10}"
        ax.plot(_deviate(far), _deviate(frr), "--" if baseline else "-", color=colour, lw=1.2, label=label)
        for name, (marker, _) in POINT_MARKERS.items():
            if decision and f"far_at_{name}" in decision:
                # On the frame's edge where a rate is below the axis (0.1 %), rather than out of sight.
                rates = [decision[f"far_at_{name}"], decision[f"frr_at_{name}"]]
                rates = np.clip(rates, DET_TICKS[0], 1 - DET_TICKS[0])
                point = _deviate(rates)
                ax.plot(*point, marker, color=colour, ms=7, mfc="white", mew=1.5, clip_on=False)
    for marker, meaning in POINT_MARKERS.values():
        ax.plot([], [], marker, color="black", mfc="white", label=meaning)
    # Up to 99.9 %: a threshold chosen for few false accepts on validation may reject nearly every target here.
    title = f"{_set_title(task, evalset, variant)}: thresholds chosen on validation, reached on test"
    _det_axes(ax, title, 9, top=1 - DET_TICKS[0])
    with atomic_path(out_png) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)


def score_histograms(systems, out_png, task, evalset=None, variant=None):
    """Target vs non-target score histograms, one panel per system (its seeds' scores pooled); ``systems`` as
    for ``det_curves``."""
    cols = min(3, len(systems))
    rows = int(np.ceil(len(systems) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), constrained_layout=True, squeeze=False)
    for ax, (label, paths, _) in zip(axes.ravel(), systems, strict=False):
        read = [read_scores(path) for path in paths]
        scores, labels = np.concatenate([s for s, _ in read]), np.concatenate([lab for _, lab in read])
        bins = np.linspace(scores.min(), scores.max(), 40)
        ax.hist(scores[labels == 0], bins, density=True, alpha=0.6, label="non-target")
        ax.hist(scores[labels == 1], bins, density=True, alpha=0.6, label="target")
        ax.set_title(label if len(paths) == 1 else f"{label} ({len(paths)} seeds)", fontsize=9)
        ax.set_xlabel("cosine score")
    for ax in axes.ravel()[len(systems) :]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=8)
    fig.suptitle(f"{_set_title(task, evalset, variant)}: full-trial score distributions")
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


def variant_curve(points, out_png, xlabel, title):
    """EER against a numeric setting that variants change (e.g. the number of training speakers): each
    seed's EER as a dot, the mean over seeds as a line.

    Args:
        points: (x, [EER of each seed]) per variant, any order.
        xlabel, title: the setting's name and what was measured (task, schedule, checkpoint, set).
    """
    points = sorted(points)
    fig, ax = plt.subplots(figsize=(5, 3.6), constrained_layout=True)
    for x, eers in points:
        ax.plot([x] * len(eers), eers, "o", color="tab:blue", alpha=0.5, ms=4)
    xs = [x for x, _ in points]
    ax.plot(xs, [float(np.mean(e)) for _, e in points], "-s", color="tab:blue", label="mean over seeds")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("EER (full trials)")
    ax.set_xticks(xs)
    ax.set_ylim(bottom=0)
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    with atomic_path(out_png) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)
