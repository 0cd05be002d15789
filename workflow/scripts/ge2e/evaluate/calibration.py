"""Scores -> calibrated log-likelihood ratios, and what a threshold achieves on trials it was not chosen on.

A raw cosine means nothing by itself. ``fit`` learns an affine map from a system's scores to
log-likelihood ratios (LLRs) on the validation speakers' trials, by prior-weighted linear logistic
regression as in the BOSARIS toolkit (``train_linear_calibration``); an LLR then supports a decision at
any prior by the Bayes threshold. The measures follow BOSARIS and NIST SRE:

- ``cllr``: the cost of the LLRs as given (prior 0.5, in bits); ``min_cllr``: the cost after the best
  monotone map of the scores (PAV), so ``cllr - min_cllr`` is what miscalibration costs.
- ``actual_dcf``: the detection cost of deciding by the Bayes threshold on the LLRs, normalised exactly
  as ``ge2e.evaluate.metrics.min_dcf`` (which minimises over every threshold), so actual >= minimum always.
- operating points: thresholds chosen on one trial set (validation), rates reached on another (test).

Convention everywhere (as ``ge2e.evaluate.metrics.det_curve``): a trial is accepted when its score (or LLR) is
>= the threshold. Score arguments are 1-D arrays (any shape is flattened): targets (same speaker) and
non-targets (different speakers) separately.
"""

import dataclasses

import numpy as np

from ge2e.errors import InputError
from ge2e.evaluate.metrics import P_TARGETS, det_curve, eer_threshold

# Where a checkpoint (the dict ge2e.train.trainer writes) keeps Calibration.to_dict() and operating_points().
CHECKPOINT_KEY = "calibration"
THRESHOLDS_KEY = "operating_points"
# The named false-accept budgets of operating_points(), besides the EER point (ge2e verify --at NAME).
FAR_POINTS = {"far1": 0.01, "far0.1": 0.001}


@dataclasses.dataclass(frozen=True)
class Calibration:
    """LLR = scale * score + offset (natural log), fitted at target prior ``p_target``.

    ``source`` says which trials it was fitted on (e.g. the corpus and protocol), for users to judge
    whether it fits theirs.
    """

    scale: float
    offset: float
    p_target: float
    source: str = ""

    def to_dict(self):
        """Plain floats and a string: fits a weights-only checkpoint and JSON."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d):
        fields = [f.name for f in dataclasses.fields(cls)]
        if not isinstance(d, dict) or not set(fields) <= set(d):
            raise InputError(f"not a stored calibration (needs {', '.join(fields)}): {d!r}"[:300])
        return cls(float(d["scale"]), float(d["offset"]), float(d["p_target"]), str(d["source"]))


def _scores(x, what, finite=True):
    """Scores (N,) float64, N >= 1, without NaN (and finite unless ``finite`` is False); InputError otherwise."""
    x = np.asarray(x, dtype=np.float64).ravel()
    if not x.size:
        raise InputError(f"no {what} trials: calibration and decision measures need both targets and non-targets")
    if np.isnan(x).any() or (finite and not np.isfinite(x).all()):
        raise InputError(f"{what} scores are not all {'finite' if finite else 'numbers'} (NaN or infinite)")
    return x


def _prior(p):
    if not 0.0 < p < 1.0:
        raise InputError(f"target prior must be strictly between 0 and 1, got {p}")
    return float(p)


def logit(p):
    return float(np.log(p) - np.log1p(-p))


def fit(target_scores, nontarget_scores, p_target=0.5, source=""):
    """Fit score -> LLR by linear logistic regression, each class weighted by its prior (BOSARIS).

    Minimises p * mean_tar softplus(-(a s + b + logit p)) + (1 - p) * mean_non softplus(a s + b + logit p)
    over (a, b): the targets and the non-targets count by the prior whatever their numbers, and the
    logit(p) offset makes a s + b a likelihood ratio rather than a posterior log-odds.

    Two choices beyond plain BOSARIS, so that every validation set gives a usable map:
    - One pseudo-trial per class at the opposite extreme (a target at the lowest score, a non-target at
      the highest), as BOSARIS's Laplace option does for PAV: a validation set without a single error would
      otherwise drive the scale to infinity and the LLRs to +-infinity. With N trials per class the effect
      on the fit is of order 1/N.
    - The map is kept non-decreasing: where targets do not score higher than non-targets on average (a
      system no better than chance, or all scores equal) the result is scale 0, offset 0: every LLR 0, "no
      evidence either way" (the best constant under this prior weighting). So calibrating never reorders
      trials, and on the same trials actual DCF >= min DCF.

    Deterministic: Newton's method from (0, 0) on standardised scores, with step halving.

    Args:
        target_scores: (Nt,) scores of same-speaker trials. nontarget_scores: (Nn,) of different-speaker trials.
        p_target: the prior the fit is weighted for (0.5: BOSARIS's default, the prior of Cllr).
        source: where the trials came from, stored with the result.
    Returns:
        Calibration.
    """
    tar, non = _scores(target_scores, "target"), _scores(nontarget_scores, "non-target")
    p = _prior(p_target)
    lo, hi = min(tar.min(), non.min()), max(tar.max(), non.max())
    tar, non = np.r_[tar, lo], np.r_[non, hi]  # the pseudo-trials
    # The loss is convex and, at scale 0, its slope in the scale is p (1 - p) (mean_non - mean_tar) (the
    # best offset there is 0): the best non-negative scale is 0 exactly when targets do not score higher
    # on average. Otherwise the pseudo-trials bound the loss for growing scales and the optimum is finite.
    if tar.mean() <= non.mean():
        return Calibration(0.0, 0.0, p, source)
    s = np.r_[tar, non]
    y = np.r_[np.ones(tar.size), np.zeros(non.size)]
    w = np.r_[np.full(tar.size, p / tar.size), np.full(non.size, (1 - p) / non.size)]  # each class sums to its prior
    centre, spread = s.mean(), s.std()  # standardised scores: one conditioning for cosines and PLDA alike
    x = np.stack([(s - centre) / spread, np.ones_like(s)], axis=1)  # (N, 2)
    sign = 1.0 - 2.0 * y  # a trial's loss is softplus(sign * z)

    def loss(theta):
        return float(w @ np.logaddexp(0.0, sign * (x @ theta + logit(p))))

    theta, current = np.zeros(2), loss(np.zeros(2))
    for _ in range(100):
        q = 1.0 / (1.0 + np.exp(-(x @ theta + logit(p))))  # (N,) posterior of target
        grad = x.T @ (w * (q - y))
        hess = (x * (w * q * (1.0 - q))[:, None]).T @ x
        step = np.linalg.solve(hess, grad)
        if grad @ step < 1e-12:  # Newton decrement: in the quadratic region, one full step lands to rounding
            theta = theta - step
            break
        t, trial = 1.0, loss(theta - step)
        while trial > current and t > 1e-10:  # convex, so a short enough Newton step descends
            t /= 2
            trial = loss(theta - t * step)
        theta, current = theta - t * step, trial
    scale = theta[0] / spread
    return Calibration(float(scale), float(theta[1] - scale * centre), p, source)


def apply(cal, scores):
    """Calibrated LLRs (natural log) of ``scores``: float64 array of the same shape."""
    return cal.scale * np.asarray(scores, dtype=np.float64) + cal.offset


def cllr(tar_llr, non_llr):
    """Log-likelihood-ratio cost in bits (Brummer; prior 0.5): 0 is perfect, 1 is an LLR of 0 for every trial.

    Cllr = (mean_tar log2(1 + e^-llr) + mean_non log2(1 + e^llr)) / 2; an infinite LLR on the right side
    costs 0, on the wrong side infinity.
    """
    tar, non = _scores(tar_llr, "target", False), _scores(non_llr, "non-target", False)
    return float((np.logaddexp(0.0, -tar).mean() + np.logaddexp(0.0, non).mean()) / (2 * np.log(2)))


def optimal_llrs(tar_scores, non_scores):
    """The LLRs of the best non-decreasing map of the pooled scores (PAV, as BOSARIS ``opt_loglr``).

    Tied scores form one block before PAV, so they share one LLR: a map of scores cannot tell them apart,
    and putting tied trials in some order first would let PAV give them different LLRs (an optimistic or a
    pessimistic bound, depending on the order). Blocks of only targets get +inf, of only non-targets -inf.
    Scores may be infinite (e.g. LLRs that are themselves optimal), not NaN.

    Returns:
        (tar_llr (Nt,), non_llr (Nn,)), in input order.
    """
    tar, non = _scores(tar_scores, "target", False), _scores(non_scores, "non-target", False)
    values, where = np.unique(np.r_[tar, non], return_inverse=True)  # (V,) sorted distinct scores
    counts = np.bincount(where, minlength=values.size)
    targets = np.bincount(where[: tar.size], minlength=values.size)
    # Weighted PAV of the target fraction of each distinct score: the posterior at the empirical prior.
    # scipy.optimize is imported here, not at the top: every snakemake call imports this module (through
    # ge2e.plan.transfer) and would pay for it at each start-up.
    from scipy.optimize import isotonic_regression

    posterior = isotonic_regression(targets / counts, weights=counts, increasing=True).x
    with np.errstate(divide="ignore"):
        llr = np.log(posterior) - np.log1p(-posterior) - logit(tar.size / (tar.size + non.size))
    llr = llr[where]
    return llr[: tar.size], llr[tar.size :]


def min_cllr(tar_scores, non_scores):
    """Cllr after the best monotone calibration (PAV): what the scores could reach, in bits."""
    return cllr(*optimal_llrs(tar_scores, non_scores))


def bayes_threshold(p_target, c_miss=1.0, c_fa=1.0):
    """The LLR at or above which accepting costs less in expectation: -log(p c_miss / ((1 - p) c_fa))."""
    p = _prior(p_target)
    return float(-np.log(p * c_miss / ((1 - p) * c_fa)))


def actual_dcf(tar_llr, non_llr, p_target, c_miss=1.0, c_fa=1.0):
    """Normalised detection cost of accepting trials whose LLR >= bayes_threshold(p_target, c_miss, c_fa).

    DCF = (c_miss p P_miss + c_fa (1 - p) P_fa) / min(c_miss p, c_fa (1 - p)): the normalisation of
    ``ge2e.evaluate.metrics.min_dcf``, which takes the minimum of the same cost over all thresholds, so on the
    same trials actual_dcf >= min_dcf; 1 is the cost of the better of always accepting and always rejecting.
    """
    tar, non = _scores(tar_llr, "target", False), _scores(non_llr, "non-target", False)
    threshold = bayes_threshold(p_target, c_miss, c_fa)
    p_miss, p_fa = rates_at(tar, non, threshold)[::-1]
    return float(
        (c_miss * p_target * p_miss + c_fa * (1 - p_target) * p_fa) / min(c_miss * p_target, c_fa * (1 - p_target))
    )


def act_dcf_key(p_target):
    """The result key of actual DCF at ``p_target``, e.g. ``act_dcf_0.05`` (beside metrics.dcf_key)."""
    return f"act_dcf_{p_target}"


def _pooled(tar, non):
    tar, non = _scores(tar, "target"), _scores(non, "non-target")
    return np.r_[tar, non], np.r_[np.ones(tar.size, bool), np.zeros(non.size, bool)]


def threshold_at_eer(tar_scores, non_scores):
    """The score threshold at the equal error rate of these trials (``ge2e.evaluate.metrics.eer_threshold``: the
    DET crossing, linearly interpolated between two scores)."""
    return eer_threshold(*_pooled(tar_scores, non_scores))[1]


def threshold_at_far(tar_scores, non_scores, far):
    """The lowest score threshold whose false-accept rate on these trials is <= ``far`` (in [0, 1]).

    A trial scoring >= the threshold is accepted, so the threshold is a score: the lowest one accepted.
    Where even the top score is over budget (it is a non-target's and the budget is under one non-target)
    it is the next float above the top score: nothing here is accepted, and on other trials only scores
    higher than any seen here (finite, so it stores in JSON).
    """
    if not 0.0 <= far <= 1.0:
        raise InputError(f"a false-accept budget is a rate in [0, 1], got {far}")
    far_curve, _, thresholds = det_curve(*_pooled(tar_scores, non_scores))  # far non-decreasing along the curve
    last = np.flatnonzero(far_curve <= far)[-1]  # point 0 accepts nothing (far 0, threshold inf)
    return float(thresholds[last] if last else np.nextafter(thresholds[1], np.inf))


def rates_at(tar_scores, non_scores, threshold):
    """(FAR, FRR) of accepting scores >= ``threshold``: the fraction of non-targets accepted and of targets
    rejected."""
    tar, non = _scores(tar_scores, "target", False), _scores(non_scores, "non-target", False)
    return float(np.count_nonzero(non >= threshold) / non.size), float(np.count_nonzero(tar < threshold) / tar.size)


def operating_points(tar_scores, non_scores):
    """{name: score threshold} chosen on these trials: "eer" and each of FAR_POINTS (``ge2e verify --at``)."""
    out = {"eer": threshold_at_eer(tar_scores, non_scores)}
    out.update({name: threshold_at_far(tar_scores, non_scores, far) for name, far in FAR_POINTS.items()})
    return out


def decision_metrics(cal, tar_scores, non_scores, thresholds):
    """Everything a table row needs about decisions on one evaluation set, from its raw scores.

    Args:
        cal: Calibration fitted on other trials (validation).
        tar_scores, non_scores: this set's raw scores.
        thresholds: {name: score threshold} chosen on other trials (``operating_points`` of validation).
    Returns:
        {"cllr", "min_cllr", act_dcf_key(p) for p in metrics.P_TARGETS, "far_at_NAME", "frr_at_NAME"}.
    """
    tar_llr, non_llr = apply(cal, _scores(tar_scores, "target")), apply(cal, _scores(non_scores, "non-target"))
    out = {"cllr": cllr(tar_llr, non_llr), "min_cllr": min_cllr(tar_scores, non_scores)}
    out.update({act_dcf_key(p): actual_dcf(tar_llr, non_llr, p) for p in P_TARGETS})
    for name, threshold in thresholds.items():
        out[f"far_at_{name}"], out[f"frr_at_{name}"] = rates_at(tar_scores, non_scores, threshold)
    return out


def split(scores, labels):
    """Trials as (target scores, non-target scores): ``scores`` and ``labels`` (1 = same speaker) of any shape."""
    scores, labels = np.asarray(scores).ravel(), np.asarray(labels).ravel().astype(bool)
    return scores[labels], scores[~labels]


def stored(scores, labels, source):
    """What a checkpoint stores about decisions, from the validation speakers' trials (``scores``, ``labels``):
    {CHECKPOINT_KEY: the Calibration's dict, THRESHOLDS_KEY: operating_points}, plain values only."""
    tar, non = split(scores, labels)
    return {
        CHECKPOINT_KEY: fit(tar, non, source=source).to_dict(),
        THRESHOLDS_KEY: {name: float(t) for name, t in operating_points(tar, non).items()},
    }


def on_test(decision, scores, labels):
    """A test set's decision measures by the calibration and thresholds ``decision`` holds (``stored`` on the
    validation speakers), and its LLRs: (JSON-ready dict, LLRs of ``scores``' shape). The dict names the
    calibration and thresholds it used, so a result says where its decisions came from."""
    cal = Calibration.from_dict(decision[CHECKPOINT_KEY])
    thresholds = decision[THRESHOLDS_KEY]
    tar, non = split(scores, labels)
    measured = decision_metrics(cal, tar, non, thresholds)
    return {CHECKPOINT_KEY: cal.to_dict(), THRESHOLDS_KEY: thresholds, **measured}, apply(cal, scores)


BAYES = "bayes:"  # ge2e verify --at bayes:<p_target>
POINT_NAMES = {
    "eer": "the validation EER threshold",
    **{n: f"{100 * f:g} % false accepts on validation" for n, f in FAR_POINTS.items()},
}


def operating_point(text):
    """``eer``, a FAR_POINTS name or ``bayes:<p_target>`` (0 < p < 1) as (name, p_target or None); ValueError
    otherwise (argparse turns it into a usage error)."""
    if text in POINT_NAMES:
        return text, None
    if text.startswith(BAYES):
        try:
            return "bayes", _prior(float(text[len(BAYES) :]))
        except (ValueError, InputError):
            pass
    raise ValueError(f"{text!r}: use one of {', '.join(POINT_NAMES)} or bayes:<target prior between 0 and 1>")


def decide(stored_decision, score, point, eer_threshold=None):
    """A decision on one raw ``score`` at ``point`` (``operating_point``'s pair), by a checkpoint's stored
    calibration and thresholds (``stored``; None for a checkpoint from before they were stored, which can
    decide at its ``eer_threshold`` only).

    Returns (llr or None, threshold, what the threshold is, accept): a Bayes point compares the LLR with
    ``bayes_threshold``, the others the raw score with the threshold chosen on the validation speakers.
    """
    name, p_target = point
    if not stored_decision or not stored_decision.get(CHECKPOINT_KEY):
        if name != "eer" or eer_threshold is None:
            raise InputError(
                f"the checkpoint stores no calibration or operating points (it predates them): use --at eer or "
                f"--threshold, or retrain it to decide at {name}"
            )
        return None, float(eer_threshold), POINT_NAMES["eer"], score >= eer_threshold
    cal = Calibration.from_dict(stored_decision[CHECKPOINT_KEY])
    llr = float(apply(cal, score))
    if name == "bayes":
        threshold = bayes_threshold(p_target)
        return llr, threshold, f"the Bayes decision on the LLR at a target prior of {p_target:g}", llr >= threshold
    threshold = float(stored_decision[THRESHOLDS_KEY][name])
    return llr, threshold, POINT_NAMES[name], score >= threshold
