"""Rule augment: one training shard of a task -> originals + augmented copies (ge2e.features.augment)."""

import logging

from ge2e.audio.files import ReadPolicy
from ge2e.corpus import manifest
from ge2e.features import augment, frontend
from ge2e.rule import run


def main(smk):
    rows = manifest.shard(manifest.read(smk.input.manifest), "train", int(smk.wildcards.shard), smk.params.shards)
    params = augment.AugmentParams(**smk.params.augment)
    feature_params = frontend.FeatureParams(**smk.params.features)
    fs = augment.augment_rows(rows, feature_params, params, smk.params.seed, ReadPolicy(**smk.params.read_policy))
    fs.save(smk.output[0])
    logging.getLogger("ge2e").info("%d originals -> %d utterances", len(rows), len(fs))


run(main, snakemake)  # noqa: F821
