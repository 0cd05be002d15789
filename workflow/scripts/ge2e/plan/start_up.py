"""The workflow's start-up: the config checked and everything the rules plan from it, made once before any job.

workflow/rules/common.smk calls :func:`plan` and turns its InputError into the one line Snakemake prints and stops
on; tests call the same function in-process (tests/run_configs.start_up), so a mistake they check is the one a run
would stop on.
"""

from dataclasses import dataclass

from ge2e import schema
from ge2e.plan import checks, grid, params
from ge2e.plan.corpora import Corpora
from ge2e.plan.downloads import Downloads


@dataclass(frozen=True)
class Plan:
    variant_config: dict  # variant -> its whole config (ge2e.plan.grid.checked_variants)
    grid: grid.Grid  # the training seeds and the root under which each stage of each variant and seed is made once
    corpora: Corpora
    downloads: Downloads
    trials: dict  # evaluate.trials, a downloaded list's file filled in
    external: dict  # evaluate.external: name -> {root, speakers} (a seeded split's part it reads, or None)


def plan(config, layers):
    """Check ``config`` (merged from ``layers``, ge2e.schema.layers) and fill in its defaults, in place; then the
    experiment grid, corpora and downloads, and the start-up checks (ge2e.plan.checks): a wrong key, corpus path,
    list or size raises InputError naming it, before any job."""
    schema.validate(config, layers)
    checks.check_placeholders(config, layers)  # a /path/to/... folder, copied from documentation
    variant_config = grid.checked_variants(config)
    run_grid = grid.Grid(config, variant_config)
    corpora = Corpora(config)
    downloads = Downloads(config)
    checks.check(config, variant_config, run_grid.tasks, corpora, downloads)
    return Plan(
        variant_config,
        run_grid,
        corpora,
        downloads,
        trials=checks.trial_lists(config, downloads),
        external=params.external_sets(config),
    )
