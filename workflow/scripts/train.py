"""Rule train: GE2E training for one task and learning-rate schedule."""

from pathlib import Path

from ge2e.features.store import FeatureSet
from ge2e.rule import run
from ge2e.train import cores, trainer
from ge2e.train.multireader import Source
from ge2e.train.transfer import Start


def main(smk):
    cores.pin_products()  # before the first matrix product: the thread count then changes no byte
    # From the cores the job claimed up to the run's (train.threads: auto), as other jobs leave them free.
    follow = cores.Follower(smk.threads, smk.resources.train_cores)
    settings = dict(smk.params.train)
    # Present only where the config sets them (ge2e.plan.transfer): the checkpoint to start from, a second source.
    init, multireader = settings.pop("init", None), settings.pop("multireader", None)
    params = trainer.TrainParams(**settings)
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
        init=Start(init["path"], init["from"], f"train.{smk.wildcards.task}.init") if init else None,
        multireader=(
            Source(multireader["source"], FeatureSet.load(smk.input.multireader), multireader["weight"])
            if multireader
            else None
        ),
        before_step=follow,
    )


run(main, snakemake)  # noqa: F821
