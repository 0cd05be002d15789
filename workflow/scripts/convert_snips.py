"""Rule convert_snips: Snips JSON + audio_files -> the TD-SV manifest (keyword positives)."""

from ge2e import manifest
from ge2e.badfiles import BadFiles
from ge2e.corpus import snips
from ge2e.rule import run


def main(smk):
    p = smk.params
    rows = snips.scan(p.root, BadFiles(p.on_bad_file, "convert"), p.sample_rate, p.resample, p.channel)
    manifest.check_capacity(rows, "tdsv", **p.capacity)
    manifest.write(rows, smk.output.manifest)
    manifest.log_summary(rows)


run(main, snakemake)  # noqa: F821
