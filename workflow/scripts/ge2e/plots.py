"""Figures: loss curves per task and schedule."""

import matplotlib

matplotlib.use("Agg")  # headless: no display on clusters and CI
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ge2e.atomic import atomic_path  # noqa: E402

TASK_NAMES = {"tdsv": "TD-SV", "tisv": "TI-SV"}


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
