"""Rule convert_tisv: a TI-SV corpus in the layout corpus.tisv_format names -> the TI-SV manifest of its files."""

from types import SimpleNamespace

from ge2e import manifest
from ge2e.badfiles import BadFiles
from ge2e.corpus import formats
from ge2e.rule import run


def main(smk):
    p = smk.params
    policy = SimpleNamespace(**p.policy)
    bad_files = BadFiles(policy.on_bad_file, "convert")
    rows = formats.manifest_rows(p.format, p.spec, policy, p.seed, bad_files, smk.threads)
    manifest.check_capacity(rows, "tisv", **p.capacity)
    manifest.write(rows, smk.output.manifest)
    manifest.log_summary(rows)


run(main, snakemake)  # noqa: F821
