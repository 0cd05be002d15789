"""Rule run_summary: the two manifests -> ``results/run_summary.html``."""

from ge2e.atomic import write_text
from ge2e.results import summary
from ge2e.rule import run


def main(smk):
    tasks = {task: {"manifest": smk.input[task], **spec} for task, spec in smk.params.tasks.items()}
    write_text(smk.output[0], summary.render_html(tasks, smk.params.model, smk.params.n_mels))


run(main, snakemake)  # noqa: F821
