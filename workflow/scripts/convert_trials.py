"""Rule convert_trials: a published trial list -> the manifest of the utterances it names, and the list as TSV."""

import logging

from ge2e import manifest, trials
from ge2e.badfiles import BadFiles
from ge2e.rule import run


def main(smk):
    p = smk.params
    listed, paths = trials.load(**p.trial_list)
    bad_files = BadFiles(p.on_bad_file, "convert")
    key = p.trial_list["key"]
    rows = trials.manifest_rows(paths, p.trial_list["root"], bad_files, p.sample_rate, p.resample, p.channel, key)
    manifest.write(rows, smk.output.manifest)
    trials.write(listed, smk.output.trials, smk.output.enrol)
    manifest.log_summary(rows)
    logging.getLogger("ge2e").info(
        "%d trials (%d target), %d enrolment models",
        len(listed), int(listed.labels.sum()), len(set(listed.pair_model.tolist())),
    )  # fmt: skip


run(main, snakemake)  # noqa: F821
