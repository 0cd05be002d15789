"""Rule eer_table: every evaluation JSON (and, over several seeds or keywords, the scores) ->
``results/eer_table.md``, its HTML twin for the report, and the per-seed companion TSV."""

from ge2e.atomic import write_text
from ge2e.results import seedstats, table
from ge2e.rule import run


def main(smk):
    p = smk.params

    def cells(rows, evalset):
        results, seeds = seedstats.table_cells(rows, evalset, p.seed, p.bootstrap, p.means)
        records.extend(seeds)
        return results

    records = []
    test = cells(p.rows, "test")
    external = [(name, root, cells(listed, name)) for name, root, listed in p.external]
    trial_lists = [(name, about, cells(listed, name)) for name, about, listed in p.trial_lists]
    args = (test, p.corpus_note, external, trial_lists, p.tasks, p.seeds, p.references, p.means)
    write_text(smk.output.md, table.render(*args))
    write_text(smk.output.html, table.render_html(*args))
    write_text(smk.output.per_seed, table.render_per_seed(records))


run(main, snakemake)  # noqa: F821
