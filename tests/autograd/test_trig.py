"""sin, cos, tan: float64 gradchecks (including 0-d tensors) and values and gradients equal
to PyTorch's, in float64 and float32."""
import numpy as np
import pytest
import torch

import nnforge as nf
from nnforge.autograd import gradcheck

OPS = ["sin", "cos", "tan"]


def _data(shape, seed=0):
    return np.random.default_rng(seed).uniform(-1.3, 1.3, size=shape)


@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("shape", [(), (5,), (2, 3, 4)])
def test_gradcheck(name, shape):
    x = nf.tensor(_data(shape), requires_grad=True)
    assert gradcheck(lambda t: getattr(t, name)() * 2.0, x)


@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-6)])
def test_matches_torch(name, dtype, tol):
    data = _data((3, 4), seed=1).astype(dtype)
    ours = nf.tensor(data, requires_grad=True)
    theirs = torch.tensor(data, requires_grad=True)
    out, ref = getattr(nf, name)(ours), getattr(torch, name)(theirs)
    assert out.numpy().dtype == dtype
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=tol, atol=tol)
    upstream = np.random.default_rng(2).standard_normal((3, 4)).astype(dtype)
    (out * nf.tensor(upstream)).sum().backward()
    (ref * torch.from_numpy(upstream)).sum().backward()
    np.testing.assert_allclose(np.asarray(ours.grad), theirs.grad.numpy(), rtol=tol * 10,
                               atol=tol * 10)
