"""Rules download_*: one archive or trial list fetched, verified and put in place unless it is there already
(ge2e.fetch.obtain); the marker says which."""

from ge2e.atomic import write_text
from ge2e.fetch.download import Policy
from ge2e.fetch.obtain import obtain
from ge2e.rule import run


def main(smk):
    write_text(smk.output[0], obtain(**smk.params.job, policy=Policy(**smk.params.policy)))


run(main, snakemake)  # noqa: F821
