"""The tiny config through ``--profile profiles/slurm`` on a real one-node SLURM cluster (tests/slurm_cluster.py).

Needs root and Debian's slurmctld, slurmd, slurm-client and munge (``make`` installs them when run as root);
skipped without them, except in CI (``CI`` set), where a missing cluster fails the test.
"""

import os
import re
import subprocess
import sys
import time

import pytest
import slurm_cluster
from workflow_run import copy_workflow, require_speech_tools

TIMEOUT = 900  # seconds for the whole Snakemake run; a hang fails here instead of stalling the suite
TARGET = "results/eer_table.md"
# The rules behind the table: each must have gone through sbatch.
RULES = (
    *("builtin_corpus", "convert_timit", "convert_snips", "features", "augment", "train"),
    *("evaluate", "evaluate_mfcc", "eer_table"),
)


def _unavailable(reason):
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the SLURM test: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    reason = slurm_cluster.unusable_reason()
    if reason:
        _unavailable(reason)
    require_speech_tools()
    with slurm_cluster.slurm_cluster(tmp_path_factory.mktemp("slurm")) as running:
        yield running


def test_tiny_config_through_the_slurm_profile(cluster, tmp_path):
    """The tiny config with a second experiment seed, so that runs under results/seed8/ go through sbatch too."""
    work = copy_workflow(tmp_path)
    (work / "config" / "seeds.yaml").write_text("experiments: {seeds: [7, 8]}\n")
    log = tmp_path / "snakemake.log"
    cmd = [
        *("timeout", "--kill-after=30", str(TIMEOUT)),
        *(sys.executable, "-m", "snakemake", TARGET, "--profile", "profiles/slurm"),
        # Test-only settings, none of which changes what is submitted: keep the SLURM logs of successful jobs
        # (checked below); poll squeue every few seconds instead of after 40 (each of the DAG's levels waits
        # for one poll); no job asks for more CPUs than the one node has.
        "--slurm-keep-successful-logs",
        *("--slurm-init-seconds-before-status-checks", "2", "--seconds-between-status-checks", "2"),
        *("--max-threads", str(cluster.cpus)),
        *("--configfile", "config/tiny.yaml", "config/seeds.yaml"),
    ]
    env = {**cluster.env, "PATH": f"{os.path.dirname(sys.executable)}{os.pathsep}{cluster.env['PATH']}"}
    start = time.monotonic()
    with open(log, "w") as out:
        proc = subprocess.run(cmd, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=TIMEOUT + 60)
    output = log.read_text()
    context = f"{output[-6000:]}\n{cluster.log_tails()}"
    assert proc.returncode != 124, f"Snakemake on SLURM hung: killed after {TIMEOUT} s\n{context}"
    assert proc.returncode == 0, f"Snakemake on SLURM failed ({proc.returncode})\n{context}"
    print(f"Snakemake on SLURM: {time.monotonic() - start:.0f} s")

    table = (work / TARGET).read_text()
    assert "| Ours" in table and "| MFCC mean+std" in table, table

    # Evidence that the jobs ran under SLURM and not locally: sbatch job ids in Snakemake's log, each
    # COMPLETED for slurmctld (the test cluster lists finished jobs for an hour), one SLURM log per job and rule.
    job_ids = re.findall(r"submitted with SLURM jobid (\d+)", output)
    assert job_ids, output[-4000:]
    listed = cluster.run("squeue", "-h", "-t", "all", "-o", "%i|%T").stdout.split()
    states = dict(line.split("|") for line in listed)
    assert {states.get(i) for i in job_ids} == {"COMPLETED"}, (job_ids, states)
    slurm_logs = work / ".snakemake" / "slurm_logs"
    for rule in RULES:
        logs = list((slurm_logs / f"rule_{rule}").rglob("*.log"))
        assert logs and all(p.stem in job_ids for p in logs), (rule, logs)
    # One SLURM job per training: two tasks x two schedules x two seeds.
    assert len(list((slurm_logs / "rule_train").rglob("*.log"))) == 8
    assert (work / "results/seed8/tisv/step/final.pt").exists() and "mean over 2 seeds" in table
    assert len(list(slurm_logs.rglob("*.log"))) == len(job_ids)
