"""Rule plot_scores: one variant's full-trial score files (every seed of each system) on one evaluation set ->
DET curves and score histograms."""

from ge2e.results import plots
from ge2e.rule import run


def main(smk):
    files, systems = list(smk.input), []
    for label, count, baseline in smk.params.systems:
        systems.append((label, files[:count], baseline))
        files = files[count:]
    plots.det_curves(systems, smk.output.det, smk.wildcards.task, smk.wildcards.evalset, smk.params.variant)
    plots.score_histograms(systems, smk.output.hist, smk.wildcards.task, smk.wildcards.evalset, smk.params.variant)


run(main, snakemake)  # noqa: F821
