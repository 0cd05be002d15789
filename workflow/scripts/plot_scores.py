"""Rule plot_scores: one task's full-trial score files -> DET curves and score histograms."""

from ge2e import plots
from ge2e.rule import run


def main(smk):
    systems = list(zip(smk.params.labels, smk.input, strict=True))
    plots.det_curves(systems, smk.output.det, smk.wildcards.task)
    plots.score_histograms(systems, smk.output.hist, smk.wildcards.task)


run(main, snakemake)  # noqa: F821
