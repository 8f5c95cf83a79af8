"""Helpers for the optimizer tests: one small MLP-like problem built twice — with nnforge
autograd ops and with torch — from the same initial weights and data, so trajectories can be
compared step by step. Exposed as fixtures (the importlib import mode has no sibling
imports)."""
import json

import numpy as np
import pytest
import torch

import nnforge
from nnforge.nn.parameter import Parameter


_RNG = np.random.default_rng(7)
X = _RNG.normal(size=(16, 4))
Y = _RNG.normal(size=(16, 3))
INIT = {"W1": _RNG.normal(scale=0.5, size=(5, 4)), "b1": _RNG.normal(scale=0.1, size=5),
        "W2": _RNG.normal(scale=0.5, size=(3, 5)), "b2": _RNG.normal(scale=0.1, size=3)}
NAMES = ["W1", "b1", "W2", "b2"]


def nn_params():
    return [Parameter(INIT[k].copy()) for k in NAMES]


def nn_loss(params):
    W1, b1, W2, b2 = params
    hidden = (X @ W1.transpose(0, 1) + b1).tanh()
    out = hidden @ W2.transpose(0, 1) + b2
    return ((out - Y) ** 2).mean()


def torch_params():
    return [torch.tensor(INIT[k].copy(), requires_grad=True) for k in NAMES]


def torch_loss(params):
    W1, b1, W2, b2 = params
    x, y = torch.from_numpy(X), torch.from_numpy(Y)
    hidden = torch.tanh(x @ W1.T + b1)
    return ((hidden @ W2.T + b2 - y) ** 2).mean()


def _groups(params, groups):
    """Split [W1, b1, W2, b2] into option groups: groups is None (one group) or a list of
    (indices, options) pairs."""
    if groups is None:
        return params
    return [dict(options, params=[params[i] for i in indices]) for indices, options in groups]


def run_nnforge(cls, options, steps=30, groups=None, params=None, optimizer=None):
    params = nn_params() if params is None else params
    opt = optimizer or cls(_groups(params, groups), **options)
    trajectory = []
    for _ in range(steps):
        opt.zero_grad()
        nn_loss(params).backward()
        opt.step()
        trajectory.append([p.numpy().copy() for p in params])
    return trajectory, params, opt


def run_torch(cls, options, steps=30, groups=None):
    params = torch_params()
    opt = cls(_groups(params, groups), **options)
    trajectory = []
    for _ in range(steps):
        opt.zero_grad()
        torch_loss(params).backward()
        opt.step()
        trajectory.append([p.detach().numpy().copy() for p in params])
    return trajectory


def assert_same_trajectory(ours, theirs, rtol=1e-7, atol=1e-10):
    assert len(ours) == len(theirs)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for name, x, y in zip(NAMES, a, b):
            np.testing.assert_allclose(x, y, rtol=rtol, atol=atol,
                                       err_msg=f"step {step + 1}, parameter {name}")
    moved = max(np.abs(x - INIT[n]).max() for n, x in zip(NAMES, ours[-1]))
    assert moved > 1e-4, "the parameters did not move: the comparison proves nothing"


def json_round_trip(state_dict):
    """Through JSON, as a checkpoint would store it (arrays as lists, int keys as strings)."""
    def encode(value):
        if isinstance(value, (np.ndarray, nnforge.Tensor)):
            return value.tolist()
        raise TypeError(type(value))
    return json.loads(json.dumps(state_dict, default=encode))


class Problem:
    X, Y, INIT, NAMES = X, Y, INIT, NAMES
    nn_params = staticmethod(nn_params)
    nn_loss = staticmethod(nn_loss)
    torch_params = staticmethod(torch_params)
    torch_loss = staticmethod(torch_loss)
    run_nnforge = staticmethod(run_nnforge)
    run_torch = staticmethod(run_torch)
    assert_same_trajectory = staticmethod(assert_same_trajectory)
    json_round_trip = staticmethod(json_round_trip)

    @staticmethod
    def check_against_torch(nn_cls, torch_cls, options, groups=None, steps=30):
        ours, _, _ = run_nnforge(nn_cls, options, steps, groups)
        theirs = run_torch(torch_cls, options, steps, groups)
        assert_same_trajectory(ours, theirs)

    @staticmethod
    def check_state_dict_round_trip(nn_cls, options, groups=None, steps=30):
        """Save mid-run, load into a fresh optimizer, continue: same trajectory."""
        full, _, _ = run_nnforge(nn_cls, options, steps, groups)
        first, params, opt = run_nnforge(nn_cls, options, steps // 2, groups)
        saved = json_round_trip(opt.state_dict())
        fresh = nn_cls(_groups(params, groups), **options)
        fresh.load_state_dict(saved)
        rest, _, _ = run_nnforge(nn_cls, options, steps - steps // 2, groups, params=params,
                                 optimizer=fresh)
        for step, (a, b) in enumerate(zip(full, first + rest)):
            for x, y in zip(a, b):
                np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14,
                                           err_msg=f"step {step + 1}")


@pytest.fixture
def problem():
    return Problem


def minimize(optimizer_factory, problem, steps):
    """Run an optimizer on the quadratic f(x, y) = (x-3)^2 + 10 (y+1)^2 from (0, 0) (minimum
    (3, -1)) or on Rosenbrock (1-x)^2 + 100 (y-x^2)^2 from (-1.5, 2) (minimum (1, 1));
    return the final point."""
    start = {"quadratic": [0.0, 0.0], "rosenbrock": [-1.5, 2.0]}[problem]
    p = Parameter(np.array(start))
    opt = optimizer_factory([p])
    for _ in range(steps):
        opt.zero_grad()
        x, y = p[0], p[1]
        if problem == "quadratic":
            loss = (x - 3.0) ** 2 + 10.0 * (y + 1.0) ** 2
        else:
            loss = (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2
        loss.backward()
        opt.step()
    return p.numpy().copy()


@pytest.fixture
def converge():
    return minimize
