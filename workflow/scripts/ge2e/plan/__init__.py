"""The run planner: what the Snakefile asks before any job runs.

- ``grid``: the experiment grid (variants, seeds, and the root each stage of each is made under).

May import: every stage package (it plans them all) and the shared modules.
"""
