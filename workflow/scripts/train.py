"""Rule train: GE2E training for one task and learning-rate schedule."""

from pathlib import Path

import torch

from ge2e.features.store import FeatureSet
from ge2e.rule import run
from ge2e.train import trainer


def main(smk):
    torch.set_num_threads(smk.threads)
    params = trainer.TrainParams(**smk.params.train)
    trainer.train(
        FeatureSet.load(smk.input.train),
        FeatureSet.load(smk.input.val),
        params,
        dict(smk.params.model),
        smk.params.features,
        {
            **{key: smk.output[key] for key in ("init", "final", "best", "loss")},
            # Not a declared output: Snakemake would delete it before the rerun that needs it.
            "resume": str(Path(smk.output.final).with_name("resume.pt")),
        },
        source=smk.params.source,
    )


run(main, snakemake)  # noqa: F821
