"""What a run reports: the EER table, statistics over seeds, the ablation, the figures and the pages.

- ``rows``: a table row: one system's result files per task and seed (the planner lists them);
- ``table``: the EER and minDCF tables (Markdown, HTML, per seed);
- ``seedstats``: means over seeds and their two-level bootstrap;
- ``ablation``: each variant against default, seed by seed;
- ``plots``: loss curves, DET curves, score histograms, embedding maps;
- ``summary``: the run summary page;
- ``htmlpage``: the result pages' HTML and style.

May import: ge2e.evaluate, ge2e.encoder, ge2e.corpus and the shared modules.
"""
