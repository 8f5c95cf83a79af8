"""Gradient clipping equals torch.nn.utils.clip_grad_norm_ / clip_grad_value_."""
import math

import numpy as np
import pytest
import torch

import nnforge.optim as optim
from nnforge.nn.parameter import Parameter


def _pair(dtype=np.float64, scale=1.0):
    rng = np.random.default_rng(3)
    grads = [rng.normal(size=s).astype(dtype) * scale for s in [(3, 4), (4,), (2, 2, 2)]]
    ours = []
    for g in grads:
        p = Parameter(np.zeros(g.shape, dtype=dtype))
        p.grad = g.copy()
        ours.append(p)
    theirs = []
    for g in grads:
        t = torch.zeros(g.shape, dtype=torch.from_numpy(g).dtype, requires_grad=True)
        t.grad = torch.from_numpy(g.copy())
        theirs.append(t)
    no_grad = Parameter(np.zeros(2, dtype=dtype))          # skipped by both
    return ours + [no_grad], theirs + [torch.zeros(2, requires_grad=True)]


@pytest.mark.parametrize("max_norm, norm_type", [(1.0, 2.0), (0.5, 1.0), (100.0, 2.0),
                                                 (0.3, math.inf), (2.0, 3.0), (0.1, 0.5)])
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-6)])
def test_clip_grad_norm_equals_torch(max_norm, norm_type, dtype, tol):
    ours, theirs = _pair(dtype)
    total = optim.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert float(total) == pytest.approx(float(expected), rel=tol)
    for p, t in zip(ours[:3], theirs[:3]):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=tol, atol=tol)
        assert p.grad.dtype == dtype
    assert ours[3].grad is None


def test_clipped_norm_is_max_norm_by_hand():
    p = Parameter(np.zeros(2))
    p.grad = np.array([3.0, 4.0])
    assert float(optim.clip_grad_norm_(p, 1.0)) == 5.0
    np.testing.assert_allclose(p.grad, [0.6, 0.8], rtol=1e-6)


def test_nonfinite_norm():
    p = Parameter(np.zeros(2))
    p.grad = np.array([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="total norm of order 2.0 of the gradients is inf"):
        optim.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


@pytest.mark.parametrize("clip_value", [0.1, 0.5, 10.0])
def test_clip_grad_value_equals_torch(clip_value):
    ours, theirs = _pair(scale=2.0)
    optim.clip_grad_value_(ours, clip_value)
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    for p, t in zip(ours[:3], theirs[:3]):
        np.testing.assert_array_equal(p.grad, t.grad.numpy())


def test_bad_inputs():
    with pytest.raises(ValueError, match="clip_value must be >= 0"):
        optim.clip_grad_value_([], -1.0)
    with pytest.raises(TypeError, match="item 0 is a ndarray"):
        optim.clip_grad_norm_([np.ones(2)], 1.0)
