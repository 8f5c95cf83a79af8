"""The SGD, RMSprop and Adam updates as fused compiled loops (the references are
`sgd_step`, `rmsprop_step` and `adam_step` in nnforge.optim).

What they save: the NumPy references make one pass over memory per arithmetic operation
(Adam: thirteen passes over the parameter, its gradient, both moments and a scratch
array); a fused loop reads each array once and writes each result once, keeping the
intermediate values in registers. That also makes the "discounted sums" form of Adam's
moments (which saved three of the NumPy passes) pointless, so the kernel keeps PyTorch's
exp_avg and exp_avg_sq like the reference. The scalars are cast to the arrays' dtype so
float32 parameters are updated in float32 arithmetic, as the reference does.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np
from numba import prange

from ._compile import helper, kernel, runs, same_float_arrays


@helper
def _adam_run(param: np.ndarray, grad: np.ndarray, exp_avg: np.ndarray, exp_avg_sq: np.ndarray,
          max_exp_avg_sq: np.ndarray, amsgrad: bool, one_minus_beta1: np.floating,
          beta2: np.floating, one_minus_beta2: np.floating, step_size: np.floating,
          bias_correction2: np.floating, eps: np.floating) -> None:
    for k in range(param.size):
        g = grad[k]
        m = exp_avg[k] + (g - exp_avg[k]) * one_minus_beta1
        v = exp_avg_sq[k] * beta2 + g * g * one_minus_beta2
        exp_avg[k] = m
        exp_avg_sq[k] = v
        if amsgrad:
            if max_exp_avg_sq[k] > v:
                v = max_exp_avg_sq[k]
            max_exp_avg_sq[k] = v
        param[k] += m / (math.sqrt(v / bias_correction2) + eps) * step_size


@kernel(threads=True)
def _adam(param: np.ndarray, grad: np.ndarray, exp_avg: np.ndarray, exp_avg_sq: np.ndarray,
          max_exp_avg_sq: np.ndarray, amsgrad: bool, one_minus_beta1: np.floating,
          beta2: np.floating, one_minus_beta2: np.floating, step_size: np.floating,
          bias_correction2: np.floating, eps: np.floating, parts: int) -> None:
    """`_adam_run` on `parts` runs of the arrays, one per thread."""
    n = param.size
    for part in prange(parts):
        lo, hi = n * part // parts, n * (part + 1) // parts
        maximum = max_exp_avg_sq[lo:hi] if amsgrad else max_exp_avg_sq   # (a placeholder)
        _adam_run(param[lo:hi], grad[lo:hi], exp_avg[lo:hi], exp_avg_sq[lo:hi], maximum,
                  amsgrad, one_minus_beta1, beta2, one_minus_beta2, step_size,
                  bias_correction2, eps)


@kernel
def _sgd(param: np.ndarray, grad: np.ndarray, buf: np.ndarray, has_buffer: bool, first: bool,
         momentum: np.floating, one_minus_dampening: np.floating, nesterov: bool,
         minus_lr: np.floating) -> None:
    for k in range(param.size):
        d = grad[k]
        if has_buffer:
            b = d if first else buf[k] * momentum + d * one_minus_dampening
            buf[k] = b
            d = d + b * momentum if nesterov else b
        param[k] += d * minus_lr


@kernel
def _rmsprop(param: np.ndarray, grad: np.ndarray, square_avg: np.ndarray,
             grad_avg: np.ndarray, buf: np.ndarray, centered: bool, has_buffer: bool,
             alpha: np.floating, one_minus_alpha: np.floating, eps: np.floating,
             momentum: np.floating, minus_lr: np.floating) -> None:
    for k in range(param.size):
        g = grad[k]
        v = square_avg[k] * alpha + g * g * one_minus_alpha
        square_avg[k] = v
        if centered:
            c = grad_avg[k] + (g - grad_avg[k]) * one_minus_alpha
            grad_avg[k] = c
            v = v - c * c
        q = g / (math.sqrt(v) + eps)
        if has_buffer:
            q = buf[k] * momentum + q
            buf[k] = q
        param[k] += q * minus_lr


def _flat(*arrays: np.ndarray) -> list[np.ndarray]:
    return [a.reshape(-1) for a in arrays]


def _placeholder(like: np.ndarray) -> np.ndarray:
    """A one-element array for a state the update does not use (no amsgrad maximum, no
    momentum buffer). It must not be one of the real arrays: LLVM vectorizes these loops
    only after checking at run time that the arrays do not overlap, and an alias of the
    parameter would send every update down the scalar path (2.2x slower, measured)."""
    return np.zeros(1, dtype=like.dtype)


def adam_step(param: np.ndarray, grad: np.ndarray, exp_avg: np.ndarray,
              exp_avg_sq: np.ndarray, max_exp_avg_sq: Optional[np.ndarray],
              work: Optional[np.ndarray], *, lr: float, beta1: float, beta2: float,
              eps: float, step: int) -> None:
    """Same contract as nnforge.optim.adam.adam_step (`work` is not needed)."""
    amsgrad = max_exp_avg_sq is not None
    maximum = _placeholder(param) if max_exp_avg_sq is None else max_exp_avg_sq
    if not same_float_arrays(param, grad, exp_avg, exp_avg_sq, maximum):
        return NotImplemented
    f = param.dtype.type
    p, g, m, v, vmax = _flat(param, grad, exp_avg, exp_avg_sq, maximum)
    _adam(p, g, m, v, vmax, amsgrad, f(1.0 - beta1),
          f(beta2), f(1.0 - beta2), f(-lr / (1.0 - beta1 ** step)), f(1.0 - beta2 ** step),
          f(eps), runs(p.size))


def sgd_step(param: np.ndarray, grad: np.ndarray, momentum_buffer: Optional[np.ndarray],
             work: Optional[np.ndarray], *, lr: float, momentum: float, dampening: float,
             nesterov: bool, first: bool) -> None:
    """Same contract as nnforge.optim.sgd.sgd_step (`work` is not needed)."""
    has_buffer = momentum_buffer is not None
    buf = _placeholder(param) if momentum_buffer is None else momentum_buffer
    if not same_float_arrays(param, grad, buf):
        return NotImplemented
    f = param.dtype.type
    p, g, b = _flat(param, grad, buf)
    _sgd(p, g, b, has_buffer, bool(first), f(momentum), f(1.0 - dampening),
         bool(nesterov), f(-lr))


def rmsprop_step(param: np.ndarray, grad: np.ndarray, square_avg: np.ndarray,
                 grad_avg: Optional[np.ndarray], momentum_buffer: Optional[np.ndarray],
                 work: Optional[np.ndarray], *, lr: float, alpha: float, eps: float,
                 momentum: float) -> None:
    """Same contract as nnforge.optim.rmsprop.rmsprop_step (`work` is not needed)."""
    centered, has_buffer = grad_avg is not None, momentum_buffer is not None
    c = _placeholder(param) if grad_avg is None else grad_avg
    b = _placeholder(param) if momentum_buffer is None else momentum_buffer
    if not same_float_arrays(param, grad, square_avg, c, b):
        return NotImplemented
    f = param.dtype.type
    p, g, s, c, b = _flat(param, grad, square_avg, c, b)
    _rmsprop(p, g, s, c, b, centered, has_buffer, f(alpha),
             f(1.0 - alpha), f(eps), f(momentum), f(-lr))
