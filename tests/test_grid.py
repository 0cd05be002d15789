"""The experiment grid end to end: the real Snakefile on the tiny config with two seeds and a variant."""

import hashlib
import re
import shutil

import pytest
from once import made_once
from workflow_run import copy_workflow, job_counts, snakemake

GRID = "experiments: {seeds: [1, 2], variants: {mom0: {train: {momentum: 0.0}}}}\n"
CONFIGS = ["config/tiny.yaml", "config/grid.yaml"]
DATA_STAGES = ("builtin_corpus", "convert_timit", "convert_snips", "features", "augment")


def test_the_grid_plans_each_data_stage_once_and_a_training_per_variant_and_seed(tmp_path):
    work = copy_workflow(tmp_path)
    (work / "config" / "grid.yaml").write_text(GRID)
    plain = snakemake(work, "-n")
    grid = snakemake(work, "-n", config=CONFIGS)
    assert plain.returncode == grid.returncode == 0, grid.stderr[-3000:]
    plain, grid = job_counts(plain.stdout), job_counts(grid.stdout)
    assert {rule: grid[rule] for rule in DATA_STAGES} == {rule: plain[rule] for rule in DATA_STAGES}
    assert grid["train"] == 4 * plain["train"]  # two variants x two seeds
    assert set(grid) == set(plain) | {"ablation"}


@pytest.fixture(scope="module")
def grid_run(run_dir, tmp_path_factory):
    """The tiny run, then the same folder with the grid added: only training and what follows it runs. Made once for
    the session (once.made_once): its tests read it, or copy it first."""

    def make(folder):
        work = shutil.copytree(run_dir, folder / "run", symlinks=True)
        (work / "config" / "grid.yaml").write_text(GRID)
        proc = snakemake(work, config=CONFIGS)
        assert proc.returncode == 0, proc.stderr[-4000:]
        return proc.stdout + proc.stderr

    folder, output = made_once(tmp_path_factory, "grid", make)
    return folder / "run", job_counts(output)


def test_the_grid_reuses_the_runs_data_and_reports_means_over_seeds_and_the_ablation(grid_run, tmp_path):
    work, jobs = grid_run
    assert not set(jobs) & {*DATA_STAGES, "evaluate_mfcc"}, jobs  # the tiny run's data and baselines serve
    assert jobs["train"] == 2 * 2 * 2 * 2  # tasks x schedules x variants x seeds
    for root in ("results/seed1", "results/seed2", "results/variants/mom0/seed1", "results/variants/mom0/seed2"):
        assert (work / root / "tisv/step/final.pt").exists() and (work / root / "logs/train/tisv_step.log").exists()
    table = (work / "results/eer_table.md").read_text()
    assert "mean over 2 seeds" in table and "(1, 2)" in table
    interval = r"[01]\.\d{4} \[[01]\.\d{3}, [01]\.\d{3}\]"
    for label in ("Ours: const lr, final checkpoint", "Ours, mom0: step lr, best checkpoint"):
        row = next(line for line in table.splitlines() if line.startswith(f"| {label} |"))
        assert len(re.findall(interval, row)) == 2, row
    assert "Ours, mom0: untrained encoder" not in table  # mom0 starts from the default's weights
    per_seed = (work / "results/eer_per_seed.tsv").read_text().splitlines()
    assert len(per_seed) == 1 + 2 * (2 * 2 * 2 * 2 + 2 + 1)  # tasks x (trained x seeds, untrained x seeds, MFCC)
    ablation = (work / "results/ablation.md").read_text()
    rows = [line for line in ablation.splitlines() if line.startswith("| mom0 |")]
    assert len(rows) == 2 * 2 * 2 and "mean over 2 seeds (1, 2)" in ablation  # tasks x schedules x checkpoints
    assert all(re.search(r"\| [+-]0\.\d{4} \[[+-]0\.\d{3}, [+-]0\.\d{3}\] \| \d of 2 seeds \|$", r) for r in rows), rows
    for name in ("loss_tisv_const", "det_tdsv_test", "scores_tisv_test"):
        assert (work / "results/variants/mom0/plots" / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
    work = shutil.copytree(work, tmp_path / "run", symlinks=True)  # the report is written into the folder
    proc = snakemake(work, "--report", "results/report.html", config=CONFIGS)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_rerunning_one_variants_training_leaves_the_others_untouched(grid_run, tmp_path):
    work = shutil.copytree(grid_run[0], tmp_path / "run", symlinks=True)
    target = "results/variants/mom0/seed1/tisv/const/final.pt"
    others = [p for p in (work / "results").rglob("*.pt") if p.parent != (work / target).parent]
    before = {p: p.stat().st_mtime_ns for p in others}
    digest = hashlib.sha256((work / target).read_bytes()).hexdigest()
    proc = snakemake(work, target, "--force", config=CONFIGS)
    assert proc.returncode == 0 and job_counts(proc.stdout + proc.stderr) == {"train": 1}, proc.stderr[-3000:]
    assert hashlib.sha256((work / target).read_bytes()).hexdigest() == digest  # seeded: the same weights again
    # The same bytes: Snakemake compares the retrained files' checksums, and nothing downstream reruns.
    proc = snakemake(work, "-n", config=CONFIGS)
    assert proc.returncode == 0 and "Nothing to be done" in proc.stdout + proc.stderr, proc.stdout[-3000:]
    assert {p: p.stat().st_mtime_ns for p in others} == before
    # Another momentum for mom0 retrains mom0's runs alone (both tasks, schedules and seeds), nothing of default's.
    (work / "config" / "grid.yaml").write_text(GRID.replace("momentum: 0.0", "momentum: 0.5"))
    proc = snakemake(work, "-n", config=CONFIGS)
    jobs = job_counts(proc.stdout)
    assert jobs["train"] == 8 and not set(jobs) & set(DATA_STAGES), jobs
    planned = re.findall(r"rule train:\n\s+input: .*\n\s+output: (\S+)/init\.pt", proc.stdout)
    assert len(planned) == 8 and all(p.startswith("results/variants/mom0/seed") for p in planned), planned
