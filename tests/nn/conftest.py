"""Shared PyTorch-parity helper for the nn tests (fixture `torch_parity`).

`torch_parity(ours, theirs, inputs, targets=(), dtype=np.float64, atol=1e-6)` builds both
sides from the same arrays, copies nnforge's parameters into the torch module with
`load_state_dict`, runs forward, back-propagates the same random projection of the
output, and asserts equal outputs, input gradients and parameter gradients (by name).
`ours`/`theirs` are modules or plain callables (functional forms).
"""
import numpy as np
import pytest
import torch

import nnforge as nf
from nnforge.nn import Module

_TORCH_DTYPES = {np.dtype(np.float64): torch.float64, np.dtype(np.float32): torch.float32}


def _to_torch(array, dtype, requires_grad=False):
    array = np.asarray(array)
    if array.dtype.kind == "f":
        return torch.tensor(array.astype(dtype), dtype=_TORCH_DTYPES[np.dtype(dtype)],
                            requires_grad=requires_grad)
    return torch.from_numpy(array.copy())


def _to_ours(array, dtype, requires_grad=False):
    array = np.asarray(array)
    if array.dtype.kind == "f":
        return nf.tensor(array.astype(dtype), requires_grad=requires_grad)
    return array.copy()


def compare_with_torch(ours, theirs, inputs, targets=(), dtype=np.float64, atol=1e-6,
                       rtol=1e-6, seed=0):
    """Assert nnforge and torch agree on outputs and on input and parameter gradients.
    Returns (our output, torch output) for further checks."""
    dtype = np.dtype(dtype)
    if isinstance(ours, Module):
        ours.to(dtype)
        if isinstance(theirs, torch.nn.Module):
            theirs.to(_TORCH_DTYPES[dtype])
            theirs.load_state_dict({k: torch.from_numpy(np.array(v))
                                    for k, v in ours.state_dict().items()})
    ours_in = [_to_ours(x, dtype, requires_grad=True) for x in inputs]
    torch_in = [_to_torch(x, dtype, requires_grad=True) for x in inputs]
    ours_t = [_to_ours(t, dtype) for t in targets]
    torch_t = [_to_torch(t, dtype) for t in targets]
    out = ours(*ours_in, *ours_t)
    ref = theirs(*torch_in, *torch_t)
    assert out.dtype == dtype, f"output dtype {out.dtype}, expected {dtype}"
    assert tuple(out.shape) == tuple(ref.shape)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), atol=atol, rtol=rtol,
                               err_msg="forward values differ")
    projection = np.random.default_rng(seed).standard_normal(out.shape).astype(dtype)
    (out * nf.tensor(projection)).sum().backward()
    (ref * torch.from_numpy(projection)).sum().backward()
    for i, (a, b) in enumerate(zip(ours_in, torch_in)):
        assert a.grad is not None, f"input {i} got no gradient"
        np.testing.assert_allclose(a.grad, b.grad.numpy(), atol=atol, rtol=rtol,
                                   err_msg=f"gradient of input {i} differs")
    if isinstance(ours, Module) and isinstance(theirs, torch.nn.Module):
        theirs_params = dict(theirs.named_parameters())
        ours_params = dict(ours.named_parameters())
        assert sorted(ours_params) == sorted(theirs_params)
        for name, p in ours_params.items():
            expected = theirs_params[name].grad
            assert p.grad is not None, f"parameter {name} got no gradient"
            np.testing.assert_allclose(p.grad, expected.numpy(), atol=atol, rtol=rtol,
                                       err_msg=f"gradient of parameter {name} differs")
    return out, ref


@pytest.fixture
def torch_parity():
    return compare_with_torch
