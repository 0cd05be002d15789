"""Dry-run cost on full-size corpora: `snakemake -n` wall time and job count.

Writes placeholder corpora at the real sizes (TIMIT 630 speakers x 10 utterances; Snips
1200 workers, 7200 files), points a config at them, and times `snakemake -n` (median of
several runs). Wall time is the figure here: the dry run is what a user waits for.
Usage: python bench/dryrun.py [--quick] [--repeats 3] [--out results/bench_dryrun.md]
"""

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchlib

from ge2e.corpus import placeholder

TARGET = 5.0


def run(args):
    repeats = 1 if args.quick else args.repeats
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        if args.quick:  # the same layouts at a tenth of the size: a smoke test, not the figure
            timit = placeholder.write_timit(Path(tmp) / "TIMIT", 46, 17)
            snips = placeholder.write_snips(Path(tmp) / "snips", {"train": 80, "dev": 15, "test": 25})
        else:
            timit = placeholder.write_timit(Path(tmp) / "TIMIT")
            snips = placeholder.write_snips(Path(tmp) / "snips")
        files = sum(1 for p in Path(tmp).rglob("*") if p.suffix.lower() == ".wav")
        made = time.perf_counter() - start
        config = Path(tmp) / "full.yaml"
        config.write_text(f"corpus:\n  timit_root: {timit}\n  snips_root: {snips}\n")
        cmd = [sys.executable, "-m", "snakemake", "-n", "--cores", "8", "--configfile", str(config)]
        times, jobs = [], None
        for _ in range(repeats):
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, cwd=benchlib.ROOT, capture_output=True, text=True)
            times.append(time.perf_counter() - t0)
            if proc.returncode != 0:
                raise RuntimeError(f"snakemake -n failed:\n{proc.stderr[-2000:]}")
            jobs = int(re.search(r"^total\s+(\d+)", proc.stdout + proc.stderr, re.MULTILINE).group(1))
    size = "tenth-size (quick)" if args.quick else "full-size"
    return [
        benchlib.Row(
            f"`snakemake -n` wall time on the {size} placeholder layouts ({files} audio files)",
            f"{benchlib.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}, n={len(times)}); "
            f"writing the placeholders took {made:.1f} s",
            f"<= {TARGET:g} s",
            benchlib.verdict(benchlib.median(times) <= TARGET),
            f"Measured {benchlib.median(times):.2f} s, over by {benchlib.median(times) / TARGET - 1:.0%}.",
        ),
        benchlib.Row("jobs in the dry run's DAG", f"{jobs}", "at most a few hundred (earlier target)", "info"),
    ]


def add_arguments(parser):
    parser.add_argument("--repeats", type=int, default=3)


def main():
    benchlib.cli("dryrun", "Dry run on full-size placeholder corpora", run, add_arguments)


if __name__ == "__main__":
    main()
