"""Rule plot_scores: one task's full-trial score files on one evaluation set -> DET curves and score histograms."""

from ge2e import plots
from ge2e.rule import run


def main(smk):
    systems = list(zip(smk.params.labels, smk.input, smk.params.baselines, strict=True))
    plots.det_curves(systems, smk.output.det, smk.wildcards.task, smk.wildcards.evalset)
    plots.score_histograms(systems, smk.output.hist, smk.wildcards.task, smk.wildcards.evalset)


run(main, snakemake)  # noqa: F821
