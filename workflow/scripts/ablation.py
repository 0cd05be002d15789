"""Rule ablation: every variant's results and scores beside the default's -> ``results/ablation.md`` and its
HTML twin for the report."""

from ge2e.atomic import write_text
from ge2e.results import ablation
from ge2e.rule import run


def main(smk):
    p = smk.params
    sections = [
        (name, where, ablation.compare(rows, name, p.tasks, p.seed, p.bootstrap)) for name, where, rows in p.sections
    ]
    write_text(smk.output.md, ablation.render(sections, p.seeds, p.bootstrap))
    write_text(smk.output.html, ablation.render_html(sections, p.seeds, p.bootstrap))


run(main, snakemake)  # noqa: F821
