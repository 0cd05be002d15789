"""Rule plot_loss: a training loss log -> two-panel PNG."""

from ge2e import plots
from ge2e.rule import run


def main(smk):
    plots.loss_curves(smk.input[0], smk.output[0], smk.wildcards.task, smk.wildcards.schedule)


run(main, snakemake)  # noqa: F821
