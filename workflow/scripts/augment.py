"""Rule augment: one training shard of a task -> originals + augmented copies (ge2e.augment)."""

import logging

from ge2e import augment, features, manifest
from ge2e.badfiles import BadFiles
from ge2e.rule import run


def main(smk):
    rows = manifest.shard(manifest.read(smk.input.manifest), "train", int(smk.wildcards.shard), smk.params.shards)
    params = augment.AugmentParams(**smk.params.augment)
    fs = augment.augment_rows(
        rows,
        features.FeatureParams(**smk.params.features),
        params,
        smk.params.seed,
        BadFiles(smk.params.on_bad_file, "augment"),
        smk.params.resample,
        smk.params.channel,
    )
    fs.save(smk.output[0])
    logging.getLogger("ge2e").info("%d originals -> %d utterances", len(rows), len(fs))


run(main, snakemake)  # noqa: F821
