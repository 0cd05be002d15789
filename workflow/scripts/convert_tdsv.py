"""Rule convert_tdsv: a TD-SV corpus in the layout corpus.tdsv_format names -> the TD-SV manifest of its keyword's
files."""

from ge2e.audio.files import ReadPolicy
from ge2e.corpus import formats, manifest
from ge2e.rule import run


def main(smk):
    p = smk.params
    rows = formats.manifest_rows(p.format, p.spec, ReadPolicy(**p.read_policy), p.seed, smk.threads)
    manifest.check_capacity(rows, "tdsv", **p.capacity)
    manifest.write(rows, smk.output.manifest)
    manifest.log_summary(rows)


run(main, snakemake)  # noqa: F821
