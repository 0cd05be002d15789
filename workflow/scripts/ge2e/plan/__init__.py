"""The run planner: what the Snakefile asks while it parses the workflow, before any job runs.

- ``grid``: the experiment grid (variants, seeds, and the root each stage of each is made under);
- ``corpora``: which corpus each task reads, and the one wording of it the table, summary and report use;
- ``downloads``: the download rules' jobs and the markers their readers wait for;
- ``checks``: the start-up checks, each raising InputError with the line the run prints;
- ``params``: rule parameters from the config, canonical so that key order reruns nothing;
- ``transfer``: what a training run takes besides its own data: the checkpoint it starts from, a second source;
- ``targets``: what a run makes and where: each system's results, the table rows, the figures;
- ``inputs``: the files a job of the grid reads, from its wildcards (the rules' input functions).

``workflow/rules/common.smk`` keeps the globals, the wildcard constraints and short functions that call these.

May import: every stage package (it plans them all: ge2e.audio, ge2e.fetch, ge2e.corpus, ge2e.builtin,
ge2e.features, ge2e.encoder, ge2e.train, ge2e.evaluate, ge2e.results) and the shared modules.
"""
