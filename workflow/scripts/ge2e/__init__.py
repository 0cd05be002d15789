"""GE2E speaker verification: the library behind the Snakemake pipeline.

One module per concern (see docs/layout.md); rule scripts in ``workflow/scripts/``
are thin wrappers that read ``snakemake.input/params`` and call into here.
"""

__version__ = "0.1.0"
