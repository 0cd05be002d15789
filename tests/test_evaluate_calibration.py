"""Calibration and decision measures (ge2e.calibration), checked against plain-loop computations written here."""

import json
import math

import numpy as np
import pytest

from ge2e.errors import InputError
from ge2e.evaluate import calibration, metrics


def gaussian_system(rng, n_tar, n_non, mt=0.7, mn=0.2, sd=0.15):
    return rng.normal(mt, sd, n_tar), rng.normal(mn, sd, n_non)


def random_system(rng):
    """A system of any quality (from worse than chance to near perfect), with ties, of a random size."""
    n_tar, n_non = rng.integers(1, 60), rng.integers(1, 300)
    gap = rng.uniform(-0.5, 2.0)
    tar, non = rng.normal(gap, 1, n_tar), rng.normal(0, 1, n_non)
    if rng.random() < 0.5:  # coarse scores: ties within and across classes
        tar, non = np.round(tar, 1), np.round(non, 1)
    return tar, non


def loop_pav_llrs(tar, non):
    """Optimal LLRs by PAV written with loops: distinct scores as blocks, adjacent violators pooled."""
    values = sorted(set(tar) | set(non))
    blocks = []  # [targets, trials, first value index, last value index]
    for i, v in enumerate(values):
        blocks.append(
            [sum(1 for s in tar if s == v), sum(1 for s in tar if s == v) + sum(1 for s in non if s == v), i, i]
        )
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            last = blocks.pop()
            blocks[-1] = [blocks[-1][0] + last[0], blocks[-1][1] + last[1], blocks[-1][2], last[3]]
    prior_log_odds = math.log(len(tar) / len(non))
    llr_of = {}
    for targets, trials, first, last in blocks:
        if targets == 0:
            llr = -math.inf
        elif targets == trials:
            llr = math.inf
        else:
            llr = math.log(targets / (trials - targets)) - prior_log_odds
        for i in range(first, last + 1):
            llr_of[values[i]] = llr
    return [llr_of[s] for s in tar], [llr_of[s] for s in non]


def loop_cllr(tar_llr, non_llr):
    def softplus(x):
        return 0.0 if x == -math.inf else math.inf if x == math.inf else math.log1p(math.exp(-abs(x))) + max(x, 0.0)

    tar_cost = sum(softplus(-x) for x in tar_llr) / len(tar_llr)
    non_cost = sum(softplus(x) for x in non_llr) / len(non_llr)
    return (tar_cost + non_cost) / (2 * math.log(2))


def loop_rates(tar, non, threshold):
    false_accepts = sum(1 for s in non if s >= threshold)
    false_rejects = sum(1 for s in tar if not s >= threshold)
    return false_accepts / len(non), false_rejects / len(tar)


@pytest.mark.parametrize("p_target", [0.5, 0.05])
def test_fit_recovers_the_exact_llr_of_equal_variance_gaussians(p_target):
    # N(mt, sd) against N(mn, sd): LLR(s) = (mt - mn) / sd^2 * s - (mt^2 - mn^2) / (2 sd^2), exactly linear,
    # so the prior-weighted logistic fit converges to it at every prior.
    mt, mn, sd = 0.7, 0.2, 0.15
    tar, non = gaussian_system(np.random.default_rng(1), 60_000, 180_000, mt, mn, sd)
    cal = calibration.fit(tar, non, p_target, source="synthetic")
    assert cal.p_target == p_target and cal.source == "synthetic"
    assert cal.scale == pytest.approx((mt - mn) / sd**2, rel=0.02)
    assert cal.offset == pytest.approx(-(mt**2 - mn**2) / (2 * sd**2), rel=0.02)
    # Deterministic: the same trials give the same bits.
    assert calibration.fit(tar, non, p_target, source="synthetic") == cal


def test_cllr_of_perfectly_calibrated_llrs_equals_their_min_cllr():
    # At each distinct value, targets and non-targets in proportions that rise with the value: the LLR
    # log((t_i / Nt) / (n_i / Nn)) of each value is then already what PAV would give.
    targets, nontargets = np.array([1, 3, 5, 8, 20]), np.array([30, 20, 10, 4, 2])
    llr = np.log(targets / targets.sum()) - np.log(nontargets / nontargets.sum())
    assert np.all(np.diff(llr) > 0)
    tar, non = np.repeat(llr, targets), np.repeat(llr, nontargets)
    assert calibration.cllr(tar, non) == pytest.approx(calibration.min_cllr(tar, non), abs=1e-12)
    # Any other affine map of them costs more.
    assert calibration.cllr(1.5 * tar, 1.5 * non) > calibration.min_cllr(tar, non) + 1e-3
    assert calibration.cllr(tar + 1, non + 1) > calibration.min_cllr(tar, non) + 1e-3
    # PAV's own output is a fixed point: calibrated already.
    opt_tar, opt_non = calibration.optimal_llrs(*random_system(np.random.default_rng(2)))
    assert calibration.cllr(opt_tar, opt_non) == pytest.approx(calibration.min_cllr(opt_tar, opt_non), abs=1e-12)


def test_min_cllr_and_optimal_llrs_match_a_plain_loop_pav():
    rng = np.random.default_rng(3)
    for _ in range(30):
        tar, non = random_system(rng)
        want_tar, want_non = loop_pav_llrs(list(tar), list(non))
        got_tar, got_non = calibration.optimal_llrs(tar, non)
        np.testing.assert_allclose(got_tar, want_tar, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(got_non, want_non, rtol=1e-12, atol=1e-12)
        assert calibration.min_cllr(tar, non) == pytest.approx(loop_cllr(want_tar, want_non), rel=1e-12, abs=1e-12)


def test_cllr_matches_a_plain_loop_and_its_fixed_points():
    rng = np.random.default_rng(4)
    tar, non = rng.normal(2, 2, 50), rng.normal(-1, 2, 70)
    assert calibration.cllr(tar, non) == pytest.approx(loop_cllr(tar, non), rel=1e-12)
    assert calibration.cllr([0.0], [0.0]) == 1.0  # no evidence: one bit
    assert calibration.cllr([np.inf], [-np.inf]) == 0.0
    assert calibration.cllr([-np.inf], [0.0]) == np.inf


@pytest.mark.parametrize("p_target,c_miss,c_fa", [(0.5, 1, 1), (0.05, 1, 1), (0.01, 1, 1), (0.001, 1, 1), (0.1, 10, 1)])
def test_actual_dcf_matches_a_plain_loop(p_target, c_miss, c_fa):
    rng = np.random.default_rng(5)
    tar_llr, non_llr = rng.normal(3, 2.5, 200), rng.normal(-3, 2.5, 800)
    tar_llr[:5] = non_llr[:5] = -math.log(p_target * c_miss / ((1 - p_target) * c_fa))  # on the threshold: accepted
    threshold = -math.log(p_target * c_miss / ((1 - p_target) * c_fa))
    misses = sum(1 for x in tar_llr if x < threshold) / len(tar_llr)
    false_alarms = sum(1 for x in non_llr if x >= threshold) / len(non_llr)
    cost = c_miss * p_target * misses + c_fa * (1 - p_target) * false_alarms
    want = cost / min(c_miss * p_target, c_fa * (1 - p_target))
    assert calibration.actual_dcf(tar_llr, non_llr, p_target, c_miss, c_fa) == pytest.approx(want, rel=1e-12)
    assert calibration.bayes_threshold(p_target, c_miss, c_fa) == pytest.approx(threshold, rel=1e-12)


def test_actual_dcf_is_never_below_min_dcf_of_the_raw_scores():
    rng = np.random.default_rng(6)
    for _ in range(40):
        cal = calibration.fit(*random_system(rng))  # on other trials (validation), as the pipeline does
        tar, non = random_system(rng)
        scores, labels = np.r_[tar, non], np.r_[np.ones(tar.size), np.zeros(non.size)]
        for p in metrics.P_TARGETS + (0.5,):
            for c_miss, c_fa in ((1, 1), (10, 1)):
                actual = calibration.actual_dcf(
                    calibration.apply(cal, tar), calibration.apply(cal, non), p, c_miss, c_fa
                )
                assert actual >= metrics.min_dcf(scores, labels, p, c_miss, c_fa) - 1e-12
        assert calibration.cllr(calibration.apply(cal, tar), calibration.apply(cal, non)) >= (
            calibration.min_cllr(tar, non) - 1e-12
        )


def test_thresholds_chosen_on_validation_give_the_reported_rates_on_test():
    rng = np.random.default_rng(7)
    val_tar, val_non = gaussian_system(rng, 300, 3000)
    test_tar, test_non = gaussian_system(rng, 250, 2500, mt=0.65)  # a shifted test set: the rates drift
    val_tar, val_non, test_tar, test_non = (np.round(x, 3) for x in (val_tar, val_non, test_tar, test_non))  # ties
    points = calibration.operating_points(val_tar, val_non)
    assert set(points) == {"eer", "far1", "far0.1"}
    # On validation: each FAR budget is met, and the next lower validation score would break it.
    for name, budget in calibration.FAR_POINTS.items():
        far, _ = loop_rates(val_tar, val_non, points[name])
        assert far <= budget
        lower = max(s for s in np.r_[val_tar, val_non] if s < points[name])
        assert loop_rates(val_tar, val_non, lower)[0] > budget
    far, frr = loop_rates(val_tar, val_non, points["eer"])
    val_eer = metrics.eer(np.r_[val_tar, val_non], np.r_[np.ones(300), np.zeros(3000)])
    assert abs(far - val_eer) < 0.01 and abs(frr - val_eer) < 0.01
    # On test: exactly the rates counted here.
    cal = calibration.fit(val_tar, val_non, source="validation")
    got = calibration.decision_metrics(cal, test_tar, test_non, points)
    for name, threshold in points.items():
        want_far, want_frr = loop_rates(test_tar, test_non, threshold)
        assert (got[f"far_at_{name}"], got[f"frr_at_{name}"]) == (want_far, want_frr)
    assert got["frr_at_far0.1"] >= got["frr_at_far1"] >= got["frr_at_eer"]
    tar_llr, non_llr = loop_apply(cal, test_tar), loop_apply(cal, test_non)
    assert got["cllr"] == pytest.approx(loop_cllr(tar_llr, non_llr), rel=1e-12)
    assert got["min_cllr"] == pytest.approx(loop_cllr(*loop_pav_llrs(list(test_tar), list(test_non))), rel=1e-12)
    for p in metrics.P_TARGETS:
        assert got[calibration.act_dcf_key(p)] == calibration.actual_dcf(tar_llr, non_llr, p)


def loop_apply(cal, scores):
    return [cal.scale * s + cal.offset for s in scores]


def test_a_budget_below_one_non_target_accepts_nothing_seen():
    tar, non = [0.1, 0.2, 0.3], [0.0, 0.9]  # the top score is a non-target's
    threshold = calibration.threshold_at_far(tar, non, 0.1)
    assert 0.9 < threshold < 0.9 + 1e-12 and calibration.rates_at(tar, non, threshold) == (0.0, 1.0)
    assert calibration.rates_at([0.95], [0.5], threshold) == (0.0, 0.0)  # a higher score elsewhere is accepted
    assert calibration.threshold_at_far([0.5, 1.0], [0.0, 0.9], 0.0) == 1.0  # ties and the >= rule: 1.0 accepted
    assert calibration.threshold_at_far([0.5, 1.0], [0.0, 0.9], 1.0) == 0.0  # everything accepted
    with pytest.raises(InputError, match=r"in \[0, 1\]"):
        calibration.threshold_at_far(tar, non, 1.5)


def test_calibration_round_trips_through_json_and_a_weights_only_checkpoint(tmp_path):
    import torch

    cal = calibration.fit(*gaussian_system(np.random.default_rng(8), 100, 400), p_target=0.05, source="builtin TI-SV")
    assert calibration.Calibration.from_dict(json.loads(json.dumps(cal.to_dict()))) == cal
    torch.save({calibration.CHECKPOINT_KEY: cal.to_dict()}, tmp_path / "c.pt")
    stored = torch.load(tmp_path / "c.pt", weights_only=True)[calibration.CHECKPOINT_KEY]
    assert calibration.Calibration.from_dict(stored) == cal
    with pytest.raises(InputError, match="not a stored calibration"):
        calibration.Calibration.from_dict({"scale": 1.0, "offset": 0.0})


def test_degenerate_inputs_are_refused_or_give_no_evidence():
    for tar, non in (([], [0.1]), ([0.1], []), ([np.nan, 0.2], [0.1]), ([0.3], [np.inf])):
        with pytest.raises(InputError, match="target"):
            calibration.fit(tar, non)
    with pytest.raises(InputError, match="no non-target trials"):
        calibration.min_cllr([0.1], [])
    with pytest.raises(InputError, match="strictly between 0 and 1"):
        calibration.fit([1.0], [0.0], p_target=1.0)
    # All scores equal, or targets scoring lower: every LLR 0, one bit of Cllr, the cost of no decision.
    for tar, non in (([0.5, 0.5], [0.5]), ([0.1, 0.2], [0.8, 0.9]), ([0.4], [0.4, 0.6, 0.2])):
        cal = calibration.fit(tar, non)
        assert (cal.scale, cal.offset) == (0.0, 0.0)
        assert calibration.cllr(calibration.apply(cal, tar), calibration.apply(cal, non)) == 1.0
    assert calibration.min_cllr([0.5, 0.5], [0.5]) == pytest.approx(1.0, abs=1e-15)
    # Perfectly separated validation trials still give a finite, increasing map (the pseudo-trials).
    cal = calibration.fit([0.8, 0.9, 0.95], [0.1, 0.2, 0.3])
    assert 0 < cal.scale < np.inf and np.isfinite(cal.offset)


def test_operating_points_parse_and_decisions_follow_the_stored_ones():
    assert calibration.operating_point("far0.1") == ("far0.1", None)
    assert calibration.operating_point("bayes:0.05") == ("bayes", 0.05)
    for bad in ("far5", "bayes:1", "bayes:x", ""):
        with pytest.raises(ValueError, match="use one of eer, far1, far0.1 or bayes:"):
            calibration.operating_point(bad)
    stored = {
        calibration.CHECKPOINT_KEY: calibration.Calibration(2.0, -1.0, 0.5, "toy").to_dict(),
        calibration.THRESHOLDS_KEY: {"eer": 0.4, "far1": 0.7, "far0.1": 0.9},
    }
    assert calibration.decide(stored, 0.5, ("eer", None)) == (0.0, 0.4, "the validation EER threshold", True)
    assert calibration.decide(stored, 0.5, ("far1", None))[3] is False
    llr, threshold, what, accept = calibration.decide(stored, 3.0, ("bayes", 0.01))
    assert llr == 5.0 and threshold == pytest.approx(math.log(99)) and accept
    assert calibration.decide(None, 0.5, ("eer", None), eer_threshold=0.6)[::3] == (None, False)
    with pytest.raises(InputError, match="stores no calibration or operating points"):
        calibration.decide(None, 0.5, ("far1", None), eer_threshold=0.6)
