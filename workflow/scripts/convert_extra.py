"""Rule convert_extra: an extra TI-SV training corpus (corpus.tisv_extra_train.<name>) -> its manifest, every speaker
training, ids prefixed with the name (merged into the TI-SV manifest by the main corpus's convert rule)."""

from ge2e.audio.files import ReadPolicy
from ge2e.corpus import extra, manifest
from ge2e.rule import run


def main(smk):
    p = smk.params
    builtin_root = smk.input.builtin[0] if smk.input.builtin else None
    rows = extra.manifest_rows(p.name, p.format, p.spec, ReadPolicy(**p.read_policy), smk.threads, builtin_root)
    manifest.write(rows, smk.output.manifest)
    manifest.log_summary(rows)


run(main, snakemake)  # noqa: F821
