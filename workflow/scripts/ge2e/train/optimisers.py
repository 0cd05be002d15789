"""The optimisers a learning-rate schedule may name (``lr_schedules.<name>.optimiser``).

SGD is the paper's. Adam is what the public GE2E encoder (Resemblyzer's, ``ge2e.train.imported``) was trained with,
and what fine-tunes it: at rates SGD keeps it whole (1e-4) SGD barely moves it in a few hundred steps, and at rates
that move it (5e-3) the first clipped steps undo it; Adam's per-weight step sizes adapt it at 1e-5 to 3e-5.
This module is torch-free at import: the planner reads the names.
"""

SGD = "sgd"
ADAM = "adam"
OPTIMISERS = (SGD, ADAM)


def build(name, groups, lr, momentum):
    """The torch optimiser ``name`` over parameter ``groups`` at ``lr``; ``momentum`` is SGD's (Adam has its own
    moment estimates; the start-up check refuses a non-zero momentum with it)."""
    import torch

    if name == SGD:
        return torch.optim.SGD(groups, lr=lr, momentum=momentum)
    if name == ADAM:
        return torch.optim.Adam(groups, lr=lr)
    raise ValueError(f"unknown optimiser {name!r}; one of {', '.join(OPTIMISERS)}")
