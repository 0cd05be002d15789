"""Re-running one stage: a failed job is fixed and rerun alone, upstream outputs untouched; a changed
hyper-parameter reruns training and what follows it, nothing before it. The commands are docs/reproducibility.md's."""

import shutil

import yaml
from workflow_run import job_counts, snakemake

UPSTREAM = [
    "results/tisv/manifest.tsv",
    "results/tisv/features/test/0.npz",
    "results/tisv/const/init.pt",
    "results/tisv/const/best.pt",
    "results/tisv/const/loss.tsv",
]


def _copy(run_dir, tmp_path):
    # copytree keeps mtimes (copy2), and .snakemake/ keeps the run's metadata: the copy is up to date.
    return shutil.copytree(run_dir, tmp_path / "run", symlinks=True)


def _mtimes(work, paths):
    return {p: (work / p).stat().st_mtime_ns for p in paths}


def test_failed_evaluate_is_fixed_and_rerun_alone(run_dir, tmp_path):
    work = _copy(run_dir, tmp_path)
    ckpt = work / "results/tisv/const/final.pt"
    target = "results/tisv/const/eval/test/final.json"
    good, expected = ckpt.read_bytes(), (work / target).read_text()
    before = _mtimes(work, UPSTREAM)

    ckpt.write_bytes(b"truncated by a full disk")  # newer than its evaluation: Snakemake reruns evaluate
    proc = snakemake(work, target)
    assert proc.returncode != 0
    assert (
        f"{ckpt.relative_to(work)}: not a ge2e checkpoint"
        in (work / "results/logs/evaluate/tisv_const_test_final.log").read_text()
    )
    assert "Traceback" not in proc.stderr

    ckpt.write_bytes(good)  # the fix; then the documented command for one output
    proc = snakemake(work, target)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert job_counts(proc.stdout + proc.stderr) == {"evaluate": 1}
    assert (work / target).read_text() == expected  # seeded: the same numbers as the first run
    assert _mtimes(work, UPSTREAM) == before


def test_forcerun_until_reruns_one_rule_and_nothing_else(run_dir, tmp_path):
    work = _copy(run_dir, tmp_path)
    before = _mtimes(work, [*UPSTREAM, "results/eer_table.md"])
    proc = snakemake(work, "--forcerun", "evaluate_mfcc", "--until", "evaluate_mfcc")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert job_counts(proc.stdout + proc.stderr) == {"evaluate_mfcc": 2}
    assert _mtimes(work, [*UPSTREAM, "results/eer_table.md"]) == before


def test_changed_hyperparameter_reruns_training_and_downstream_only(run_dir, tmp_path):
    work = _copy(run_dir, tmp_path)
    config_path = work / "config/tiny.yaml"
    config = yaml.safe_load(config_path.read_text())
    config["train"]["tisv"]["epochs"] += 1
    config_path.write_text(yaml.safe_dump(config))
    proc = snakemake(work, "-n")
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs = job_counts(proc.stdout)
    # TI-SV: both schedules retrain; their checkpoints are re-evaluated (final, best x 2, and init);
    # the figures and the table follow. Corpus, conversion, features and the MFCC baseline do not.
    assert jobs.pop("train") == 2 and jobs.pop("evaluate") == 5
    assert set(jobs) == {"plot_loss", "plot_scores", "embedding_map", "eer_table", "run_summary", "all"}
    assert "params changed" in proc.stdout.lower() or "Params have changed" in proc.stdout
