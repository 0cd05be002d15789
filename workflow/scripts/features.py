"""Rule features: one shard of one split -> VAD + log-mel ``.npz``."""

import logging

from ge2e import features, manifest
from ge2e.badfiles import BadFiles
from ge2e.rule import run


def main(smk):
    rows = manifest.shard(
        manifest.read(smk.input.manifest), smk.wildcards.split, int(smk.wildcards.shard), smk.params.shards
    )
    bad_files = BadFiles(smk.params.on_bad_file, "features")
    fs = features.extract_rows(rows, features.FeatureParams(**smk.params.features), bad_files, smk.params.resample)
    fs.save(smk.output[0])
    logging.getLogger("ge2e").info("%d utterances, %d frames", len(fs), int(fs.lengths.sum()))


run(main, snakemake)  # noqa: F821
