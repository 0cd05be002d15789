"""The optimisers a learning-rate schedule may name (ge2e.train.optimisers)."""

import pytest
import torch

from ge2e.train import optimisers


def test_each_name_builds_its_torch_optimiser_at_the_rate_and_an_unknown_one_is_refused():
    groups = [{"params": [torch.nn.Parameter(torch.zeros(2))]}]
    sgd = optimisers.build(optimisers.SGD, groups, 0.01, momentum=0.9)
    assert isinstance(sgd, torch.optim.SGD) and sgd.param_groups[0]["momentum"] == 0.9
    adam = optimisers.build(optimisers.ADAM, [{"params": [torch.nn.Parameter(torch.zeros(2))]}], 3e-5, momentum=0.0)
    assert isinstance(adam, torch.optim.Adam) and adam.param_groups[0]["lr"] == 3e-5
    with pytest.raises(ValueError, match="unknown optimiser 'rmsprop'; one of sgd, adam"):
        optimisers.build("rmsprop", groups, 0.01, 0.0)
