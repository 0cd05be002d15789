"""Training cost: one training step against one bare encoder forward+backward, throughput, peak memory.

"One training step" is ``ge2e.train.trainer.train_step`` (what the training loop runs per batch:
encoder forward, GE2E loss, backward, w/b gradient scaling, clipping, SGD step, w clamp)
with the optimiser built as ``ge2e.train.trainer.train`` builds it. "Bare" is the encoder's
forward and backward alone on the same (N*M, T, F) batch, from fresh gradients as the step
starts. Their ratio is the overhead of everything GE2E adds to the encoder; as a check it
is also estimated from that added work timed alone (loss forward+backward, clipping,
optimiser step), which is far less exposed to noise than a ratio of two large timings.

Sizes come from the configs: demo = config/config.yaml (TI-SV and TD-SV batches),
paper = config/paper.yaml layered on it (TI-SV, N=64 M=10), at the middle of each task's
frame range. One compute thread, as the pipeline trains (train.threads: 1). The
paper-size model runs in a fresh process so its peak memory (ru_maxrss) is its own;
there a single step takes about a minute of CPU, so it gets one round by default.

Usage: python bench/training.py [--quick] [--repeats 8] [--paper-repeats 1]
"""

import sys
from pathlib import Path

import benchlib

benchlib.single_thread_env()

import collections  # noqa: E402
import json  # noqa: E402

import torch  # noqa: E402
import yaml  # noqa: E402

from ge2e.encoder.model import SpeakerEncoder  # noqa: E402
from ge2e.train.loss import W_MIN, GE2ELoss  # noqa: E402
from ge2e.train.trainer import CLIP_NORM, WB_GRAD_SCALE, train_step  # noqa: E402

TARGET = 1.15
TASKS = {"tisv": "TI-SV", "tdsv": "TD-SV"}


def _merge(base, over):
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def sizes():
    """Benchmark settings per name: model size, batch N x M x T, lr, momentum, loss, from the configs."""
    demo = yaml.safe_load((benchlib.ROOT / "config" / "config.yaml").read_text())
    paper = _merge(demo, yaml.safe_load((benchlib.ROOT / "config" / "paper.yaml").read_text()))
    out = {}
    for name, cfg, tasks in (("demo", demo, ("tisv", "tdsv")), ("paper", paper, ("tisv",))):
        for task in tasks:
            t = cfg["train"][task]
            out[f"{name} {TASKS[task]}"] = {
                "n_mels": cfg["features"]["params"]["n_mels"],
                **{k: cfg["model"][k] for k in ("hidden", "layers", "proj")},
                "n": t["n_speakers"],
                "m": t["n_utterances"],
                "t": int(round(sum(t["frames"]) / 2)),
                "lr": cfg["lr_schedules"]["const"]["lr"],
                "momentum": cfg["train"]["momentum"],
                "loss": cfg["train"]["loss"],
            }
    return out


class Bench:
    """Model, loss, optimiser (as ge2e.train.trainer.train builds them) and one fixed batch (N, M, T, F)."""

    def __init__(self, s, seed=0):
        torch.manual_seed(seed)
        self.model = SpeakerEncoder(s["n_mels"], s["hidden"], s["layers"], s["proj"])
        self.loss_fn = GE2ELoss(method=s["loss"])
        self.optimiser = torch.optim.SGD(
            [{"params": self.model.parameters()}, {"params": self.loss_fn.parameters()}],
            lr=s["lr"],
            momentum=s["momentum"],
        )
        self.batch = torch.randn(s["n"], s["m"], s["t"], s["n_mels"])
        self.model.train()
        self.embeddings = None

    def step(self):
        train_step(self.model, self.loss_fn, self.optimiser, self.batch)

    def bare(self):
        n, m, t, f = self.batch.shape
        self.model.zero_grad(set_to_none=True)
        out = self.model(self.batch.reshape(n * m, t, f))  # (N*M, D)
        out.sum().backward()
        self.embeddings = out.detach().view(n, m, -1)

    def added(self):
        """What train_step does beyond bare(), timed alone on bare()'s outputs and gradients (an estimate)."""
        e = self.embeddings.clone().requires_grad_(True)
        self.loss_fn(e).backward()
        for p in self.loss_fn.parameters():
            p.grad *= WB_GRAD_SCALE
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), CLIP_NORM)
        self.optimiser.step()
        with torch.no_grad():
            self.loss_fn.w.clamp_(min=W_MIN)


def saved_inventory(s, batch):
    """Tensors autograd saves for backward in one encoder+loss forward, at a small batch of ``batch`` segments.

    Returns (total bytes, {(shape, dtype, storage bytes): [count, total bytes]}); parameters are
    excluded and each storage is counted once (views of one storage share it).
    """
    b = Bench({**s, "n": 2, "m": batch // 2})
    params = {p.untyped_storage().data_ptr() for p in [*b.model.parameters(), *b.loss_fn.parameters()]}
    seen, groups = set(), collections.defaultdict(lambda: [0, 0])

    def pack(t):
        storage = t.untyped_storage()
        if storage.data_ptr() not in params and storage.data_ptr() not in seen:
            seen.add(storage.data_ptr())
            # Group by the storage's size: per-step gate tensors are (B, 4H) storages viewed as four (B, H).
            group = groups[(tuple(t.shape), str(t.dtype).removeprefix("torch."), storage.nbytes())]
            group[0] += 1
            group[1] += storage.nbytes()
        return t

    n, m, t, f = b.batch.shape
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        b.loss_fn(b.model(b.batch.reshape(n * m, t, f)).view(n, m, -1))
    return sum(g[1] for g in groups.values()), groups


def paper_worker(s, repeats):
    """Fresh process: paper-size step and bare timings, peak memory, saved-tensor inventory. Prints JSON."""
    torch.set_num_threads(1)
    b = Bench(s)
    tiny = Bench({**s, "n": 2, "m": 2, "t": 4})
    for _ in range(2):  # lazy initialisation (autograd engine, kernels) on a tiny batch, off the clock
        tiny.step()
        tiny.bare()
    del tiny
    rss0 = benchlib.maxrss_mb()
    # The first full-size pass in a process first touches the ~8 GB of saved activations (page
    # faults and zeroing, system CPU time): in trial runs a first step took ~78 s against ~57 s for
    # later ones. An untimed forward (which allocates nearly all of that memory, at about a third of
    # a step's cost) brings the process to the steady state that training runs in.
    n, m, t, f = b.batch.shape
    warm = benchlib.timed(lambda: b.model(b.batch.reshape(n * m, t, f)))
    times = benchlib.interleaved({"step": b.step, "bare": b.bare}, repeats, warmup=0)
    # Only training work ran in this process, all of it building the same encoder graph: its peak
    # is that of training steps in steady state (the step adds only the tiny loss graph and the
    # optimiser to bare). It is above a lone first step's (8.5 GB in a trial run): the allocator's
    # free memory from one pass is not all reused by the next.
    rss_step = benchlib.maxrss_mb()
    b.bare()  # fresh embeddings and gradients for the added-work estimate
    added = benchlib.interleaved({"added": b.added}, 5, warmup=1)["added"]
    total8, groups8 = saved_inventory(s, 8)
    total16, _ = saved_inventory(s, 16)
    print(
        json.dumps(
            {
                "times": times,
                "warm": warm,
                "added": added,
                "rss0_mb": rss0,
                "rss_step_mb": rss_step,
                "saved8": total8,
                "saved16": total16,
                "groups8": [[list(k[0]), k[1], k[2], v[0], v[1]] for k, v in groups8.items()],
            }
        )
    )


def throughput_row(name, s, step_times):
    seg = s["n"] * s["m"]
    cpu, wall = benchlib.med_cpu(step_times), benchlib.med_wall(step_times)
    return benchlib.Row(
        f"training throughput, {name} model ({s['layers']}x{s['hidden']}, proj {s['proj']}), "
        f"N={s['n']} M={s['m']} T={s['t']}, CPU, 1 thread",
        f"{seg / cpu:,.1f} segments/s ({cpu:.3g} s CPU per step; wall {seg / wall:,.1f} segments/s)",
        "required (printed)",
        "info",
    )


def ratio_rows(name, s, times, added):
    cpu, wall = benchlib.ratios(times["step"], times["bare"])
    ratio = benchlib.median(cpu)
    estimate = 1 + benchlib.med_cpu(added) / benchlib.med_cpu(times["bare"])
    return [
        benchlib.Row(
            f"one training step / one bare encoder fwd+bwd, {name} model, N={s['n']} M={s['m']} T={s['t']}",
            f"{ratio:.3f}x CPU time (rounds {min(cpu):.3f}-{max(cpu):.3f}, n={len(cpu)}; wall "
            f"{benchlib.median(wall):.3f}x); step {benchlib.med_cpu(times['step']):.3g} s, bare "
            f"{benchlib.med_cpu(times['bare']):.3g} s; added work timed alone {benchlib.med_cpu(added) * 1e3:.1f} ms "
            f"-> {estimate:.4f}x",
            f"<= {TARGET}x",
            benchlib.verdict(ratio <= TARGET),
            f"Measured {ratio:.3f}x, over by {ratio / TARGET - 1:.0%} of the target. "
            + (
                f"The work train_step adds, timed alone, is {benchlib.med_cpu(added) * 1e3:.1f} ms "
                f"({estimate - 1:.2%} of the bare pass), so the excess is timing noise from {len(cpu)} round(s) on "
                "a shared machine: more rounds (--repeats, --paper-repeats) or a quiet machine would close it."
                if estimate <= TARGET
                else "The added work timed alone also exceeds the target: the loss, clipping or optimiser step "
                "is too slow for this model size."
            ),
        ),
        throughput_row(name, s, times["step"]),
    ]


def memory_row(s, w):
    seg = s["n"] * s["m"]
    scale = seg / 8  # the inventory ran at 8 segments; activations grow linearly with the batch
    linear = w["saved16"] / w["saved8"]
    groups = sorted(w["groups8"], key=lambda g: -g[4])
    biggest = max(w["groups8"], key=lambda g: g[2])
    gb = 2**30

    def shape(dims):  # the batch dimension written out at the real size
        return (
            "("
            + ", ".join(f"{seg}*{s['t']}" if d == 8 * s["t"] else str(seg) if d == 8 else str(d) for d in dims)
            + ")"
        )

    def storage(g):  # per-step LSTM gates are one (B, 4H) storage viewed as four (B, H) chunks
        elems = g[2] // 4
        whole = elems == torch.Size(g[0]).numel()
        return "" if whole or elems % 8 else f" (views of {shape([8, elems // 8])} storages)"

    top = "; ".join(
        f"{g[3]} x {shape(g[0])} {g[1]}{storage(g)}, {g[2] * scale / 2**20:.1f} MB each, {g[4] * scale / gb:.2f} GB"
        for g in groups[:3]
    )
    return benchlib.Row(
        f"training step peak memory, paper model (3x768, proj 256), N={s['n']} M={s['m']} T={s['t']}, fresh process",
        f"peak RSS {w['rss_step_mb'] / 1024:.2f} GB (+{(w['rss_step_mb'] - w['rss0_mb']) / 1024:.2f} GB over "
        f"model, optimiser and batch). Saved for backward: {w['saved8'] * scale / gb:.2f} GB (counted "
        f"at 8 segments, x{scale:.0f}; 16/8 segments gives x{linear:.2f}). Largest single tensor: "
        f"{shape(biggest[0])} {biggest[1]}{storage(biggest)} = {biggest[2] * scale / 2**20:.0f} MB. Largest groups "
        f"(count x shape): {top}",
        "printed, largest array named",
        "info",
    )


def run(args):
    torch.set_num_threads(1)
    all_sizes = sizes()
    rows, repeats = [], 1 if args.quick else args.repeats
    for name in ("demo TI-SV", "demo TD-SV"):
        s = all_sizes[name]
        b = Bench(s)
        times = benchlib.interleaved({"bare": b.bare, "step": b.step}, repeats, warmup=1 if args.quick else 2)
        b.bare()
        added = benchlib.interleaved({"added": b.added}, 3 if args.quick else 20, warmup=1)["added"]
        rows += ratio_rows(name, s, times, added)
    s = all_sizes["paper TI-SV"]
    if args.quick:  # the paper-size model on a tiny batch: exercises the path, not the cost
        s = {**s, "n": 4, "m": 2, "t": 20}
    w = benchlib.worker_json(
        [Path(__file__), "--worker-paper", json.dumps(s), str(1 if args.quick else args.paper_repeats)]
    )
    times = {k: [tuple(x) for x in v] for k, v in w["times"].items()}
    rows += ratio_rows("paper TI-SV", s, times, [tuple(x) for x in w["added"]])
    rows[-2].measured += f"; untimed warm-up forward {w['warm'][0]:.3g} s (first touch of the activation memory)"
    rows.append(memory_row(s, w))
    return rows


def add_arguments(parser):
    parser.add_argument("--repeats", type=int, default=8, help="rounds for the demo-size models")
    parser.add_argument(
        "--paper-repeats", type=int, default=1, help="rounds for the paper-size model (each ~2 min on CPU)"
    )


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--worker-paper":
        paper_worker(json.loads(sys.argv[2]), int(sys.argv[3]))
        return
    benchlib.cli("training", "Training step cost, throughput and peak memory", run, add_arguments)


if __name__ == "__main__":
    main()
