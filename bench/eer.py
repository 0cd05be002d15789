"""EER on many trials: ge2e.evaluate.metrics.eer against a 0.01-step threshold sweep and a ROC-based EER.

Trials: continuous cosine-like scores (targets ~ N(0.55, 0.15), non-targets ~ N(0.1, 0.2),
no ties), a fraction of them targets. The sweep is what a straightforward implementation
does (and what the earlier public port did over a fixed range): every 0.01 over the
score range, FAR and FRR over all trials, the EER read at the threshold where they are
closest. The exact reference is scikit-learn's roc_curve (benchmark only, not a library
dependency): the crossing of FPR and 1 - TPR, linearly interpolated.

Usage: python bench/eer.py [--quick] [--trials 1000000] [--targets 0.01] [--repeats 5]
"""

import benchlib

benchlib.single_thread_env()

import numpy as np  # noqa: E402
from sklearn.metrics import roc_curve  # noqa: E402

from ge2e.evaluate.metrics import det_curve, eer  # noqa: E402

TOLERANCE = 1e-6
TARGET = 50.0
STEP = 0.01


def trials(count, target_fraction, seed=0):
    """(scores (K,) float64, labels (K,) bool), targets shuffled among non-targets."""
    rng = np.random.default_rng(seed)
    labels = rng.random(count) < target_fraction
    scores = np.where(labels, rng.normal(0.55, 0.15, count), rng.normal(0.1, 0.2, count))
    return scores, labels


def sweep_eer(scores, labels, step=STEP):
    """EER by a threshold sweep: FAR/FRR at every ``step`` over the score range; (FAR+FRR)/2 where closest.

    Args:
        scores: (K,); labels: (K,) bool, True for target trials.
    Returns:
        EER, accurate only to about the FAR/FRR change over one step.
    """
    n_target, n_nontarget = labels.sum(), (~labels).sum()
    best, rate = np.inf, None
    for threshold in np.arange(scores.min(), scores.max() + step, step):
        accept = scores >= threshold
        far = np.sum(accept & ~labels) / n_nontarget
        frr = np.sum(~accept & labels) / n_target
        if abs(far - frr) < best:
            best, rate = abs(far - frr), (far + frr) / 2
    return float(rate)


def roc_eer(scores, labels):
    """Exact EER from scikit-learn's ROC: interpolated crossing of FPR and FNR = 1 - TPR."""
    fpr, tpr, _ = roc_curve(labels, scores, drop_intermediate=False)
    fnr = 1 - tpr
    j = int(np.argmax(fpr >= fnr))  # first ROC point at or past the crossing
    d = (fpr[j] - fpr[j - 1]) - (fnr[j] - fnr[j - 1])
    t = 0.0 if d == 0 else (fnr[j - 1] - fpr[j - 1]) / d
    return float(fpr[j - 1] + t * (fpr[j] - fpr[j - 1]))


def whole_curve_eer(scores, labels):
    """The EER read off the whole DET curve (every score sorted): how the library did it before."""
    far, frr, _ = det_curve(scores, labels)
    j = int(np.argmax(far >= frr))
    d = (far[j] - far[j - 1]) - (frr[j] - frr[j - 1])
    t = 0.0 if d == 0 else (frr[j - 1] - far[j - 1]) / d
    return float(far[j - 1] + t * (far[j] - far[j - 1]))


def run(args):
    count = 10**5 if args.quick else args.trials
    repeats = 2 if args.quick else args.repeats
    scores, labels = trials(count, args.targets)
    got, exact, swept = eer(scores, labels), roc_eer(scores, labels), sweep_eer(scores, labels)
    whole = whole_curve_eer(scores, labels)
    thresholds = len(np.arange(scores.min(), scores.max() + STEP, STEP))
    index = np.minimum((scores - scores.min()) * (4096 / np.ptp(scores)), 4095).astype(np.intp)
    # The target pair alone: interleaving the whole-curve sort (16 MB of temporaries) between
    # them leaves eer() paying page faults for memory the allocator has just handed back.
    times = benchlib.interleaved(
        {"eer": lambda: eer(scores, labels), "sweep": lambda: sweep_eer(scores, labels)}, repeats, warmup=1
    )
    times |= benchlib.interleaved(
        {
            "whole": lambda: whole_curve_eer(scores, labels),
            # One counting pass over every score: the floor of eer()'s histogram bracket.
            "bincount": lambda: np.bincount(index, minlength=4096),
        },
        repeats,
        warmup=1,
    )
    cpu, wall = benchlib.ratios(times["sweep"], times["eer"])
    speedup = benchlib.median(cpu)
    whole_speedup = benchlib.med_cpu(times["sweep"]) / benchlib.med_cpu(times["whole"])
    sweep_ms, eer_ms = benchlib.med_cpu(times["sweep"]) * 1e3, benchlib.med_cpu(times["eer"]) * 1e3
    bincount_ms = benchlib.med_cpu(times["bincount"]) * 1e3
    what = f"{count:,} trials, {args.targets:.0%} targets"
    return [
        benchlib.Row(
            f"`ge2e.evaluate.metrics.eer` speedup over a 0.01-step sweep ({thresholds} thresholds), {what}",
            f"{speedup:.1f}x CPU time (rounds {min(cpu):.1f}-{max(cpu):.1f}x, n={len(cpu)}; wall "
            f"{benchlib.median(wall):.1f}x); eer {eer_ms:.1f} ms, sweep {sweep_ms:.0f} ms "
            f"({sweep_ms / thresholds:.1f} ms per threshold)",
            f">= {TARGET:.0f}x",
            benchlib.verdict(speedup >= TARGET),
            f"Measured {speedup:.1f}x, short by {TARGET / speedup:.2f}x. {TARGET:.0f}x needs the exact EER in "
            f"{sweep_ms / TARGET:.1f} ms, the cost of {thresholds / TARGET:.0f} of the sweep's thresholds. eer() "
            "makes about eight numpy passes over the trials (float32 copy, min, max, scale, two bincounts, the "
            f"bin mask, the bin's scores); one bincount of all scores alone takes {bincount_ms:.1f} ms. A "
            "compiled single-pass histogram (numba is already installed with librosa) would close it; the "
            "numpy version was kept for simplicity.",
        ),
        benchlib.Row(
            f"`ge2e.evaluate.metrics.eer` equals the ROC-based EER (scikit-learn `roc_curve`), {what}",
            f"{got:.8f} vs {exact:.8f}: abs. diff {abs(got - exact):.1e}",
            f"<= {TOLERANCE:g}",
            benchlib.verdict(abs(got - exact) <= TOLERANCE),
        ),
        benchlib.Row(
            "the previous exact EER, read off the whole DET curve (every score sorted): speedup over the sweep",
            f"{whole_speedup:.1f}x CPU time; {benchlib.med_cpu(times['whole']) * 1e3:.0f} ms; same EER "
            f"(abs. diff {abs(whole - got):.1e})",
        ),
        benchlib.Row(
            "0.01-step sweep EER (for comparison; its error is set by the step)",
            f"{swept:.6f}: off the exact EER by {abs(swept - exact):.1e}",
        ),
    ]


def add_arguments(parser):
    parser.add_argument("--trials", type=int, default=10**6)
    parser.add_argument("--targets", type=float, default=0.01, help="fraction of target trials")
    parser.add_argument("--repeats", type=int, default=5)


def main():
    benchlib.cli("eer", "EER: exact bracketed EER against a threshold sweep", run, add_arguments)


if __name__ == "__main__":
    main()
