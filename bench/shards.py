"""Reading feature shards larger than memory (``ge2e.features.store.ShardedFeatureSet``): resident memory, batch time.

Writes a synthetic feature set to disk (``--gb`` of float32 log-mels in ``--shards`` shards, as
``FeatureSet.save`` writes them; utterances of 2-10 s, 10-40 per speaker), larger than a memory
budget (``--budget-mb``), then in fresh processes, each with one compute thread:

- scan: open the shards, ``frame_stats()`` and ``digest()`` (what training does once, before its first step);
- batches: ``--batches`` paper-size GE2E batches (N=64 speakers x M=10 utterances x 160 frames x 40 log-mels)
  drawn by ``ge2e.features.batches.SpeakerBatches`` as the training loop draws them, timed; then drawn again
  with memory sampled just before each release of a shard's pages, which is when a read has mapped
  the most; and, to show what the releases bound, with ``keep_mapped`` (pages never released);
- the same batches from the set read whole into memory (``in_memory()``, when it is at most
  ``--eager-max-gb``): the batches must be equal, and its time is the reference;
- optionally (``--cold``) the batches again after ``posix_fadvise(DONTNEED)`` has dropped the shards
  from the page cache, so frames come from the disk.

Memory is read from /proc/self/status by a thread every 5 ms: RssAnon (the process's own memory)
and RssFile (pages of mapped files: the shards' pages while mapped, and shared libraries) peaks
separately, and VmHWM (peak total resident). File-backed pages are page cache, which the kernel can
reclaim; they count in RSS while mapped, so they are reported, and bounded, apart. Figures are
increases over the process after its imports (shown). The temporary set is written under results/
(``--dir``): a tmpfs there would put the shards in RssShmem instead.

Usage: python bench/shards.py [--quick] [--gb 1] [--shards 16] [--batches 100] [--budget-mb 400] [--cold]
"""

import sys

import benchlib

benchlib.single_thread_env()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from ge2e.features.batches import SpeakerBatches  # noqa: E402
from ge2e.features.npz import Shard  # noqa: E402
from ge2e.features.store import FeatureSet  # noqa: E402

N, M, FRAMES, N_MELS = 64, 10, 160, 40
PER_SPEAKER = (10, 40)  # utterances per speaker, drawn uniformly
TARGET_MS = 48.0  # one paper-size training step on an H200: batch preparation should hide well under it


def write_set(folder, gb, shards, seed=0):
    """Shards of about ``gb`` GB of float32 frames in ``folder``; their paths. Written shard by shard."""
    rng = np.random.default_rng(seed)
    per_shard = gb * 1e9 / shards / (N_MELS * 4)  # frames
    paths, speaker = [], 0
    for k in range(shards):
        feats, speakers, frames = [], [], 0
        while frames < per_shard:
            for _ in range(int(rng.integers(PER_SPEAKER[0], PER_SPEAKER[1] + 1))):  # a speaker's stay in one shard
                length = int(rng.integers(200, 1001))
                feats.append(rng.standard_normal((length, N_MELS), dtype=np.float32))
                speakers.append(f"spk{speaker:06d}")
                frames += length
            speaker += 1
        utterances = [f"{s}_{i}" for i, s in enumerate(speakers)]
        paths.append(Path(folder) / f"{k}.npz")
        FeatureSet.from_list(feats, speakers, utterances).save(paths[-1])
    return paths


def drop_from_page_cache(paths):
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def worker(args):
    """One measurement in this (fresh) process; prints one JSON line."""
    paths = sorted(Path(args.worker_dir).glob("*.npz"), key=lambda p: int(p.stem))
    if args.worker == "cold":
        drop_from_page_cache(paths)
    base = benchlib.status()
    out = {"base": base}
    with benchlib.Peaks() as peaks:
        c0, w0 = time.process_time(), time.perf_counter()
        fs = FeatureSet.load(paths)
        out["open_s"] = time.perf_counter() - w0
        if args.worker == "scan":
            mean, std = fs.frame_stats()  # the pass that also gives the digest
            digest = fs.digest()
            out["scan_s"] = time.perf_counter() - w0 - out["open_s"]
            out.update(cpu_s=time.process_time() - c0, frames=fs.n_frames, digest=digest, mean0=float(mean[0]))
        else:
            if args.worker == "eager":
                fs = fs.in_memory()
            elif args.worker == "kept":
                fs.keep_mapped = True
            sampler = SpeakerBatches(fs, N, M, FRAMES)
            out.update(utterances=len(fs), speakers=len(sampler.speakers))
            out["times"], out["check"] = draw(sampler, args.batches)
            if args.worker != "eager":
                # Again, sampling memory just before each release: the most a read has mapped (kept out of the timing).
                release = Shard.release

                def sampled(shard, *span):
                    peaks.take()
                    release(shard, *span)

                Shard.release = sampled
                _, check = draw(sampler, args.batches)
                Shard.release = release
                assert check == out["check"]
    out["peak"] = peaks.peak
    print(json.dumps(out))


def draw(sampler, batches):
    """(per-batch (cpu_s, wall_s), a checksum of the batches) of ``batches`` seeded draws as training makes them."""
    rng = np.random.default_rng(0)
    times, check = [], 0.0
    for b in range(batches):
        rows = rng.choice(len(sampler.speakers), N, replace=False)
        c, w = time.process_time(), time.perf_counter()
        batch = sampler.batch(rng, rows, FRAMES)
        times.append((time.process_time() - c, time.perf_counter() - w))
        check += float(batch[b % N, :, b % FRAMES].sum(dtype=np.float64))
    return times, check


def mb(x):
    return f"{x:,.0f} MB"


def run(args):
    gb = 0.2 if args.quick else args.gb  # at least N=64 speakers
    batches = 5 if args.quick else args.batches
    shards = 4 if args.quick else args.shards
    budget = args.budget_mb
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory(dir=folder, prefix="bench_shards_") as tmp:
        start = time.perf_counter()
        paths = write_set(tmp, gb, shards)
        size = sum(p.stat().st_size for p in paths) / 2**20
        written = time.perf_counter() - start

        def measure(kind):
            argv = [Path(__file__), "--worker", kind, "--worker-dir", tmp, "--batches", batches]
            return benchlib.worker_json(argv + (["--quick"] if args.quick else []))

        scan = measure("scan")
        runs = {"mapped": measure("batches"), "kept": measure("kept")}
        if size / 1024 <= args.eager_max_gb:
            runs["eager"] = measure("eager")
        if args.cold:
            runs["cold"] = measure("cold")

    def grew(result, key):
        return result["peak"][key] - result["base"][key]

    about = (
        f"{size / 1024:.2f} GiB in {shards} shards ({scan['frames']:,} frames, {runs['mapped']['utterances']:,} "
        f"utterances, {runs['mapped']['speakers']:,} speakers; written in {written:.0f} s)"
    )
    scan_peak = grew(scan, "RssAnon") + grew(scan, "RssFile")
    rows.append(
        benchlib.Row(
            f"frame_stats + digest (one streamed pass, CRC-checked) over {about}",
            f"{scan['scan_s']:.1f} s wall, {scan['cpu_s']:.1f} s CPU ({size / scan['scan_s']:,.0f} MB/s; "
            f"open {scan['open_s'] * 1e3:.0f} ms); peak over imports: RssAnon +{mb(grew(scan, 'RssAnon'))}, "
            f"RssFile +{mb(grew(scan, 'RssFile'))}, VmHWM {mb(scan['peak']['VmHWM'])} "
            f"(imports: RssAnon {mb(scan['base']['RssAnon'])}, RssFile {mb(scan['base']['RssFile'])})",
            f"resident growth <= {budget} MB budget (set: {size:,.0f} MB)",
            benchlib.verdict(scan_peak <= budget),
            f"Grew by {scan_peak:,.0f} MB.",
        )
    )
    mapped = runs["mapped"]
    cpu_ms = [c * 1e3 for c, _ in mapped["times"][1:]] or [mapped["times"][0][0] * 1e3]
    wall_ms = [w * 1e3 for _, w in mapped["times"][1:]] or [mapped["times"][0][1] * 1e3]
    peak = grew(mapped, "RssAnon") + grew(mapped, "RssFile")
    rows.append(
        benchlib.Row(
            f"{batches} paper-size batches (N={N} M={M} T={FRAMES} F={N_MELS}) from the memory-mapped shards, 1 thread",
            f"{benchlib.median(cpu_ms):.1f} ms CPU per batch (p95 {np.percentile(cpu_ms, 95):.1f}, "
            f"max {max(cpu_ms):.1f}; wall median {benchlib.median(wall_ms):.1f} ms; "
            f"first batch {mapped['times'][0][1] * 1e3:.0f} ms wall); "
            f"peak over imports: RssAnon +{mb(grew(mapped, 'RssAnon'))}, RssFile +{mb(grew(mapped, 'RssFile'))}, "
            f"VmHWM {mb(mapped['peak']['VmHWM'])}",
            f"<= {TARGET_MS:.0f} ms (one H200 step); resident growth <= {budget} MB",
            benchlib.verdict(benchlib.median(cpu_ms) <= TARGET_MS and peak <= budget),
            f"{benchlib.median(cpu_ms):.1f} ms per batch, resident growth {peak:,.0f} MB.",
        )
    )
    kept = runs["kept"]
    rows.append(
        benchlib.Row(
            "... the same batches, pages left mapped (keep_mapped)",
            f"{benchlib.median([c * 1e3 for c, _ in kept['times'][1:]] or [0]):.1f} ms CPU per batch; "
            f"RssAnon +{mb(grew(kept, 'RssAnon'))}, RssFile +{mb(grew(kept, 'RssFile'))} "
            "(page cache mapped into the process: grows with the share of the corpus touched)",
            "printed",
            benchlib.verdict(kept["check"] == mapped["check"]),
            "Other batches than with releases.",
        )
    )
    if "eager" in runs:
        eager = runs["eager"]
        eager_ms = [c * 1e3 for c, _ in eager["times"][1:]] or [0]
        rows.append(
            benchlib.Row(
                "... the same batches from the set read whole into memory (the former FeatureSet.load)",
                f"{benchlib.median(eager_ms):.1f} ms CPU per batch; RssAnon +{mb(grew(eager, 'RssAnon'))}; "
                f"batches {'equal' if eager['check'] == mapped['check'] else 'DIFFERENT'}",
                "same batches",
                benchlib.verdict(eager["check"] == mapped["check"]),
                "The memory-mapped batches differ from the in-memory ones.",
            )
        )
    if "cold" in runs:
        cold = runs["cold"]
        cold_ms = [w * 1e3 for _, w in cold["times"]]
        rows.append(
            benchlib.Row(
                "... the same batches with the shards dropped from the page cache first (read from disk)",
                f"{benchlib.median(cold_ms):.1f} ms wall per batch (p95 {np.percentile(cold_ms, 95):.1f}); "
                f"RssFile +{mb(grew(cold, 'RssFile'))}",
                "printed",
                benchlib.verdict(cold["check"] == mapped["check"]),
                "Other batches than from the page cache.",
            )
        )
    return rows


def add_arguments(parser):
    parser.add_argument("--gb", type=float, default=1.0, help="size of the synthetic set (GB of float32 frames)")
    parser.add_argument("--shards", type=int, default=16)
    parser.add_argument("--batches", type=int, default=100, help="batches drawn per measurement")
    parser.add_argument("--budget-mb", type=float, default=400.0, help="resident memory the readers may add")
    parser.add_argument("--eager-max-gb", type=float, default=4.0, help="largest set also read whole, as reference")
    parser.add_argument("--cold", action="store_true", help="also draw batches with the shards out of the page cache")
    parser.add_argument("--dir", default=str(benchlib.RESULTS), help="where the temporary set is written")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # internal: one measurement, see worker()
    parser.add_argument("--worker-dir", help=argparse.SUPPRESS)


def main():
    if "--worker" in sys.argv:
        parser = argparse.ArgumentParser()
        add_arguments(parser)
        parser.add_argument("--quick", action="store_true")
        worker(parser.parse_args())
        return
    benchlib.cli("shards", "Feature shards larger than memory: resident memory and batch time", run, add_arguments)


if __name__ == "__main__":
    main()
