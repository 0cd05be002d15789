# GE2E speaker verification (Wan et al. 2018), TD-SV on Snips and TI-SV on TIMIT:
# raw corpora -> manifests -> log-mel shards -> GE2E training -> EER table and plots.
import os
import sys

from snakemake.utils import min_version

min_version("9.0")

# The library lives beside the rule scripts; the Snakefile's own helpers use it too. This is the one
# path edit left: a workflow run from a copy (the tests) or where only Snakemake is installed (a conda
# env) must use the library of its own folder, not whichever ge2e an editable install points at.
sys.path.insert(0, os.path.join(workflow.basedir, "workflow", "scripts"))


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/download.smk"
include: "workflow/rules/corpus.smk"
include: "workflow/rules/features.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        final_targets(),
