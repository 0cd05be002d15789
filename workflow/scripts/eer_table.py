"""Rule eer_table: every evaluation JSON -> ``results/eer_table.md`` and its HTML twin for the report."""

from ge2e import table
from ge2e.atomic import write_text
from ge2e.rule import run


def load_rows(rows):
    """(label, {task: eval JSON path}) -> (label, {task: result dict})."""
    return [(label, {task: table.load(path) for task, path in paths.items()}) for label, paths in rows]


def main(smk):
    rows = load_rows(smk.params.rows)
    external = [(name, root, load_rows(rows)) for name, root, rows in smk.params.external]
    trial_lists = [(name, about, load_rows(rows)) for name, about, rows in smk.params.trial_lists]
    write_text(smk.output.md, table.render(rows, smk.params.corpus_note, external, trial_lists))
    write_text(smk.output.html, table.render_html(rows, smk.params.corpus_note, external, trial_lists))


run(main, snakemake)  # noqa: F821
