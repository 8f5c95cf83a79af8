"""ReLU and LeakyReLU as compiled loops (the references are in
nnforge.autograd.activations).

What they save: the reference ReLU backward makes three passes (compare, cast the mask to
float, multiply) and allocates a mask; LeakyReLU's forward and backward make three each
(compare, scale, select). A kernel reads its inputs once and writes each result once.
"""
from __future__ import annotations

import numpy as np
from numba import prange

from ._compile import helper, kernel, runs, same_float_arrays


@helper
def _relu_run(x: np.ndarray, out: np.ndarray) -> None:
    for k in range(x.size):
        value = x[k]
        out[k] = value if value > 0 or value != value else 0   # NaN passes, as np.maximum


@kernel(threads=True)
def _relu(x: np.ndarray, out: np.ndarray, parts: int) -> None:
    """The array cut into `parts` runs, one per thread (as in every kernel below)."""
    for part in prange(parts):
        lo, hi = x.size * part // parts, x.size * (part + 1) // parts
        _relu_run(x[lo:hi], out[lo:hi])


@helper
def _relu_backward_run(grad: np.ndarray, out: np.ndarray, dx: np.ndarray) -> None:
    for k in range(grad.size):
        dx[k] = grad[k] if out[k] > 0 else 0


@kernel(threads=True)
def _relu_backward(grad: np.ndarray, out: np.ndarray, dx: np.ndarray, parts: int) -> None:
    for part in prange(parts):
        lo, hi = grad.size * part // parts, grad.size * (part + 1) // parts
        _relu_backward_run(grad[lo:hi], out[lo:hi], dx[lo:hi])


def relu(x: np.ndarray) -> np.ndarray:
    """Same contract as nnforge.autograd.activations.relu."""
    if not same_float_arrays(x):
        return NotImplemented
    out = np.empty_like(x)
    _relu(x.reshape(-1), out.reshape(-1), runs(x.size))
    return out


def relu_backward(grad: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Same contract as nnforge.autograd.activations.relu_backward."""
    if not same_float_arrays(grad, out) or grad.shape != out.shape:
        return NotImplemented
    dx = np.empty_like(grad)
    _relu_backward(grad.reshape(-1), out.reshape(-1), dx.reshape(-1), runs(grad.size))
    return dx


@kernel
def _leaky_relu(x: np.ndarray, slope: np.floating, out: np.ndarray,
                positive: np.ndarray) -> None:
    for k in range(x.size):
        value = x[k]
        keep = value > 0
        positive[k] = keep
        out[k] = value if keep else value * slope


@kernel
def _leaky_relu_backward(grad: np.ndarray, positive: np.ndarray, slope: np.floating,
                         dx: np.ndarray) -> None:
    for k in range(grad.size):
        dx[k] = grad[k] if positive[k] else grad[k] * slope


def leaky_relu(x: np.ndarray, negative_slope: float) -> tuple[np.ndarray, np.ndarray]:
    """Same contract as nnforge.autograd.activations.leaky_relu."""
    if not same_float_arrays(x):
        return NotImplemented
    out = np.empty_like(x)
    positive = np.empty(x.shape, dtype=bool)
    _leaky_relu(x.reshape(-1), x.dtype.type(negative_slope), out.reshape(-1),
                positive.reshape(-1))
    return out, positive


def leaky_relu_backward(grad: np.ndarray, positive: np.ndarray,
                        negative_slope: float) -> np.ndarray:
    """Same contract as nnforge.autograd.activations.leaky_relu_backward."""
    if (not same_float_arrays(grad) or positive.shape != grad.shape
            or not positive.flags.c_contiguous):
        return NotImplemented
    dx = np.empty_like(grad)
    _leaky_relu_backward(grad.reshape(-1), positive.reshape(-1),
                         grad.dtype.type(negative_slope), dx.reshape(-1))
    return dx
