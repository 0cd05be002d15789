"""ge2e.train.loss.GE2ELoss: the similarity matrix by hand, the loss against the loop reference
(ge2e.train.loss_reference)."""

import math

import numpy as np
import pytest
import torch

from ge2e.train.loss import GE2ELoss
from ge2e.train.loss_reference import loop_loss

# A hand-checkable case: 2 speakers x 3 utterances in 2-D.
SMALL = np.array(
    [
        [[1.0, 0.0], [0.8, 0.6], [0.6, 0.8]],
        [[0.0, 1.0], [-0.6, 0.8], [1.0, 0.2]],
    ]
)


def test_exclusive_centroid_similarity_by_hand():
    loss = GE2ELoss("softmax", init_w=1.0, init_b=0.0)
    sim = loss.similarity(torch.tensor(SMALL, dtype=torch.float32)).detach().numpy()
    # e_00 = (1, 0) against its own centroid without itself: mean((.8,.6),(.6,.8)) = (.7,.7) -> cos 1/sqrt2
    assert sim[0, 0, 0] == pytest.approx(1 / math.sqrt(2), abs=1e-6)
    # e_00 against speaker 1's full centroid (0.4/3, 2/3): cos = 0.4/3 / |c|
    c = np.array([0.4, 2.0]) / 3
    assert sim[0, 0, 1] == pytest.approx(c[0] / np.linalg.norm(c), abs=1e-6)


@pytest.mark.parametrize("method", ["softmax", "contrast"])
def test_loss_matches_paper_equations(method):
    loss = GE2ELoss(init_w=10.0, init_b=-5.0, method=method)
    got = loss(torch.tensor(SMALL, dtype=torch.float32)).item()
    assert got == pytest.approx(loop_loss(torch.tensor(SMALL), 10.0, -5.0, method).item(), rel=1e-5)


@pytest.mark.parametrize("method", ["softmax", "contrast"])
def test_loss_matches_on_random_batch(method):
    e = np.random.default_rng(0).standard_normal((5, 4, 8))
    loss = GE2ELoss(init_w=3.0, init_b=-1.0, method=method)
    got = loss(torch.tensor(e, dtype=torch.float64)).item()
    assert got == pytest.approx(loop_loss(torch.tensor(e), 3.0, -1.0, method).item(), rel=1e-6)


@pytest.mark.parametrize("method", ["softmax", "contrast"])
def test_gradient_reaches_w_b_and_embeddings(method):
    torch.manual_seed(0)
    loss = GE2ELoss(method=method)
    e = torch.randn(4, 3, 8, requires_grad=True)
    loss(e).backward()
    assert loss.w.grad is not None and loss.w.grad.abs() > 1e-4
    assert loss.b.grad is not None
    if method == "contrast":
        assert loss.b.grad.abs() > 1e-4
    else:
        # Softmax is shift-invariant: b cancels between the positive and the log-sum-exp,
        # so its gradient reaches it but is zero up to rounding (as in the paper's eq. 6).
        assert loss.b.grad.abs() < 1e-4
    assert e.grad.abs().sum() > 0


def test_w_stays_positive():
    loss = GE2ELoss("softmax", init_w=10.0)
    with torch.no_grad():
        loss.w.fill_(-3.0)
    sim = loss.similarity(torch.randn(3, 2, 4))
    # With w clamped to a tiny positive value, similarities collapse onto b.
    assert torch.allclose(sim, torch.full_like(sim, -5.0), atol=1e-5)


def test_contrast_and_softmax_differ_and_reject_bad_method():
    e = torch.randn(3, 4, 5)
    assert GE2ELoss(method="softmax")(e) != GE2ELoss(method="contrast")(e)
    with pytest.raises(ValueError):
        GE2ELoss(method="triplet")
