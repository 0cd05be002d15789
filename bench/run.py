"""Run every benchmark and write results/bench.md: one table (figure, measured, target, verdict).

Each script runs in its own process (thread pinning must happen before numpy/torch load,
and memory peaks must not mix) and can also run alone: python bench/<name>.py --help.
The whole run took about 4 minutes on a quiet 2-core AMD EPYC before bench/fullsize.py (the
full-size dry runs and the 5,000-file slice) joined; that adds about 8 minutes on a loaded 2-core
Xeon, most of it the slice's features and a paper-size CPU step. --quick runs everything at tiny
sizes (about two minutes) as a smoke test, and its figures are not comparable to the targets.

Usage: python bench/run.py [--quick] [--only loss,eer] [--out results/bench.md]
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchlib

# Cheap, quick-to-fail ones first; the paper-size training steps last.
SCRIPTS = ("dryrun", "eer", "features", "loss", "shards", "training", "fullsize")


def run_script(name, quick):
    """Rows of bench/<name>.py, or one ERROR row if it fails; its table goes to stdout as it finishes."""
    with tempfile.TemporaryDirectory() as tmp:
        rows_file = Path(tmp) / "rows.json"
        cmd = [sys.executable, str(Path(__file__).parent / f"{name}.py"), "--out", "-", "--json", str(rows_file)]
        proc = subprocess.run(cmd + (["--quick"] if quick else []), cwd=benchlib.ROOT, capture_output=True, text=True)
        if proc.returncode != 0 or not rows_file.exists():
            tail = " / ".join(proc.stderr.strip().splitlines()[-3:])
            return [benchlib.Row(f"bench/{name}.py", f"failed (exit {proc.returncode}): {tail}", "", "ERROR")]
        print(proc.stdout, end="", flush=True)
        return [benchlib.Row(**r) for r in json.loads(rows_file.read_text())]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes and repeats (smoke test, a few minutes)")
    parser.add_argument("--only", help=f"comma-separated subset of {','.join(SCRIPTS)}")
    parser.add_argument("--out", default=str(benchlib.RESULTS / "bench.md"))
    args = parser.parse_args()
    names = args.only.split(",") if args.only else SCRIPTS
    unknown = set(names) - set(SCRIPTS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    head = benchlib.header("GE2E pipeline benchmarks", args.quick)  # before the run: the load average at start
    rows, took = [], []
    for name in names:
        print(f"== bench/{name}.py", file=sys.stderr, flush=True)
        start = time.perf_counter()
        rows += run_script(name, args.quick)
        took.append(f"{name} {time.perf_counter() - start:.0f} s")
    misses = [r for r in rows if r.verdict in ("MISS", "ERROR")]
    text = head + benchlib.table(rows)
    text += f"\nRun time: {', '.join(took)}. Command: `python bench/run.py{' --quick' if args.quick else ''}`.\n"
    text += benchlib.NOTES
    if misses:
        text += "\n## Missed targets\n\n"
        text += "".join(f"- {r.figure} (target {r.target}): {r.note or r.measured}\n" for r in misses)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(f"\nwrote {args.out}", file=sys.stderr)
    sys.exit(1 if any(r.verdict == "ERROR" for r in rows) else 0)


if __name__ == "__main__":
    main()
