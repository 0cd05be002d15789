"""Rule import_encoder: a public encoder's weights as a checkpoint of the pipeline."""

from ge2e.rule import run
from ge2e.train import imported


def main(smk):
    imported.write(smk.output[0], smk.wildcards.name)


run(main, snakemake)  # noqa: F821
