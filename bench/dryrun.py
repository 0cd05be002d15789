"""Dry-run cost on full-size corpora: `snakemake -n` wall time and job count.

Writes placeholder corpora at the real sizes (TIMIT 630 speakers x 10 utterances; Snips
1200 workers, 7200 files), points a config at them, and times `snakemake -n` (median of
several runs). Usage: python bench/dryrun.py [--repeats 5] [--out results/bench_dryrun.md]
"""

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "workflow" / "scripts")]

import placeholder_corpus  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "results" / "bench_dryrun.md"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        timit = placeholder_corpus.write_timit(Path(tmp) / "TIMIT")
        snips = placeholder_corpus.write_snips(Path(tmp) / "snips")
        files = sum(1 for _ in Path(tmp).rglob("*.WAV")) + sum(1 for _ in Path(tmp).rglob("*.wav"))
        made = time.perf_counter() - start
        config = Path(tmp) / "full.yaml"
        config.write_text(f"corpus:\n  timit_root: {timit}\n  snips_root: {snips}\n")
        cmd = [sys.executable, "-m", "snakemake", "-n", "--cores", "8", "--configfile", str(config)]
        times, jobs = [], None
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
            times.append(time.perf_counter() - t0)
            if proc.returncode != 0:
                sys.exit(f"snakemake -n failed:\n{proc.stderr[-2000:]}")
            jobs = int(re.search(r"^total\s+(\d+)", proc.stdout + proc.stderr, re.MULTILINE).group(1))
    rows = [
        ("placeholder audio files (TIMIT 630 speakers + Snips 1200 workers)", f"{files}"),
        ("time to write them", f"{made:.1f} s"),
        (f"`snakemake -n` wall time, median of {args.repeats}", f"{statistics.median(times):.2f} s (target <= 5 s)"),
        ("`snakemake -n` min / max", f"{min(times):.2f} / {max(times):.2f} s"),
        ("jobs in the DAG", f"{jobs} (target: at most a few hundred)"),
    ]
    table = "| figure | value |\n|---|---|\n" + "".join(f"| {a} | {b} |\n" for a, b in rows)
    print(table, end="")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("# Dry run on full-size placeholder corpora\n\n" + table)


if __name__ == "__main__":
    main()
