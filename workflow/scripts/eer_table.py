"""Rule eer_table: every evaluation JSON -> ``results/eer_table.md`` and its HTML twin for the report."""

from ge2e import table
from ge2e.atomic import write_text
from ge2e.rule import run


def main(smk):
    rows = [(label, {task: table.load(path) for task, path in paths.items()}) for label, paths in smk.params.rows]
    write_text(smk.output.md, table.render(rows, smk.params.corpus_note))
    write_text(smk.output.html, table.render_html(rows, smk.params.corpus_note))


run(main, snakemake)  # noqa: F821
