import numpy as np
import pytest

from ge2e.evaluate.metrics import (
    bootstrap_eer_ci,
    bootstrap_eer_ci_trials,
    det_curve,
    eer,
    eer_threshold,
    min_dcf,
    min_dcfs,
)


def brute_force_eer(scores, labels):
    """Reference: every distinct threshold, linear interpolation at the crossing."""
    ts = np.r_[np.inf, np.unique(scores)[::-1]]
    far = np.array([(scores[labels == 0] >= t).mean() for t in ts])
    frr = np.array([(scores[labels == 1] < t).mean() for t in ts])
    j = np.argmax(far >= frr)
    d = (far[j] - far[j - 1]) - (frr[j] - frr[j - 1])
    t = 0 if d == 0 else (frr[j - 1] - far[j - 1]) / d
    return far[j - 1] + t * (far[j] - far[j - 1])


def test_perfect_separation_is_zero():
    assert eer([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0]) == 0.0


def test_inverted_scores_is_one():
    assert eer([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0]) == 1.0


def test_all_ties_is_half():
    assert eer([0.5] * 6, [1, 0, 1, 0, 1, 0]) == pytest.approx(0.5)


def test_hand_case():
    # Sorted: 0.9(T) 0.8(N) 0.7(T) 0.6(N). Accepting >=0.9: far 0, frr .5;
    # >=0.8: far .5, frr .5 -> EER 0.5 exactly at that threshold.
    assert eer([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0]) == pytest.approx(0.5)
    # One target below every non-target out of 4 targets and 4 non-targets:
    # the curve crosses between (far 0, frr .25) and (far .25, frr .25) -> 0.25.
    scores = [0.9, 0.85, 0.8, 0.1, 0.5, 0.4, 0.3, 0.2]
    labels = [1, 1, 1, 1, 0, 0, 0, 0]
    assert eer(scores, labels) == pytest.approx(0.25)


def test_ties_across_classes_are_one_point():
    far, frr, _ = det_curve([0.7, 0.7, 0.2, 0.2], [1, 0, 1, 0])
    assert list(far) == [0.0, 0.5, 1.0] and list(frr) == [1.0, 0.5, 0.0]
    assert eer([0.7, 0.7, 0.2, 0.2], [1, 0, 1, 0]) == pytest.approx(0.5)


@pytest.mark.parametrize("seed", range(5))
def test_matches_brute_force_on_random_trials(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, 400)
    scores = np.round(rng.normal(labels * 1.0, 1.0), 1)  # rounding makes ties
    assert eer(scores, labels) == pytest.approx(brute_force_eer(scores, labels), abs=1e-12)


def test_threshold_sits_at_the_crossing():
    rate, threshold = eer_threshold([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0])
    assert rate == pytest.approx(0.5) and threshold == pytest.approx(0.8)


def test_needs_both_classes():
    with pytest.raises(ValueError):
        eer([0.1, 0.2], [1, 1])


def test_min_dcf_hand_case():
    # Points (far, frr): (0, 1), (0, .5), (.5, .5), (.5, 0), (1, 0).
    # p=0.01: cost .01*frr + .99*far, normalised by .01 -> best is (0, .5): 0.5.
    scores, labels = [0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0]
    assert min_dcf(scores, labels, 0.01) == pytest.approx(0.5)
    # p=0.5: cost .5*(frr + far) / .5 -> best is 0.5 at (0, .5) or (.5, 0).
    assert min_dcf(scores, labels, 0.5) == pytest.approx(0.5)
    assert min_dcf([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0], 0.001) == 0.0


def test_min_dcf_at_the_voxsrc_prior_and_every_reported_prior_at_once():
    # Same points; p=0.05: cost (.05*frr + .95*far) / .05 = frr + 19*far -> (0, .5): 0.5, (.5, 0): 9.5.
    scores, labels = [0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0]
    assert min_dcf(scores, labels, 0.05) == pytest.approx(0.5)
    # 8 targets (4 high, 4 low) and 100 non-targets, one of them (7) between the two groups of targets:
    # accepting the 4 high targets costs frr = 0.5 at any prior; accepting all 8 and the one non-target costs
    # frr + far * (1 - p) / p = 0.01 * 19 = 0.19 at p = 0.05, but 0.99 at 0.01 and 9.99 at 0.001.
    scores = np.r_[[10, 9, 8, 7.5, 0.2, 0.1, 0.05, 0.01], 7, np.linspace(-1, 0, 99)]
    labels = np.r_[[1] * 8, [0] * 100]
    assert min_dcf(scores, labels, 0.05) == pytest.approx(0.19)
    assert min_dcf(scores, labels, 0.01) == pytest.approx(0.5) == min_dcf(scores, labels, 0.001)
    got = min_dcfs(scores, labels)
    assert list(got) == ["min_dcf_0.05", "min_dcf_0.01", "min_dcf_0.001"]
    assert all(got[f"min_dcf_{p}"] == min_dcf(scores, labels, p) for p in (0.05, 0.01, 0.001))


def test_bootstrap_interval_brackets_the_eer_and_is_seeded():
    rng = np.random.default_rng(0)
    owner = np.repeat(np.arange(20), 5)
    labels = (owner[:, None] == np.arange(20)[None, :]).astype(int)
    scores = rng.normal(labels * 1.5, 1.0)
    point = eer(scores.ravel(), labels.ravel())
    low, high = bootstrap_eer_ci(scores, labels, np.random.default_rng(1), resamples=300)
    assert low < point < high and high - low < 0.2
    assert (low, high) == bootstrap_eer_ci(scores, labels, np.random.default_rng(1), resamples=300)


def test_bootstrap_of_a_flat_trial_list_is_the_matrix_bootstrap_draw_for_draw():
    """Listing the full-trial matrix as flat trials (in shuffled order) gives the very same interval."""
    rng = np.random.default_rng(3)
    owner = np.repeat(np.arange(12), rng.integers(1, 6, 12))  # test utterances per speaker: 1 to 5
    labels = (owner[:, None] == np.arange(12)[None, :]).astype(int)  # (K, N)
    scores = np.round(rng.normal(labels * 1.2, 1.0), 2)  # with ties
    order = rng.permutation(labels.size)
    enrol = np.tile(np.arange(12), len(owner))[order]
    test = np.repeat(owner, 12)[order]
    flat = bootstrap_eer_ci_trials(
        scores.ravel()[order], labels.ravel()[order], enrol, test, np.random.default_rng(5), resamples=200
    )
    assert flat == bootstrap_eer_ci(scores, labels, np.random.default_rng(5), resamples=200)
    assert flat[0] < eer(scores.ravel(), labels.ravel()) < flat[1]


def reference_eer_threshold(scores, labels):
    """Reference: the crossing read off the whole DET curve (every score sorted)."""
    far, frr, thresholds = det_curve(scores, labels)
    j = int(np.argmax(far >= frr))
    d = (far[j] - far[j - 1]) - (frr[j] - frr[j - 1])
    t = 0.0 if d == 0 else (frr[j - 1] - far[j - 1]) / d
    upper = thresholds[j - 1] if np.isfinite(thresholds[j - 1]) else thresholds[j]
    return far[j - 1] + t * (far[j] - far[j - 1]), upper + t * (thresholds[j] - upper)


@pytest.mark.parametrize("bins", [1, 2, 7, 4096])
def test_bracketed_eer_equals_the_whole_curve_bit_for_bit(bins, monkeypatch):
    from ge2e.evaluate import metrics

    monkeypatch.setattr(metrics, "BINS", bins)
    rng = np.random.default_rng(bins)
    for _ in range(200):
        k = int(rng.integers(2, 2000))
        labels = rng.random(k) < rng.uniform(0.02, 0.98)
        labels[0], labels[-1] = True, False
        scores = np.round(rng.normal(labels * rng.uniform(-1, 3), 1.0), int(rng.integers(0, 3)))  # ties
        assert eer_threshold(scores, labels) == reference_eer_threshold(scores, labels)
    # Degenerate cases: one score for everything, and a crossing at the very first score.
    assert eer_threshold([0.3] * 4, [1, 0, 1, 0]) == reference_eer_threshold(
        np.array([0.3] * 4), np.array([1, 0, 1, 0])
    )
    scores, labels = np.array([0.9, 0.5, 0.4, 0.1]), np.array([0, 1, 0, 1])
    assert eer_threshold(scores, labels) == reference_eer_threshold(scores, labels)


def test_eer_refuses_non_finite_scores_but_takes_huge_ones():
    with pytest.raises(ValueError, match="finite"):
        eer([0.1, np.nan, 0.3], [1, 0, 1])
    scores, labels = np.array([1e300, -1e300, 0.5, 0.2]), np.array([1, 0, 0, 1])  # beyond float32
    assert eer_threshold(scores, labels) == reference_eer_threshold(scores, labels)
