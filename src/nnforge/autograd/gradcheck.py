"""Finite-difference check of an op's backward: the first test every op must pass."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .grad_mode import no_grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """An analytical gradient disagrees with central finite differences."""


def _projected_output(fn: Callable[..., Any], inputs: Sequence[Any],
                      weights: Sequence[np.ndarray]) -> float:
    out = fn(*inputs)
    outputs = out if isinstance(out, (tuple, list)) else (out,)
    return sum(float(np.sum(o._data * w)) for o, w in zip(outputs, weights))


def gradcheck(fn: Callable[..., Any], *inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, seed: int = 0) -> bool:
    """Compare the gradients autograd gives for `fn(*inputs)` with central differences.

    Each output is projected on a fixed random tensor (so one backward checks a whole
    vector-Jacobian product), then every element of every input that requires grad is
    nudged by +-eps. Inputs should be float64 Tensors, given one by one or, as in PyTorch,
    as one tuple. Returns True, or raises
    `GradcheckError` naming the input, the element and both values.
    """
    if len(inputs) == 1 and isinstance(inputs[0], (tuple, list)):   # PyTorch's (fn, inputs)
        inputs = tuple(inputs[0])
    tensors = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not tensors:
        raise ValueError("gradcheck(): no input requires grad")
    for x in tensors:
        if x.dtype != np.float64:
            raise ValueError(f"gradcheck(): inputs must be float64 for a meaningful check, "
                             f"got {x.dtype}")
    rng = np.random.default_rng(seed)
    out = fn(*inputs)
    outputs = out if isinstance(out, (tuple, list)) else (out,)
    weights = [rng.standard_normal(o.shape) for o in outputs]
    for x in tensors:
        x.grad = None
    total = sum((o * Tensor(w)).sum() for o, w in zip(outputs, weights)
                if o.requires_grad)
    if not isinstance(total, Tensor):
        raise GradcheckError("gradcheck(): no output depends on an input that requires grad")
    total.backward()
    for index, x in enumerate(tensors):
        analytic = np.zeros_like(x._data) if x._grad is None else x._grad
        numeric = np.zeros_like(x._data)
        flat = x._data.reshape(-1)
        with no_grad():
            for i in range(flat.size):
                original = flat[i]
                flat[i] = original + eps
                plus = _projected_output(fn, inputs, weights)
                flat[i] = original - eps
                minus = _projected_output(fn, inputs, weights)
                flat[i] = original
                numeric.reshape(-1)[i] = (plus - minus) / (2 * eps)
        bad = ~np.isclose(analytic, numeric, atol=atol, rtol=rtol)
        if bad.any():
            if not raise_exception:
                return False
            where = np.unravel_index(int(np.argmax(bad)), x.shape) if x.ndim else ()
            raise GradcheckError(
                f"gradcheck(): gradient of input {index} (shape {x.shape}) is wrong at "
                f"{where}: autograd {analytic[where]!r}, finite differences "
                f"{numeric[where]!r}; {int(bad.sum())} of {bad.size} elements differ")
    return True
