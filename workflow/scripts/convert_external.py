"""Rule convert_external: a <speaker>/<files> folder -> the manifest of an external evaluation set (all its speakers,
or the part of a seeded split of them that the set reads)."""

from ge2e.audio.files import ReadPolicy
from ge2e.corpus import folder, manifest, speaker_split
from ge2e.rule import run


def main(smk):
    p = smk.params
    key = f"evaluate.external.{smk.wildcards.evalset}"
    # The folder alone, or {root, speakers} (ge2e.plan.params.external_args).
    spec = p.external if isinstance(p.external, dict) else {"root": p.external, "speakers": None}
    rows = folder.scan(spec["root"], ReadPolicy(**p.read_policy), "test", key)
    split = speaker_split.SpeakerSplit.of(spec["speakers"])
    if split is not None:
        part_of = split.parts({r["speaker"] for r in rows}, f"{key}.speakers")
        speaker_split.log_parts(f"{spec['root']} ({split.describe()}; the set reads the {split.part} part)", part_of)
        rows = speaker_split.select(rows, part_of, (split.part,))
    folder.check_trials(rows, spec["root"], key)
    manifest.write(rows, smk.output.manifest)
    manifest.log_summary(rows)


run(main, snakemake)  # noqa: F821
