"""Batch normalization as compiled loops (the references are
`batch_statistics`, `normalize` and `batch_norm_backward` in nnforge.autograd.normalization).

What they save: the references make a NumPy pass for every operation (statistics: four
passes and a full-size temporary; normalize: three passes; backward: seven); the kernels
read a channel's values twice for the statistics (mean, then the squared deviations),
once to write centered and out, and twice for the backward (the two sums, then dx). Sums
are accumulated in float64, so float32 statistics are at least as exact as NumPy's
pairwise sums. Every loop walks memory in order (image, then channel, then pixel) and
keeps one accumulator per channel: walking one channel at a time through all images jumps
C*H*W values between rows, which made the sums 1.5-3x slower (measured on the
fashion_cnn shapes).
"""
from typing import Optional

import numpy as np

from ._compile import kernel, same_float_arrays


@kernel(reassociate=True)
def _statistics(x: np.ndarray, mean: np.ndarray, var: np.ndarray) -> None:
    N, C, L = x.shape
    m = N * L
    totals = np.zeros(C)                # float64 accumulators, one per channel
    for n in range(N):
        for c in range(C):
            row = 0.0
            for k in range(L):
                row += x[n, c, k]
            totals[c] += row
    for c in range(C):
        mean[c] = totals[c] / m
    squares = np.zeros(C)
    for n in range(N):
        for c in range(C):
            mu = mean[c]
            row = 0.0
            for k in range(L):
                d = x[n, c, k] - mu
                row += d * d
            squares[c] += row
    for c in range(C):
        var[c] = squares[c] / m


@kernel
def _normalize(x: np.ndarray, mean: np.ndarray, scale: np.ndarray, bias: np.ndarray,
               has_bias: bool, out: np.ndarray, centered: np.ndarray) -> None:
    N, C, L = x.shape
    for n in range(N):
        for c in range(C):
            mu, s = mean[c], scale[c]
            b = bias[c] if has_bias else 0
            for k in range(L):
                d = x[n, c, k] - mu
                centered[n, c, k] = d
                out[n, c, k] = d * s + b


@kernel(reassociate=True)
def _backward(grad: np.ndarray, centered: np.ndarray, invstd: np.ndarray, scale: np.ndarray,
              batch_stats: bool, input_grad: bool, gx: np.ndarray, sum_dy: np.ndarray,
              sum_dy_xhat: np.ndarray) -> None:
    N, C, L = grad.shape
    m = N * L
    totals = np.zeros(C)
    dots = np.zeros(C)
    for n in range(N):
        for c in range(C):
            total = 0.0
            dot = 0.0
            for k in range(L):
                g = grad[n, c, k]
                total += g
                dot += g * centered[n, c, k]
            totals[c] += total
            dots[c] += dot
    for c in range(C):
        sum_dy[c] = totals[c]
        sum_dy_xhat[c] = dots[c] * invstd[c]
    if not input_grad:
        return
    if not batch_stats:                 # evaluation mode: dx = scale * dy
        for n in range(N):
            for c in range(C):
                s = scale[c]
                for k in range(L):
                    gx[n, c, k] = grad[n, c, k] * s
        return
    # dx = scale * (dy - sum dy / m - centered * invstd * sum(dy * x_hat) / m)
    k_centered = np.empty(C, dtype=grad.dtype)
    mean_dy = np.empty(C, dtype=grad.dtype)
    for c in range(C):
        k_centered[c] = -invstd[c] * sum_dy_xhat[c] / m
        mean_dy[c] = sum_dy[c] / m
    for n in range(N):
        for c in range(C):
            a, b, s = k_centered[c], mean_dy[c], scale[c]
            for k in range(L):
                gx[n, c, k] = (centered[n, c, k] * a + grad[n, c, k] - b) * s


def _channels(x: np.ndarray) -> np.ndarray:
    """(N, C, rest) view of an (N, C, ...) array."""
    return x.reshape(x.shape[0], x.shape[1], -1)


def batch_statistics(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Same contract as nnforge.autograd.normalization.batch_statistics."""
    if x.ndim < 2 or not same_float_arrays(x):
        return NotImplemented
    mean = np.empty(x.shape[1], dtype=x.dtype)
    var = np.empty(x.shape[1], dtype=x.dtype)
    _statistics(_channels(x), mean, var)
    return mean, var


def normalize(x: np.ndarray, mean: np.ndarray, scale: np.ndarray,
              bias: Optional[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Same contract as nnforge.autograd.normalization.normalize."""
    has_bias = bias is not None
    bias = np.ascontiguousarray(bias) if has_bias else np.zeros(1, dtype=x.dtype)
    if x.ndim < 2 or not same_float_arrays(x, np.ascontiguousarray(mean),
                                           np.ascontiguousarray(scale), bias):
        return NotImplemented
    out = np.empty_like(x)
    centered = np.empty_like(x)
    _normalize(_channels(x), np.ascontiguousarray(mean), np.ascontiguousarray(scale), bias,
               has_bias, _channels(out), _channels(centered))
    return out, centered


def batch_norm_backward(grad: np.ndarray, centered: np.ndarray, invstd: np.ndarray,
                        scale: np.ndarray, batch_stats: bool, input_grad: bool = True
                        ) -> tuple[Optional[np.ndarray], np.ndarray, np.ndarray]:
    """Same contract as nnforge.autograd.normalization.batch_norm_backward."""
    grad = np.ascontiguousarray(grad)
    if grad.ndim < 2 or not same_float_arrays(grad, centered, invstd, scale):
        return NotImplemented
    C = grad.shape[1]
    gx = np.empty_like(grad) if input_grad else np.empty((1, 1, 1), dtype=grad.dtype)
    sum_dy = np.empty(C, dtype=grad.dtype)
    sum_dy_xhat = np.empty(C, dtype=grad.dtype)
    _backward(_channels(grad), _channels(centered), invstd, scale, bool(batch_stats),
              bool(input_grad), _channels(gx), sum_dy, sum_dy_xhat)
    return (gx if input_grad else None), sum_dy, sum_dy_xhat
