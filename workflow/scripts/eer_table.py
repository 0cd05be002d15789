"""Rule eer_table: every evaluation JSON -> ``results/eer_table.md``."""

from ge2e import table
from ge2e.atomic import write_text
from ge2e.rule import run


def main(smk):
    rows = [(label, {task: table.load(path) for task, path in paths.items()}) for label, paths in smk.params.rows]
    write_text(smk.output[0], table.render(rows, smk.params.corpus_note))


run(main, snakemake)  # noqa: F821
