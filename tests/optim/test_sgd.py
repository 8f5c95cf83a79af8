"""SGD: trajectories vs torch.optim.SGD, hand-checkable steps,
convergence, and argument errors."""
import math

import numpy as np
import pytest
import torch

import nnforge.optim as optim
from nnforge.nn.parameter import Parameter

OPTIONS = [
    dict(lr=0.1),
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.3),
    dict(lr=0.05, momentum=0.8, nesterov=True),
    dict(lr=0.1, weight_decay=0.05),
    dict(lr=0.05, momentum=0.9, weight_decay=0.01, nesterov=True),
    dict(lr=0.05, momentum=0.9, dampening=0.5, weight_decay=0.02),
    dict(lr=0.02, momentum=0.5, maximize=True),
    dict(lr=0.02, weight_decay=0.1, maximize=True),
]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_trajectory_equals_torch(problem, options):
    problem.check_against_torch(optim.SGD, torch.optim.SGD, options)


def test_param_groups_with_different_options_equal_torch(problem):
    groups = [([0, 1], dict(lr=0.1, momentum=0.9)),
              ([2, 3], dict(lr=0.01, nesterov=True, momentum=0.5, weight_decay=0.1))]
    problem.check_against_torch(optim.SGD, torch.optim.SGD, dict(lr=0.05), groups=groups)


def test_default_lr_is_pytorch_default():
    p = Parameter(np.ones(2))
    assert optim.SGD([p]).param_groups[0]["lr"] == torch.optim.SGD([torch.ones(2)]).defaults["lr"]


@pytest.mark.parametrize("options", [dict(lr=0.05, momentum=0.9, dampening=0.1),
                                     dict(lr=0.05, momentum=0.9, nesterov=True)], ids=str)
def test_state_dict_round_trip_continues_the_trajectory(problem, options):
    problem.check_state_dict_round_trip(optim.SGD, options)


def _steps(opt, p, n):
    """Minimise L = theta^2/2 (gradient theta) for n steps; return the iterates."""
    out = []
    for _ in range(n):
        opt.zero_grad()
        (p * p * 0.5).sum().backward()
        opt.step()
        out.append(float(p.data[0]))
    return out


def test_momentum_two_steps_by_hand():
    # v = -0.1, theta = 0.9; v = -0.18, theta = 0.72 (PyTorch's form agrees for constant lr)
    p = Parameter(np.array([1.0]))
    assert _steps(optim.SGD([p], lr=0.1, momentum=0.9), p, 2) == pytest.approx([0.9, 0.72])


def test_nesterov_tracks_the_look_ahead_point():
    # PyTorch's nesterov=True gives 0.81 then 0.5751 (the lecture's form gives 0.9, 0.729)
    p = Parameter(np.array([1.0]))
    assert _steps(optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True), p, 2) == \
        pytest.approx([0.81, 0.5751])


def test_plain_gd_one_step_by_hand():
    p = Parameter(np.array([2.0, -1.0]))
    (p * p).sum().backward()                     # gradient (4, -2)
    optim.SGD([p], lr=0.25).step()
    np.testing.assert_allclose(p.data, [1.0, -0.5])


def test_dampening_scales_later_gradients_only():
    p = Parameter(np.array([1.0]))
    opt = optim.SGD([p], lr=0.1, momentum=0.5, dampening=0.5)
    # step 1: b = g = 1 -> 0.9; step 2: b = 0.5*1 + 0.5*0.9 = 0.95 -> 0.9 - 0.095 = 0.805
    assert _steps(opt, p, 2) == pytest.approx([0.9, 0.805])


def test_lecture_and_pytorch_momentum_differ_when_lr_changes():
    """Docstring claim: v <- mu v - alpha g equals PyTorch's buffer form for constant alpha
    but not after alpha changes."""
    p = Parameter(np.array([1.0]))
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    _steps(opt, p, 1)
    opt.param_groups[0]["lr"] = 0.05
    pytorch_second = _steps(opt, p, 1)[0]
    theta, v = 1.0, 0.0
    for alpha in (0.1, 0.05):
        v = 0.9 * v - alpha * theta
        theta += v
    assert pytorch_second == pytest.approx(0.9 - 0.05 * (0.9 * 1.0 + 0.9))   # 0.81
    assert theta == pytest.approx(0.765) and abs(theta - pytorch_second) > 0.04


@pytest.mark.parametrize("problem_name, options, steps, tolerance", [
    ("quadratic", dict(lr=0.04), 300, 1e-6),
    ("quadratic", dict(lr=0.01, momentum=0.9), 300, 1e-6),
    ("quadratic", dict(lr=0.01, momentum=0.9, nesterov=True), 300, 1e-6),
    ("rosenbrock", dict(lr=1e-3, momentum=0.9), 5000, 1e-2),
    ("rosenbrock", dict(lr=1e-3, momentum=0.9, nesterov=True), 5000, 1e-2),
], ids=str)
def test_converges_on_quadratic_and_rosenbrock(converge, problem_name, options, steps, tolerance):
    minimum = {"quadratic": [3.0, -1.0], "rosenbrock": [1.0, 1.0]}[problem_name]
    final = converge(lambda ps: optim.SGD(ps, **options), problem_name, steps)
    np.testing.assert_allclose(final, minimum, atol=tolerance)


@pytest.mark.parametrize("kwargs, words", [
    (dict(lr=-0.1), ["lr", "-0.1", ">= 0"]),
    (dict(lr=0.1, momentum=-0.5), ["momentum", "[0, 1)", "-0.5"]),
    (dict(lr=0.1, momentum=1.0), ["momentum", "[0, 1)", "1.0"]),
    (dict(lr=0.1, nesterov=True), ["nesterov", "momentum > 0", "momentum=0"]),
    (dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), ["nesterov", "dampening"]),
    (dict(lr=0.1, weight_decay=-1e-4), ["weight_decay", ">= 0"]),
    (dict(lr=math.nan), ["lr", "real number"]),
], ids=str)
def test_bad_arguments_name_the_argument(kwargs, words):
    with pytest.raises(ValueError) as info:
        optim.SGD([Parameter(np.ones(2))], **kwargs)
    for word in words:
        assert word in str(info.value)
    assert str(info.value).startswith("SGD(")
