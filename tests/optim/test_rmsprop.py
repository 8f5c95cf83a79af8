"""RMSprop: trajectories vs torch.optim.RMSprop, hand step, convergence, errors."""
import numpy as np
import pytest
import torch

import nnforge.optim as optim
from nnforge.nn.parameter import Parameter

OPTIONS = [dict(), dict(lr=0.01, alpha=0.9), dict(lr=0.01, centered=True),
           dict(lr=0.005, momentum=0.9), dict(lr=0.005, momentum=0.9, centered=True),
           dict(lr=0.01, weight_decay=0.1), dict(lr=0.01, eps=1e-3), dict(lr=0.01, maximize=True),
           dict(lr=0.005, alpha=0.95, momentum=0.5, centered=True, weight_decay=0.05)]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_trajectory_equals_torch(problem, options):
    problem.check_against_torch(optim.RMSprop, torch.optim.RMSprop, options)


def test_param_groups_equal_torch(problem):
    groups = [([0, 1], dict(lr=0.02, centered=True)), ([2, 3], dict(momentum=0.8))]
    problem.check_against_torch(optim.RMSprop, torch.optim.RMSprop, dict(lr=0.005),
                                groups=groups)


def test_state_dict_round_trip(problem):
    problem.check_state_dict_round_trip(optim.RMSprop, dict(lr=0.005, momentum=0.9,
                                                            centered=True))


def test_first_step_by_hand():
    # seed RMSProp with decay 0.9, G = 0: theta = 1 - 0.1/sqrt(0.1) = 0.683772
    p = Parameter(np.array([1.0]))
    (p * p * 0.5).sum().backward()
    optim.RMSprop([p], lr=0.1, alpha=0.9, eps=0.0).step()
    assert p.data[0] == pytest.approx(0.683772, abs=1e-6)


def test_centered_first_step_by_hand():
    # v = 0.1, c = 0.1: s = sqrt(0.1 - 0.01) = 0.3
    p = Parameter(np.array([1.0]))
    (p * p * 0.5).sum().backward()
    optim.RMSprop([p], lr=0.1, alpha=0.9, eps=0.0, centered=True).step()
    assert p.data[0] == pytest.approx(1 - 0.1 / 0.3)


@pytest.mark.parametrize("problem_name, options, steps, tolerance", [
    ("quadratic", dict(lr=0.01), 1000, 1e-2),
    ("rosenbrock", dict(lr=1e-3, momentum=0.9), 5000, 2e-2)], ids=str)
def test_converges(converge, problem_name, options, steps, tolerance):
    minimum = {"quadratic": [3.0, -1.0], "rosenbrock": [1.0, 1.0]}[problem_name]
    final = converge(lambda ps: optim.RMSprop(ps, **options), problem_name, steps)
    np.testing.assert_allclose(final, minimum, atol=tolerance)


@pytest.mark.parametrize("kwargs, words", [(dict(momentum=1.0), ["momentum", "[0, 1)"]),
                                           (dict(alpha=-0.5), ["alpha", ">= 0"]),
                                           (dict(lr=-1.0), ["lr", ">= 0"])], ids=str)
def test_bad_arguments(kwargs, words):
    with pytest.raises(ValueError) as info:
        optim.RMSprop([Parameter(np.ones(1))], **kwargs)
    assert str(info.value).startswith("RMSprop(") and all(w in str(info.value) for w in words)
