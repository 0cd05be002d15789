"""Training threads that follow the cores left free (ge2e.train.cores): the cores counted from /proc/stat, the thread
count taken up and given back, and training that writes the same bytes whatever the thread count."""

import json
import os
import subprocess
import sys

import pytest

from ge2e.train import cores


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class FakeCpuTime:
    """Two CPUs whose busy seconds and this process's own the test moves by hand."""

    cpus = [0, 1]

    def __init__(self):
        self.busy_s, self.own_s = 0.0, 0.0

    def busy(self):
        return self.busy_s

    def own(self):
        return self.own_s


def follower(start=1, most=2):
    clock, cpu, calls = Clock(), FakeCpuTime(), []
    return cores.Follower(start, most, cpu, calls.append, clock, invariant=True), clock, cpu, calls


def test_a_job_takes_the_cores_left_idle_and_gives_them_back_when_another_job_starts():
    follow, clock, cpu, calls = follower()
    assert calls == [1] and follow() == 1  # it starts at its claim, and looks again only after an interval
    clock.now += cores.INTERVAL_S
    cpu.busy_s += 2.2 * 0.95 + 0.1  # alone: its own thread, and a little housekeeping on the other core
    cpu.own_s += 2.2 * 0.95
    assert follow() == 2 and calls == [1, 2]
    clock.now += cores.INTERVAL_S
    cpu.own_s += 2 * 1.4  # its two threads, sharing a core with a job that started
    cpu.busy_s += 2 * 2.0
    assert follow() == 1 and calls == [1, 2, 1]
    clock.now += cores.INTERVAL_S / 2
    cpu.busy_s += 1.0
    assert follow() == 1 and calls == [1, 2, 1]  # within an interval it does not look


def test_a_fixed_thread_count_is_held_and_the_cpus_bound_the_most():
    follow, clock, cpu, calls = follower(start=2, most=2)
    clock.now += 10 * cores.INTERVAL_S
    cpu.busy_s += 0.0
    assert follow() == 2 and calls == [2]  # train.threads: 2 claims two cores and keeps them
    follow, clock, cpu, calls = follower(start=1, most=16)
    assert follow.most == 2  # no more threads than CPUs it may run on
    follow, *_ = follower(start=4, most=4)
    assert follow.most == 4  # a number above the CPUs is the config's: held, as ever
    held = cores.Follower(1, 2, FakeCpuTime(), [].append, Clock(), invariant=False)
    assert held.most == 1  # where the thread count would change bytes (no oneMKL, no AVX2), a job keeps its claim


def test_without_cpu_statistics_it_keeps_its_claim(tmp_path):
    cpu = cores.CpuTime(stat=tmp_path / "missing", cpus=[0, 1])
    clock, calls = Clock(), []
    follow = cores.Follower(1, 2, cpu, calls.append, clock, invariant=True)
    clock.now += cores.INTERVAL_S
    assert cpu.busy() is None and follow() == 1 and calls == [1]


def test_busy_time_is_read_from_the_kernels_cpu_lines(tmp_path):
    stat = tmp_path / "stat"
    stat.write_text(
        "cpu  30 0 10 500 5 0 0 0 0 0\ncpu0 10 1 5 200 3 1 1 2 0 0\ncpu1 20 0 5 300 2 0 0 0 0 0\nintr 12345\n"
    )
    tick = os.sysconf("SC_CLK_TCK")
    assert cores.CpuTime(stat, cpus=[0]).busy() == pytest.approx((10 + 1 + 5 + 1 + 1 + 2) / tick)
    assert cores.CpuTime(stat, cpus=[0, 1]).busy() == pytest.approx((20 + 25) / tick)
    here = cores.CpuTime()
    if here.busy() is None:
        pytest.skip("no /proc/stat here")
    assert here.busy() > 0 and here.cpus


# A short training of the model given (as config ``model``), with the optimiser given, its thread count set before
# every step; prints the SHA-256 of its final checkpoint.
TRAIN = """
import hashlib, json, sys
import numpy as np, torch
from ge2e.features.store import FeatureSet
from ge2e.train import cores
from ge2e.train.trainer import TrainParams, train

cores.pin_products()
counts, out, model, optimiser = json.loads(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
rng = np.random.default_rng(0)
feats, spk, utt = [], [], []
for s in range(16):
    centre = rng.normal(0, 1, 40)
    for u in range(4):
        feats.append((centre + rng.normal(0, 1, (60, 40))).astype(np.float32))
        spk.append(f"s{s}")
        utt.append(f"s{s}_{u}")
data = FeatureSet.from_list(feats, spk, utt)
steps = iter(counts * 100)
params = TrainParams(n_speakers=8, n_utterances=4, frames=(40, 50), epochs=2, lr=0.01, schedule="const",
                     step_epochs=None, gamma=0.5, loss_method="softmax", validate_every=2,
                     checkpoint_every=10, average_window=50, seed=3, device="cpu", **optimiser)
paths = {k: f"{out}/{k}.pt" for k in ("init", "final", "best")} | {"loss": f"{out}/loss.tsv"}
train(data, data, params, model, {"n_mels": 40}, paths,
      before_step=lambda: torch.set_num_threads(next(steps)))
print(hashlib.sha256(open(paths["final"], "rb").read()).hexdigest())
"""


@pytest.mark.parametrize(
    ("model", "optimiser"),
    [
        # The demo's encoder: oneMKL's unpinned products differ at three threads on the machines measured.
        ({"hidden": 128, "layers": 2, "proj": 64}, {"momentum": 0.9}),
        # The imported encoder's architecture and size, fine-tuned as config/real-speech.yaml does (Adam).
        ({"hidden": 256, "layers": 3, "proj": 256, "arch": "resemblyzer"}, {"momentum": 0.0, "optimiser": "adam"}),
    ],
    ids=["demo", "resemblyzer"],
)
def test_the_thread_count_changes_no_byte_of_what_training_writes(tmp_path, model, optimiser):
    digests = []
    for n, counts in enumerate(([1], [3, 1, 2])):  # one thread throughout; three, one and two, step by step
        (tmp_path / str(n)).mkdir()
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                TRAIN,
                json.dumps(counts),
                str(tmp_path / str(n)),
                json.dumps(model),
                json.dumps(optimiser),
            ],
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        digests.append(proc.stdout.split()[-1])
    assert digests[0] == digests[1]
    assert (tmp_path / "0" / "loss.tsv").read_bytes() == (tmp_path / "1" / "loss.tsv").read_bytes()
