"""Batch normalization as one fused op.

Composed from primitives, batch norm records about ten nodes and keeps as many full-size
temporaries; fused, the forward keeps one (x - mean) and the backward is the closed form

    dbeta = sum dy,   dgamma = sum dy * x_hat,
    dx = gamma / (m * sqrt(var + eps)) * (m * dy - sum dy - x_hat * sum dy * x_hat),

with sums over the m = N*L (or N*H*W) values of each channel; x_hat = (x - mean) /
sqrt(var + eps) is folded into per-channel factors rather than stored. In evaluation mode the
statistics are constants, so dx = dy * gamma / sqrt(running_var + eps). With the numba
backend the three steps (`batch_statistics`, `normalize`, `batch_norm_backward`) run as
compiled loops over each channel (`nnforge.kernels.normalization`).
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from ..backend import dispatch
from .function import Function


def _channel_sums(x: np.ndarray) -> np.ndarray:
    """Per-channel sums of an (N, C, ...) array, reducing the long contiguous inner axis
    first (NumPy's single reduction over axes (0, 2, 3) was slower when timed)."""
    n, c = x.shape[:2]
    return x.reshape(n, c, -1).sum(axis=2).sum(axis=0)


def _channel_dots(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-channel sums of a * b, without a full-size temporary."""
    n, c = a.shape[:2]
    return np.einsum("ncs,ncs->c", a.reshape(n, c, -1), b.reshape(n, c, -1))


def _per_channel(v: np.ndarray, ndim: int) -> np.ndarray:
    """Shape a (C,) vector to broadcast against an (N, C, ...) input."""
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def check_batch_statistics(shape: tuple[int, ...], layer: str) -> int:
    """Training-mode batch norm divides by the batch variance: it needs more than one value
    per channel, or every output would be 0 (and PyTorch refuses too)."""
    m = int(np.prod(shape)) // shape[1] if len(shape) > 1 and shape[1] else 0
    if m <= 1:
        raise ValueError(
            f"{layer}: training mode needs more than one value per channel to compute a "
            f"batch variance; got input shape {tuple(shape)}. Use a batch size > 1 or call "
            f"model.eval()")
    return m


class BatchNorm(Function):
    """y = gamma * (x - mean) / sqrt(var + eps) + beta over an (N, C, *) input.

    Inputs: x, weight (gamma, (C,) or None), bias (beta, (C,) or None).
    Keywords: `running_mean`, `running_var` ((C,) arrays or None), `training`,
    `momentum` (the running-average factor for this call), `eps`, `layer` (error name).

    With `training=True` (or no running statistics) the batch mean and biased variance
    normalize, and if running statistics are given they are updated in place, like
    PyTorch's `F.batch_norm`:
    running = (1 - momentum) * running + momentum * batch statistic, using the UNBIASED
    variance m/(m-1) * var for running_var. Otherwise the running statistics normalize.

    Examples
    --------
    >>> import nnforge
    >>> import nnforge.nn.functional as F
    >>> x = nnforge.tensor([[1.0], [3.0]], requires_grad=True)
    >>> mean, var = nnforge.zeros(1), nnforge.ones(1)
    >>> y = F.batch_norm(x, mean, var, training=True, momentum=0.5)
    >>> y.sum().backward()
    >>> y, mean, var
    (tensor([[-0.999995],
            [ 0.999995]], grad_fn=<BatchNormBackward>), tensor([1.]), tensor([1.5]))
    """

    centered: np.ndarray
    invstd: np.ndarray
    scale: np.ndarray
    batch_stats: bool

    @staticmethod
    def forward(ctx: BatchNorm, x: np.ndarray, weight: Optional[np.ndarray] = None,
                bias: Optional[np.ndarray] = None, *,
                running_mean: Optional[np.ndarray] = None,
                running_var: Optional[np.ndarray] = None, training: bool = True,
                momentum: float = 0.1, eps: float = 1e-5,
                layer: str = "batch_norm") -> np.ndarray:
        if weight is not None and weight.dtype != x.dtype:
            raise TypeError(f"{layer}: input dtype {x.dtype} does not match the weight dtype "
                            f"{weight.dtype}; convert the input (x.astype(np.{weight.dtype}))"
                            f" or the model (model.to(np.{x.dtype}))")
        use_batch = training or running_mean is None or running_var is None
        if running_mean is not None and running_var is not None and not training:
            mean, var = running_mean.astype(x.dtype), running_var.astype(x.dtype)
        else:
            m = check_batch_statistics(x.shape, layer)
            mean, var = batch_statistics(x)                         # var: biased
            if training and running_mean is not None and running_var is not None:
                running_mean *= 1 - momentum
                running_mean += (momentum * mean).astype(running_mean.dtype)
                running_var *= 1 - momentum
                running_var += (momentum * m / (m - 1) * var).astype(running_var.dtype)
        invstd = (1 / np.sqrt(var + eps)).astype(x.dtype)
        # out = gamma * x_hat + beta with x_hat = centered * invstd never materialized: the
        # backward works from `centered` too (two passes fewer than building x_hat)
        scale = invstd if weight is None else (weight * invstd).astype(x.dtype)
        out, centered = normalize(x, mean, scale, bias)
        ctx.centered, ctx.invstd, ctx.scale, ctx.batch_stats = centered, invstd, scale, use_batch
        return out

    @staticmethod
    def backward(ctx: BatchNorm, grad: np.ndarray
                 ) -> tuple[Optional[np.ndarray], Optional[np.ndarray], Optional[np.ndarray]]:
        needs = ctx.needs_input_grad
        gx, sum_dy, sum_dy_xhat = batch_norm_backward(grad, ctx.centered, ctx.invstd,
                                                      ctx.scale, ctx.batch_stats, needs[0])
        gw = sum_dy_xhat if len(needs) > 1 and needs[1] else None
        gb = sum_dy if len(needs) > 2 and needs[2] else None
        return gx, gw, gb


@dispatch("batch_statistics")
def batch_statistics(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and biased variance of an (N, C, ...) input."""
    m = x.size // x.shape[1]
    mean = (_channel_sums(x) / m).astype(x.dtype)
    centered = x - _per_channel(mean, x.ndim)
    return mean, (_channel_dots(centered, centered) / m).astype(x.dtype)


@dispatch("batch_norm_normalize")
def normalize(x: np.ndarray, mean: np.ndarray, scale: np.ndarray,
              bias: Optional[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(out, centered): centered = x - mean, out = centered * scale + bias per channel
    (bias may be None)."""
    centered = x - _per_channel(mean, x.ndim)
    out = centered * _per_channel(scale, x.ndim)
    if bias is not None:
        out += _per_channel(bias, x.ndim)
    return out, centered


@dispatch("batch_norm_backward")
def batch_norm_backward(grad: np.ndarray, centered: np.ndarray, invstd: np.ndarray,
                        scale: np.ndarray, batch_stats: bool, input_grad: bool = True
                        ) -> tuple[Optional[np.ndarray], np.ndarray, np.ndarray]:
    """(dx or None, sum dy, sum dy * x_hat) per channel (see the module docstring)."""
    nd = grad.ndim
    sum_dy = _channel_sums(grad).astype(grad.dtype)
    sum_dy_xhat = (_channel_dots(grad, centered) * invstd).astype(grad.dtype)
    gx = None
    if input_grad and batch_stats:
        m = grad.size // grad.shape[1]
        # dx = scale * (dy - sum dy / m - centered * invstd * sum(dy * x_hat) / m)
        gx = np.multiply(centered, _per_channel(-invstd * sum_dy_xhat / m, nd))
        gx += grad
        gx -= _per_channel((sum_dy / m).astype(grad.dtype), nd)
        gx *= _per_channel(scale, nd)
    elif input_grad:
        gx = grad * _per_channel(scale, nd)
    return gx, sum_dy, sum_dy_xhat
