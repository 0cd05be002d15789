"""Rule convert_snips: Snips JSON + audio_files -> the TD-SV manifest (keyword positives)."""

from ge2e import manifest
from ge2e.corpus import snips
from ge2e.rule import run


def main(smk):
    rows = snips.scan(smk.params.root)
    manifest.write(rows, smk.output.manifest)
    manifest.log_summary(rows)


run(main, snakemake)  # noqa: F821
