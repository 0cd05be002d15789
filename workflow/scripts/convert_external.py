"""Rule convert_external: a <speaker>/<files> folder -> the manifest of an external evaluation set."""

from ge2e.audio.files import ReadPolicy
from ge2e.corpus import folder, manifest
from ge2e.rule import run


def main(smk):
    p = smk.params
    key = f"evaluate.external.{smk.wildcards.evalset}"
    rows = folder.scan(p.root, ReadPolicy(**p.read_policy), "test", key)
    folder.check_trials(rows, p.root, key)
    manifest.write(rows, smk.output.manifest)
    manifest.log_summary(rows)


run(main, snakemake)  # noqa: F821
