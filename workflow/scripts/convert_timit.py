"""Rule convert_timit: a TIMIT tree -> 16-bit wavs + the TI-SV manifest."""

from ge2e import manifest
from ge2e.corpus import timit
from ge2e.rule import run


def main(smk):
    rows = timit.assign_splits(timit.scan(smk.params.root), smk.params.val_fraction, smk.params.seed)
    rows = timit.convert(rows, smk.output.wav, smk.params.sample_rate, smk.threads)
    manifest.write(rows, smk.output.manifest)
    manifest.log_summary(rows)


run(main, snakemake)  # noqa: F821
