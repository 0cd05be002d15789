"""Dry-run cost on full-size corpora: `snakemake -n` wall time and job count, and the TI-SV listing.

Writes placeholder corpora at the real sizes and layouts (``bench/placeholder.py``, tiny
files): TIMIT (630 speakers x 10 utterances) + Snips (1,200 workers, 7,200 files); VoxCeleb1
(1,251 speakers, 153,516 files in ``id<NNNNN>/<video>/<nnnnn>.wav``, test speakers id10270-id10309
among them); LibriSpeech train-clean-100 (251 speakers, 28,539 flac) + test-clean (40, 2,620) with
SPEAKERS.TXT and ``.trans.txt``. Each TI-SV layout gets a config pointing ``corpus.tisv_format`` at
it (VoxCeleb on config/voxceleb.yaml, the paper-size one; LibriSpeech as docs/corpora.md shows it), TD-SV
on the placeholder Snips, and `snakemake -n` is timed (median of several runs). TIMIT + Snips is also
planned as an experiment grid (``experiments``): 20 variants beside default, each changing train keys
only, x 5 seeds, i.e. 420 training jobs. Wall time is the
figure here: the dry run is what a user waits for. The start-up checks of a corpus read where it
lies only test that its folders exist, so the dry run does not grow with the corpus.

Also timed: what rule convert_tisv then does with that corpus (``ge2e.corpus.formats.manifest_rows``
in one process: list the tree, read every file's header), which does grow with it.

Usage: python bench/dryrun.py [--quick] [--repeats 3] [--out results/bench_dryrun.md]
"""

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchlib
import placeholder

from ge2e.audio.files import ReadPolicy
from ge2e.corpus import formats

TARGET = 5.0  # TIMIT + Snips (the earlier target)
TARGET_LISTED = 10.0  # a TI-SV corpus read where it lies (VoxCeleb1, LibriSpeech), or an experiment grid
GRID_VARIANTS, GRID_SEEDS = 20, 5
POLICY = ReadPolicy(sample_rate=16000, resample=True, channel=None, on_bad_file="fail")


def write_layouts(tmp, quick):
    """{name: (config text, extra config files, TI-SV (format, section, files) or None, target, all files)}."""
    tmp = Path(tmp)
    if quick:  # the same layouts at a small fraction of the size: a smoke test, not the figure
        timit = placeholder.write_timit(tmp / "TIMIT", 46, 17)
        snips = placeholder.write_snips(tmp / "snips", {"train": 80, "dev": 15, "test": 25})
        vox = placeholder.write_voxceleb(tmp / "vox1", speakers=60, files=600, first_id=10260)
        libri = placeholder.write_librispeech(
            tmp / "LibriSpeech", {"train-clean-100": (20, 400), "test-clean": (4, 40)}
        )
    else:
        timit = placeholder.write_timit(tmp / "TIMIT")
        snips = placeholder.write_snips(tmp / "snips")
        vox = placeholder.write_voxceleb(tmp / "vox1")
        libri = placeholder.write_librispeech(tmp / "LibriSpeech")
    vox_section = {
        "train_roots": [str(vox)],
        "test_root": "",
        "test_speakers": "",
        "val_fraction": 0.02,
        "val_speakers": "",
    }
    libri_section = {
        "root": str(libri),
        "train_subsets": ["train-clean-100"],
        "test_subsets": ["test-clean"],
        "val_fraction": 0.05,
        "val_speakers": "",
    }

    def wavs(*roots):
        return sum(1 for root in roots for p in Path(root).rglob("*") if p.suffix.lower() in (".wav", ".flac"))

    # An experiment grid on TIMIT + Snips: GRID_VARIANTS variants beside default, each changing train keys only
    # (so all share the default's data stages), every task and schedule trained at GRID_SEEDS seeds.
    variants = "".join(
        f"    v{k:02d}: {{train: {{momentum: {k / 40:.3f}, tisv: {{epochs: {50 + k}}}}}}}\n"
        for k in range(GRID_VARIANTS)
    )
    grid = f"experiments:\n  seeds: {list(range(1, GRID_SEEDS + 1))}\n  variants:\n{variants}"

    return {
        "TIMIT + Snips": (
            f"corpus:\n  timit_root: {timit}\n  snips_root: {snips}\n",
            [],
            None,
            TARGET,
            wavs(timit, snips),
        ),
        f"TIMIT + Snips, a grid of {GRID_VARIANTS} variants (train keys) x {GRID_SEEDS} seeds": (
            f"corpus:\n  timit_root: {timit}\n  snips_root: {snips}\n{grid}",
            [],
            None,
            TARGET_LISTED,
            wavs(timit, snips),
        ),
        "VoxCeleb1 (config/voxceleb.yaml) + Snips": (
            f"corpus:\n  snips_root: {snips}\n  voxceleb:\n    train_roots: [{vox}]\n    test_root: ''\n",
            ["config/voxceleb.yaml"],
            ("voxceleb", vox_section, wavs(vox)),
            TARGET_LISTED,
            wavs(vox, snips),
        ),
        "LibriSpeech train-clean-100 + test-clean, + Snips": (
            f"corpus:\n  snips_root: {snips}\n  tisv_format: librispeech\n  librispeech:\n    root: {libri}\n"
            "    train_subsets: [train-clean-100]\n    test_subsets: [test-clean]\n",
            [],
            ("librispeech", libri_section, wavs(libri)),
            TARGET_LISTED,
            wavs(libri, snips),
        ),
    }


def dry_run(config, extra, repeats):
    """(wall times of `snakemake -n`, jobs in its DAG)."""
    cmd = [sys.executable, "-m", "snakemake", "-n", "--cores", "8", "--configfile", *extra, str(config)]
    times, jobs = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=benchlib.ROOT, capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            raise RuntimeError(f"snakemake -n failed:\n{proc.stderr[-2000:]}")
        jobs = int(re.search(r"^total\s+(\d+)", proc.stdout + proc.stderr, re.MULTILINE).group(1))
    return times, jobs


def listing(fmt, section):
    """(CPU s, wall s, rows) of rule convert_tisv's listing of a corpus (header reads included), in this process."""
    c0, w0 = time.process_time(), time.perf_counter()
    rows = formats.manifest_rows(fmt, section, POLICY, 0, threads=1)
    return time.process_time() - c0, time.perf_counter() - w0, len(rows)


def run(args):
    repeats = 1 if args.quick else args.repeats
    size = "small (quick)" if args.quick else "full-size"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        layouts = write_layouts(tmp, args.quick)
        made = time.perf_counter() - start
        for k, (name, (text, extra, listed, target, files)) in enumerate(layouts.items()):
            config = Path(tmp) / f"config{k}.yaml"
            config.write_text(text)
            times, jobs = dry_run(config, extra, repeats)
            med = benchlib.median(times)
            rows.append(
                benchlib.Row(
                    f"`snakemake -n` wall time on the {size} placeholder {name} ({files:,} audio files)",
                    f"{med:.2f} s (min {min(times):.2f}, max {max(times):.2f}, n={len(times)}); {jobs} jobs"
                    + (f"; writing all placeholders took {made:.1f} s" if k == 0 else ""),
                    f"<= {target:g} s",
                    benchlib.verdict(med <= target),
                    f"Measured {med:.2f} s, over by {med / target - 1:.0%}.",
                )
            )
            if listed:
                fmt, section, tisv_files = listed
                cpu, wall, found = listing(fmt, section)
                rows.append(
                    benchlib.Row(
                        f"... then rule convert_tisv's listing of it ({formats.NAMES[fmt]}: list the tree, read every "
                        "header; one process)",
                        f"{wall:.1f} s wall, {cpu:.1f} s CPU for {found:,} files "
                        f"({cpu / tisv_files * 1e3:.3f} ms CPU per file)",
                        "printed (a job, not start-up)",
                        "info",
                    )
                )
    return rows


def add_arguments(parser):
    parser.add_argument("--repeats", type=int, default=3)


def main():
    benchlib.cli("dryrun", "Dry run on full-size placeholder corpora", run, add_arguments)


if __name__ == "__main__":
    main()
