"""Shared pieces of the benchmark scripts: rows, tables, paired timing, the command line.

Imports need no sys.path edits: a script run as ``python bench/<name>.py`` has bench/ first on
sys.path, so ``import benchlib`` finds this file, and ``ge2e`` comes from the editable install
(``make venv``).

Every script in bench/ exposes ``run(args) -> list[Row]`` and a ``main()`` built with
``cli()``: alone it prints its table and writes results/bench_<name>.md; bench/run.py
calls it with ``--json`` and gathers the rows into results/bench.md.

Timing: these machines are shared, so a figure that compares two pieces of code is a
ratio measured in one process, the two sides interleaved (order reversed every other
repeat, so a slow drift in machine load hits both alike), as the median of the
per-repeat ratios. The primary clock is process CPU time: with one compute thread it
counts the work done, not the time spent descheduled while another job holds the core;
wall time is shown beside it.
"""

import argparse
import dataclasses
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS")


def single_thread_env():
    """Pin numpy/BLAS/OpenMP/numba to one thread; must run before numpy or torch is imported."""
    for var in THREAD_VARS:
        os.environ[var] = "1"


@dataclasses.dataclass
class Row:
    """One line of the results table; verdict is pass, MISS, info or ERROR; note explains a miss."""

    figure: str
    measured: str
    target: str = ""
    verdict: str = "info"
    note: str = ""


NOTES = """
How measured: ratios are taken in one process, both sides interleaved (order reversed every other
round), as the median of per-round ratios; the clock is process CPU time with one compute thread
(numpy/BLAS/OpenMP/torch pinned to 1), so time spent descheduled on a shared machine does not count;
wall-clock figures are shown beside. n is the number of rounds.
"""


def verdict(ok):
    return "pass" if ok else "MISS"


def table(rows):
    """Markdown table of ``rows``."""
    out = "| figure | measured | target | verdict |\n|---|---|---|---|\n"
    for r in rows:
        # A bare | inside a cell would split it: escape it.
        cells = [str(c).replace("|", "\\|") for c in (r.figure, r.measured, r.target, r.verdict)]
        out += "| " + " | ".join(cells) + " |\n"
    return out


def timed(fn, inner=1):
    """(cpu_s, wall_s) per call of ``fn``, averaged over ``inner`` back-to-back calls."""
    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.process_time() - c0) / inner, (time.perf_counter() - w0) / inner


def interleaved(fns, repeats, inner=None, warmup=1):
    """Time several callables alternately.

    Args:
        fns: dict name -> zero-argument callable.
        repeats: timed rounds; each round calls every function once (``inner[name]`` times).
        inner: dict name -> calls per timing, for functions too fast to time alone.
        warmup: untimed rounds first (lazy initialisation, caches, allocator).
    Returns:
        dict name -> list of (cpu_s, wall_s) per call, one entry per round.
    """
    inner = inner or {}
    names = list(fns)
    for _ in range(warmup):
        for name in names:
            fns[name]()
    out = {name: [] for name in names}
    for r in range(repeats):
        for name in names if r % 2 == 0 else names[::-1]:
            out[name].append(timed(fns[name], inner.get(name, 1)))
    return out


def ratios(num, den):
    """Per-round ratios num/den of paired (cpu, wall) lists: (cpu ratios, wall ratios)."""
    return [a[0] / b[0] for a, b in zip(num, den, strict=True)], [a[1] / b[1] for a, b in zip(num, den, strict=True)]


def median(xs):
    return statistics.median(xs)


def med_cpu(samples):
    return median([c for c, _ in samples])


def med_wall(samples):
    return median([w for _, w in samples])


def spread(xs, fmt="{:.3g}"):
    """'median (min-max, n=K)' of ``xs``."""
    return f"{fmt.format(median(xs))} ({fmt.format(min(xs))}-{fmt.format(max(xs))}, n={len(xs)})"


def machine():
    """One line describing where the figures were taken."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = []
    for mod in ("torch", "numpy", "librosa"):
        try:
            versions.append(f"{mod} {__import__(mod).__version__}")
        except ImportError:
            pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return f"{cpu}, {cores} cores; Python {platform.python_version()}, {', '.join(versions)}; load average {load}"


def git_revision():
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)
        return rev.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")
    except OSError:
        return "unknown"


def header(title, quick):
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = f"# {title}\n\n- date: {now}\n- machine: {machine()}\n- commit: {git_revision()}\n"
    if quick:
        text += "- **quick run** (`--quick`): sizes and repeats cut down for a smoke test, not comparable to targets\n"
    return text + "\n"


def cli(name, title, run, add_arguments=None):
    """Standard main(): parse, run, print the table, write the .md (and --json rows for bench/run.py)."""
    parser = argparse.ArgumentParser(description=title)
    parser.add_argument("--quick", action="store_true", help="tiny sizes and repeats (smoke test)")
    parser.add_argument("--out", default=str(RESULTS / f"bench_{name}.md"), help="markdown output; '-' for none")
    parser.add_argument("--json", help="also write the rows here as JSON (used by bench/run.py)")
    if add_arguments:
        add_arguments(parser)
    args = parser.parse_args()
    rows = run(args)
    text = table(rows)
    print(text, end="", flush=True)
    if args.out != "-":
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(header(title, args.quick) + text)
    if args.json:
        Path(args.json).write_text(json.dumps([dataclasses.asdict(r) for r in rows]))


def worker_json(argv):
    """Run ``python argv...`` in a fresh process and parse the JSON object its last stdout line holds.

    A fresh process keeps a memory high-water mark (ru_maxrss) from mixing with other work.
    """
    proc = subprocess.run([sys.executable, *map(str, argv)], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"worker {argv} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def maxrss_mb():
    """This process's peak resident set size so far, MB (Linux reports KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


STATUS_FIELDS = ("RssAnon", "RssFile", "RssShmem", "VmHWM")


def status():
    """{field: MB} of STATUS_FIELDS from /proc/self/status: RssAnon (the process's own memory), RssFile
    (mapped files' pages: page cache, reclaimable), RssShmem, VmHWM (peak total resident)."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in STATUS_FIELDS:
            out[key] = int(value.split()[0]) / 1024
    return out


class Peaks:
    """Peak of each /proc/self/status field, sampled by a thread every ``interval`` s while in use."""

    def __init__(self, interval=0.005):
        self.interval, self.peak, self.stop = interval, status(), threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self.stop.wait(self.interval):
            self.take()

    def take(self):
        for key, value in status().items():
            self.peak[key] = max(self.peak[key], value)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self.take()
