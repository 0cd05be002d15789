"""Rule convert_timit: a TIMIT tree -> 16-bit wavs + the TI-SV manifest."""

from ge2e.audio.files import ReadPolicy
from ge2e.corpus import extra, manifest, timit
from ge2e.rule import run


def main(smk):
    p = smk.params
    rows = timit.scan(p.root, p.test_set)
    rows = timit.convert(rows, smk.output.wav, ReadPolicy(**p.read_policy), smk.threads)
    val_speakers = timit.read_val_list(p.val_list) if p.val_list else None
    rows = timit.assign_splits(rows, p.val_fraction, p.seed, val_speakers)
    # Extra training corpora (corpus.tisv_extra_train) join after the splits: their speakers only train.
    rows = extra.merge(rows, extra.read_manifests(smk.input.extra))
    manifest.check_capacity(rows, "tisv", **p.capacity)
    manifest.write(rows, smk.output.manifest)
    manifest.log_summary(rows)


run(main, snakemake)  # noqa: F821
