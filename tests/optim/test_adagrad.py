"""Adagrad: trajectories vs torch.optim.Adagrad, hand steps, convergence, errors."""
import numpy as np
import pytest
import torch

import nnforge.optim as optim
from nnforge.nn.parameter import Parameter

OPTIONS = [dict(), dict(lr=0.1), dict(lr=0.1, lr_decay=0.05), dict(lr=0.1, weight_decay=0.1),
           dict(lr=0.1, initial_accumulator_value=0.5), dict(lr=0.1, eps=1e-3),
           dict(lr=0.05, maximize=True),
           dict(lr=0.2, lr_decay=0.1, weight_decay=0.05, initial_accumulator_value=0.1)]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_trajectory_equals_torch(problem, options):
    problem.check_against_torch(optim.Adagrad, torch.optim.Adagrad, options)


def test_param_groups_equal_torch(problem):
    groups = [([0, 1], dict(lr=0.3, eps=1e-3)), ([2, 3], dict(lr_decay=0.2))]
    problem.check_against_torch(optim.Adagrad, torch.optim.Adagrad,
                                dict(lr=0.1, initial_accumulator_value=0.5), groups=groups)


def test_per_group_initial_accumulator_value_is_honoured():
    # PyTorch fills the accumulator from the constructor argument even when a group sets its
    # own initial_accumulator_value; nnforge uses the group's value (documented difference)
    a, b = Parameter(np.array([1.0])), Parameter(np.array([1.0]))
    opt = optim.Adagrad([{"params": [a]}, {"params": [b], "initial_accumulator_value": 3.0}],
                        lr=0.1, eps=0.0)
    (a * a * 0.5 + b * b * 0.5).sum().backward()
    opt.step()
    assert a.data[0] == pytest.approx(0.9) and b.data[0] == pytest.approx(1 - 0.1 / 2.0)


def test_state_dict_round_trip(problem):
    problem.check_state_dict_round_trip(optim.Adagrad, dict(lr=0.1, lr_decay=0.1))


def test_first_step_by_hand():
    # seed AdaGrad without eps, g = 1: theta = 1 - 0.1 * 1/sqrt(1) = 0.9
    p = Parameter(np.array([1.0]))
    (p * p * 0.5).sum().backward()
    optim.Adagrad([p], lr=0.1, eps=0.0).step()
    assert p.data[0] == pytest.approx(0.9)


def test_two_steps_with_lr_decay_by_hand():
    p = Parameter(np.array([1.0]))
    opt = optim.Adagrad([p], lr=0.1, lr_decay=0.5, eps=0.0, initial_accumulator_value=1.0)
    for _ in range(2):
        opt.zero_grad()
        (p * p * 0.5).sum().backward()
        opt.step()
    first = 1 - 0.1 * 1 / np.sqrt(2.0)
    second = first - 0.1 / 1.5 * first / np.sqrt(2.0 + first ** 2)
    assert p.data[0] == pytest.approx(second, rel=1e-12)


@pytest.mark.parametrize("problem_name, lr, steps, tolerance", [
    ("quadratic", 1.0, 1000, 1e-4), ("rosenbrock", 1.0, 10000, 1e-2)])
def test_converges(converge, problem_name, lr, steps, tolerance):
    minimum = {"quadratic": [3.0, -1.0], "rosenbrock": [1.0, 1.0]}[problem_name]
    final = converge(lambda ps: optim.Adagrad(ps, lr=lr), problem_name, steps)
    np.testing.assert_allclose(final, minimum, atol=tolerance)


@pytest.mark.parametrize("kwargs, name", [(dict(lr=-0.1), "lr"), (dict(lr_decay=-1), "lr_decay"),
                                          (dict(initial_accumulator_value=-1),
                                           "initial_accumulator_value"), (dict(eps=-1), "eps")])
def test_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=rf"Adagrad\({name}=.*{name} must be"):
        optim.Adagrad([Parameter(np.ones(1))], **kwargs)
