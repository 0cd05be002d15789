"""Rule plot_scores: one variant's full-trial score files (every seed of each system) on one evaluation set ->
DET curves, score histograms, and the points the validation-chosen thresholds reach on the DET (first seed)."""

import json

from ge2e.results import plots
from ge2e.rule import run


def main(smk):
    files, systems = list(smk.input.scores), []
    for label, count, baseline in smk.params.systems:
        systems.append((label, files[:count], baseline))
        files = files[count:]
    plots.det_curves(systems, smk.output.det, smk.wildcards.task, smk.wildcards.evalset, smk.params.variant)
    plots.score_histograms(systems, smk.output.hist, smk.wildcards.task, smk.wildcards.evalset, smk.params.variant)
    decided = []
    for (label, _, baseline), result, scores in zip(
        smk.params.systems, smk.input.results, smk.params.decisions, strict=True
    ):
        with open(result) as fh:
            decided.append((label, scores, json.load(fh).get("decision"), baseline))
    plots.decision_points(decided, smk.output.decisions, smk.wildcards.task, smk.wildcards.evalset, smk.params.variant)


run(main, snakemake)  # noqa: F821
