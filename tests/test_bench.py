"""The benchmark scripts still run against the library (tiny sizes; the figures are not checked here)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_quick_run_writes_its_table(tmp_path):
    out = tmp_path / "bench.md"
    cmd = [sys.executable, "bench/run.py", "--quick", "--only", "eer,loss,shards,training,fullsize", "--out", str(out)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    table = out.read_text()
    # Equalities hold at any size; speed ratios at tiny sizes mean nothing, so only their rows are required.
    for figure in ("`ge2e.evaluate.metrics.eer` equals the ROC-based EER",
                   "GE2E softmax: vectorised equals the loop reference",
                   "GE2E contrast: vectorised equals the loop reference"):  # fmt: skip
        row = next(line for line in table.splitlines() if figure in line)
        assert row.rstrip().endswith("| pass |"), row
    assert "one training step / one bare encoder fwd+bwd" in table
    row = next(line for line in table.splitlines() if "the same batches from the set read whole into memory" in line)
    assert "batches equal" in row and row.rstrip().endswith("| pass |"), row
    # The slice runs through convert, features, batches and training, and the projection rows follow.
    assert "ge2e.train.trainer.train on the slice's features" in table
    assert table.count("| PROJECTION: ") == 6
