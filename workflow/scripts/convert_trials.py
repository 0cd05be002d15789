"""Rule convert_trials: a published trial list -> the manifest of the utterances it names, and the list as TSV."""

import logging

from ge2e.audio.files import ReadPolicy
from ge2e.corpus import manifest
from ge2e.evaluate import trial_lists
from ge2e.rule import run


def main(smk):
    p = smk.params
    listed, paths = trial_lists.load(**p.trial_list)
    rows = trial_lists.manifest_rows(paths, p.trial_list["root"], ReadPolicy(**p.read_policy), p.trial_list["key"])
    manifest.write(rows, smk.output.manifest)
    trial_lists.write(listed, smk.output.trials, smk.output.enrol)
    manifest.log_summary(rows)
    logging.getLogger("ge2e").info(
        "%d trials (%d target), %d enrolment models",
        len(listed), int(listed.labels.sum()), len(set(listed.pair_model.tolist())),
    )  # fmt: skip


run(main, snakemake)  # noqa: F821
