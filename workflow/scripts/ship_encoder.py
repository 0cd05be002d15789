"""Rule ship_encoder: the validation speakers' choice of a task's best.pt over seeds, copied to models/."""

import logging

from ge2e.encoder import shipped
from ge2e.rule import run


def main(smk):
    path = shipped.ship(list(smk.input), smk.output[0])
    logging.getLogger(__name__).info("shipped %s as %s", path, smk.output[0])


run(main, snakemake)  # noqa: F821
