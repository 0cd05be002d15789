"""Rules features and features_external: one shard of one split -> VAD + log-mel ``.npz``."""

import logging

from ge2e.audio.files import ReadPolicy
from ge2e.corpus import manifest
from ge2e.features import frontend
from ge2e.rule import run


def main(smk):
    p = smk.params
    rows = manifest.shard(manifest.read(smk.input.manifest), p.split, p.shard, p.shards)
    params = frontend.FeatureParams(**p.features)
    fs = frontend.extract_rows(rows, params, ReadPolicy(**p.read_policy))
    fs.save(smk.output[0])
    logging.getLogger("ge2e").info(
        "%d utterances, %d frames, %s arithmetic", len(fs), int(fs.lengths.sum()), params.arithmetic
    )


run(main, snakemake)  # noqa: F821
