"""GE2E loss forward+backward: ge2e.train.loss.GE2ELoss against a loop over speakers and utterances.

The reference is ge2e.train.loss_reference.loop_loss, the paper's equations written out as loops
(the same one tests/test_loss.py checks values against). Both sides get the same unit-norm
embeddings (the encoder's outputs are unit norm), the same w and b, and are checked equal
before they are timed, in float32 as training runs. Single thread, as training runs
(train.threads: 1).

Usage: python bench/loss.py [--quick] [--repeats 2] [--out results/bench_loss.md]
"""

import benchlib

benchlib.single_thread_env()

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from ge2e.train.loss import GE2ELoss  # noqa: E402
from ge2e.train.loss_reference import loop_loss  # noqa: E402

TOLERANCE = 1e-5
TARGET = 100.0


def embeddings(n, m, d, seed=0):
    """(N, M, D) unit-norm float32 embeddings, clustered by speaker so the loss is not degenerate."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(n, 1, d, generator=g)
    e = centres + 1.2 * torch.randn(n, m, d, generator=g)
    return F.normalize(e, dim=-1).requires_grad_(True)


def close(got, ref):
    """Largest |got - ref| / max(1, |ref|) over elements: absolute below 1, relative above.

    Relative alone is meaningless where the exact value is 0 (the softmax loss is
    invariant to b, so d loss/d b is 0 up to rounding); absolute alone would be unfair to
    a summed loss in the hundreds.
    """
    got, ref = torch.as_tensor(got, dtype=torch.float64), torch.as_tensor(ref, dtype=torch.float64)
    return ((got - ref).abs() / ref.abs().clamp(min=1.0)).max().item()


def run(args):
    torch.set_num_threads(1)
    n, m, d = (8, 4, 32) if args.quick else (args.n, args.m, args.d)
    repeats = 1 if args.quick else args.repeats
    rows = []
    for method in ("softmax", "contrast"):
        e = embeddings(n, m, d)
        lib = GE2ELoss(method=method)
        # The reference gets its own leaves with the same values, so both sides' w, b gradients can be compared.
        w = lib.w.detach().clone().requires_grad_(True)
        b = lib.b.detach().clone().requires_grad_(True)
        out = {}

        def vectorised(lib=lib, e=e, out=out):
            e.grad = None
            lib.zero_grad(set_to_none=True)
            loss = lib(e)
            loss.backward()
            out["lib"] = (loss.detach(), e.grad, lib.w.grad, lib.b.grad)

        def loops(e=e, w=w, b=b, method=method, out=out):
            e.grad, w.grad, b.grad = None, None, None
            loss = loop_loss(e, w, b, method)
            loss.backward()
            out["ref"] = (loss.detach(), e.grad, w.grad, b.grad)

        # The vectorised loss takes milliseconds: warm it up, and time it over many calls per round.
        # The reference takes tens of seconds, so it gets no untimed warm-up call. The values
        # checked below are those of each side's last timed call, on the same embeddings.
        for _ in range(3):
            vectorised()
        times = benchlib.interleaved(
            {"loops": loops, "vectorised": vectorised}, repeats, inner={"vectorised": 50}, warmup=0
        )
        diff = [close(got, ref) for got, ref in zip(out["lib"], out["ref"], strict=True)]
        cpu, wall = benchlib.ratios(times["loops"], times["vectorised"])
        speedup = benchlib.median(cpu)
        rows += [
            benchlib.Row(
                f"GE2E {method} loss fwd+bwd, N={n} M={m} D={d}: vectorised speedup over the loop reference",
                f"{speedup:,.0f}x CPU time (rounds {min(cpu):,.0f}-{max(cpu):,.0f}x, n={len(cpu)}; wall "
                f"{benchlib.median(wall):,.0f}x); vectorised {benchlib.med_cpu(times['vectorised']) * 1e3:.1f} ms, "
                f"loops {benchlib.med_cpu(times['loops']):.1f} s",
                f">= {TARGET:.0f}x",
                benchlib.verdict(speedup >= TARGET),
                f"Measured {speedup:,.0f}x, short by {TARGET / speedup:.1f}x; at small N*M the loops are short "
                "and the vectorised loss's fixed per-call cost dominates.",
            ),
            benchlib.Row(
                f"GE2E {method}: vectorised equals the loop reference (float32; |diff| / max(1, |ref|))",
                f"loss {diff[0]:.1e} (loss {out['ref'][0].item():.2f}); d/d e max {diff[1]:.1e} "
                f"(max |grad| {out['ref'][1].abs().max().item():.2f}); d/d w {diff[2]:.1e}; d/d b {diff[3]:.1e}",
                f"all <= {TOLERANCE:g}",
                benchlib.verdict(max(diff) <= TOLERANCE),
                "The two implementations disagree: a bug in one of them, not a timing matter.",
            ),
        ]
    return rows


def add_arguments(parser):
    parser.add_argument("--repeats", type=int, default=2, help="rounds; each runs the loop reference once (~20 s)")
    parser.add_argument("--n", type=int, default=64, help="speakers per batch")
    parser.add_argument("--m", type=int, default=10, help="utterances per speaker")
    parser.add_argument("--d", type=int, default=256, help="embedding size")


def main():
    benchlib.cli("loss", "GE2E loss: vectorised against the loop reference", run, add_arguments)


if __name__ == "__main__":
    main()
