"""Running a library call as a Snakemake rule script: logging to the rule's log, and
user errors as one clear line and a non-zero exit instead of a traceback."""

import logging
import sys


def run(main, snakemake):
    """Call ``main(snakemake)`` with logging sent to ``snakemake.log[0]`` (and stderr).

    An ``InputError`` is logged as one line naming the file and the fix, then the
    process exits 1; outputs are written atomically, so nothing half-written remains.
    """
    from ge2e.errors import InputError

    handlers = [logging.StreamHandler(sys.stderr)]
    if snakemake.log:
        handlers.append(logging.FileHandler(snakemake.log[0], mode="w"))
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", handlers=handlers, force=True
    )
    try:
        main(snakemake)
    except InputError as exc:
        logging.getLogger("ge2e").error("%s: %s", snakemake.rule, exc)
        sys.exit(1)
