"""Batch normalization as one fused op (B17, H19).

Composed from primitives, batch norm records about ten nodes and keeps as many full-size
temporaries; fused, the forward keeps one (x_hat) and the backward is the closed form

    dbeta = sum dy,   dgamma = sum dy * x_hat,
    dx = gamma / (m * sqrt(var + eps)) * (m * dy - sum dy - x_hat * sum dy * x_hat),

with sums over the m = N*L (or N*H*W) values of each channel. In evaluation mode the
statistics are constants, so dx = dy * gamma / sqrt(running_var + eps).
"""
import numpy as np

from .function import Function


def _reduce_axes(ndim):
    """Batch norm statistics are per channel (dim 1): reduce over every other axis."""
    return (0,) + tuple(range(2, ndim))


def _per_channel(v, ndim):
    """Shape a (C,) vector to broadcast against an (N, C, ...) input."""
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def check_batch_statistics(shape, layer):
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
    """

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, *, running_mean=None, running_var=None,
                training=True, momentum=0.1, eps=1e-5, layer="batch_norm"):
        if weight is not None and weight.dtype != x.dtype:
            raise TypeError(f"{layer}: input dtype {x.dtype} does not match the weight dtype "
                            f"{weight.dtype}; convert the input (x.astype(np.{weight.dtype}))"
                            f" or the model (model.to(np.{x.dtype}))")
        axes = _reduce_axes(x.ndim)
        use_batch = training or running_mean is None or running_var is None
        if use_batch:
            m = check_batch_statistics(x.shape, layer)
            mean = x.mean(axis=axes, dtype=x.dtype)
            centered = x - _per_channel(mean, x.ndim)
            var = np.mean(centered * centered, axis=axes, dtype=x.dtype)   # biased
            if training and running_mean is not None and running_var is not None:
                running_mean *= 1 - momentum
                running_mean += (momentum * mean).astype(running_mean.dtype)
                running_var *= 1 - momentum
                running_var += (momentum * m / (m - 1) * var).astype(running_var.dtype)
        else:
            mean, var = running_mean.astype(x.dtype), running_var.astype(x.dtype)
            centered = x - _per_channel(mean, x.ndim)
        invstd = (1 / np.sqrt(var + eps)).astype(x.dtype)
        x_hat = centered
        x_hat *= _per_channel(invstd, x.ndim)
        out = x_hat * _per_channel(weight, x.ndim) if weight is not None else x_hat.copy()
        if bias is not None:
            out += _per_channel(bias, x.ndim)
        ctx.x_hat, ctx.invstd, ctx.weight, ctx.batch_stats = x_hat, invstd, weight, use_batch
        return out

    @staticmethod
    def backward(ctx, grad):
        x_hat, invstd, weight = ctx.x_hat, ctx.invstd, ctx.weight
        needs = ctx.needs_input_grad
        nd = grad.ndim
        axes = _reduce_axes(nd)
        sum_dy = grad.sum(axis=axes)
        n, c = grad.shape[:2]
        # per-channel dot product without a full-size temporary
        sum_dy_xhat = np.einsum("ncs,ncs->c", grad.reshape(n, c, -1), x_hat.reshape(n, c, -1))
        gx = gw = gb = None
        if needs[0]:
            scale = invstd if weight is None else weight * invstd
            if ctx.batch_stats:
                m = grad.size // grad.shape[1]
                # dx = gamma*invstd/m * (m*dy - sum dy - x_hat * sum dy*x_hat)
                gx = x_hat * _per_channel(-sum_dy_xhat / m, nd)
                gx += grad
                gx -= _per_channel(sum_dy / m, nd)
                gx *= _per_channel(scale, nd)
            else:
                gx = grad * _per_channel(scale, nd)
        if len(needs) > 1 and needs[1]:
            gw = sum_dy_xhat
        if len(needs) > 2 and needs[2]:
            gb = sum_dy
        return gx, gw, gb
