"""Rule convert_snips: Snips JSON + audio_files -> the TD-SV manifest (keyword positives)."""

from ge2e.audio.files import ReadPolicy
from ge2e.corpus import manifest, snips
from ge2e.rule import run


def main(smk):
    p = smk.params
    rows = snips.scan(p.root, ReadPolicy(**p.read_policy))
    manifest.check_capacity(rows, "tdsv", **p.capacity)
    manifest.write(rows, smk.output.manifest)
    manifest.log_summary(rows)


run(main, snakemake)  # noqa: F821
