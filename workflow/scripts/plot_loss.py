"""Rule plot_loss: the training loss logs of every seed of one variant's schedule -> two-panel PNG."""

from ge2e.results import plots
from ge2e.rule import run


def main(smk):
    plots.loss_curves(list(smk.input), smk.output[0], smk.params.title, smk.params.seeds)


run(main, snakemake)  # noqa: F821
