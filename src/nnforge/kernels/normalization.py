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
from numba import prange

from ._compile import kernel, runs, same_float_arrays


@kernel(reassociate=True, threads=True)
def _statistics(x: np.ndarray, mean: np.ndarray, var: np.ndarray, parts: int) -> None:
    """The images cut into `parts` runs, one per thread, each with its own sums (as in
    every kernel below)."""
    N, C, L = x.shape
    m = N * L
    totals = np.zeros((parts, C))       # float64 accumulators, one per run and channel
    for part in prange(parts):
        for n in range(N * part // parts, N * (part + 1) // parts):
            for c in range(C):
                row = 0.0
                for k in range(L):
                    row += x[n, c, k]
                totals[part, c] += row
    for c in range(C):
        mean[c] = totals[:, c].sum() / m
    squares = np.zeros((parts, C))
    for part in prange(parts):
        for n in range(N * part // parts, N * (part + 1) // parts):
            for c in range(C):
                mu = mean[c]
                row = 0.0
                for k in range(L):
                    d = x[n, c, k] - mu
                    row += d * d
                squares[part, c] += row
    for c in range(C):
        var[c] = squares[:, c].sum() / m


@kernel(threads=True)
def _normalize(x: np.ndarray, mean: np.ndarray, scale: np.ndarray, bias: np.ndarray,
               has_bias: bool, out: np.ndarray, centered: np.ndarray, parts: int) -> None:
    N, C, L = x.shape
    for part in prange(parts):
        for n in range(N * part // parts, N * (part + 1) // parts):
            for c in range(C):
                mu, s = mean[c], scale[c]
                b = bias[c] if has_bias else 0
                for k in range(L):
                    d = x[n, c, k] - mu
                    centered[n, c, k] = d
                    out[n, c, k] = d * s + b


@kernel(reassociate=True, threads=True)
def _backward(grad: np.ndarray, centered: np.ndarray, invstd: np.ndarray, scale: np.ndarray,
              batch_stats: bool, input_grad: bool, gx: np.ndarray, sum_dy: np.ndarray,
              sum_dy_xhat: np.ndarray, parts: int) -> None:
    N, C, L = grad.shape
    m = N * L
    totals = np.zeros((parts, C))
    dots = np.zeros((parts, C))
    for part in prange(parts):
        for n in range(N * part // parts, N * (part + 1) // parts):
            for c in range(C):
                total = 0.0
                dot = 0.0
                for k in range(L):
                    g = grad[n, c, k]
                    total += g
                    dot += g * centered[n, c, k]
                totals[part, c] += total
                dots[part, c] += dot
    for c in range(C):
        sum_dy[c] = totals[:, c].sum()
        sum_dy_xhat[c] = dots[:, c].sum() * invstd[c]
    if not input_grad:
        return
    # dx = scale * (dy - sum dy / m - centered * invstd * sum(dy * x_hat) / m), or in
    # evaluation mode (batch_stats false) dx = scale * dy
    k_centered = np.zeros(C, dtype=grad.dtype)
    mean_dy = np.zeros(C, dtype=grad.dtype)
    if batch_stats:
        for c in range(C):
            k_centered[c] = -invstd[c] * sum_dy_xhat[c] / m
            mean_dy[c] = sum_dy[c] / m
    for part in prange(parts):
        for n in range(N * part // parts, N * (part + 1) // parts):
            for c in range(C):
                a, b, s = k_centered[c], mean_dy[c], scale[c]
                if not batch_stats:
                    for k in range(L):
                        gx[n, c, k] = grad[n, c, k] * s
                    continue
                for k in range(L):
                    gx[n, c, k] = (centered[n, c, k] * a + grad[n, c, k] - b) * s


def _parts(x: np.ndarray) -> int:
    """Runs of images to cut x into: one per kernel thread for a large batch."""
    return min(runs(x.size), x.shape[0])


def _channels(x: np.ndarray) -> np.ndarray:
    """(N, C, rest) view of an (N, C, ...) array."""
    return x.reshape(x.shape[0], x.shape[1], -1)


def batch_statistics(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Same contract as nnforge.autograd.normalization.batch_statistics."""
    if x.ndim < 2 or not same_float_arrays(x):
        return NotImplemented
    mean = np.empty(x.shape[1], dtype=x.dtype)
    var = np.empty(x.shape[1], dtype=x.dtype)
    _statistics(_channels(x), mean, var, _parts(x))
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
               has_bias, _channels(out), _channels(centered), _parts(x))
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
              bool(input_grad), _channels(gx), sum_dy, sum_dy_xhat, _parts(grad))
    return (gx if input_grad else None), sum_dy, sum_dy_xhat
