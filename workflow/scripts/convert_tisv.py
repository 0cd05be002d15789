"""Rule convert_tisv: a TI-SV corpus in the layout corpus.tisv_format names -> the TI-SV manifest of its files."""

from ge2e.audio.files import ReadPolicy
from ge2e.corpus import extra, formats, manifest
from ge2e.rule import run


def main(smk):
    p = smk.params
    rows = formats.manifest_rows(p.format, p.spec, ReadPolicy(**p.read_policy), p.seed, smk.threads)
    # Extra training corpora (corpus.tisv_extra_train) join after the splits: their speakers only train.
    rows = extra.merge(rows, extra.read_manifests(smk.input.extra))
    manifest.check_capacity(rows, "tisv", **p.capacity)
    manifest.write(rows, smk.output.manifest)
    manifest.log_summary(rows)


run(main, snakemake)  # noqa: F821
