"""Rule builtin_corpus: synthesise the built-in TIMIT or Snips look-alike."""

import logging
import shutil
from pathlib import Path

from ge2e.builtin import layouts
from ge2e.rule import run


def main(smk):
    out = Path(smk.output[0])
    # Build beside the target and rename, so a killed job leaves no half corpus.
    tmp = out.with_name(f".{out.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    if smk.wildcards.corpus == "TIMIT":
        n = layouts.write_timit(tmp, layouts.TimitSpec(**smk.params.spec), smk.params.seed, smk.threads)
    else:
        n = layouts.write_snips(tmp, layouts.SnipsSpec(**smk.params.spec), smk.params.seed, smk.threads)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    logging.getLogger("ge2e").info("wrote %d utterances to %s", n, out)


run(main, snakemake)  # noqa: F821
