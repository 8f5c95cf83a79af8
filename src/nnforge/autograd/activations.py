"""Core activation ops with hand-written backward: ReLU, sigmoid, tanh, softmax and a
stable log-softmax. Sigmoid, tanh and softmax save their output, from which their
derivative is cheapest."""
import numpy as np

from .function import Function


class ReLU(Function):
    """max(0, x); the gradient at exactly 0 is 0 (PyTorch's convention)."""

    @staticmethod
    def forward(ctx, x):
        out = np.maximum(x, 0)
        ctx.out = out
        return out

    @staticmethod
    def backward(ctx, grad):
        # NOTE: a mask from the output, not np.maximum's derivative, keeps 0 at x == 0.
        return grad * (ctx.out > 0)


def _sigmoid(x):
    """Overflow-free logistic function: exp is only ever taken of -|x|."""
    e = np.exp(-np.abs(x))
    inv = 1 / (1 + e)
    return np.where(x >= 0, inv, e * inv)


class Sigmoid(Function):
    """1 / (1 + e^-x); d/dx = s (1 - s)."""

    @staticmethod
    def forward(ctx, x):
        out = _sigmoid(np.asarray(x))
        ctx.out = out
        return out

    @staticmethod
    def backward(ctx, grad):
        out = ctx.out
        return grad * out * (1 - out)


class Tanh(Function):
    """tanh x; d/dx = 1 - tanh^2 x."""

    @staticmethod
    def forward(ctx, x):
        out = np.tanh(x)
        ctx.out = out
        return out

    @staticmethod
    def backward(ctx, grad):
        out = ctx.out
        return grad * (1 - out * out)


def _log_softmax(x, axis):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


class Softmax(Function):
    """e^x_i / sum_j e^x_j along `dim`, computed after subtracting the max."""

    @staticmethod
    def forward(ctx, x, dim=-1):
        shifted = np.exp(x - np.max(x, axis=dim, keepdims=True))
        out = shifted / np.sum(shifted, axis=dim, keepdims=True)
        ctx.out, ctx.dim = out, dim
        return out

    @staticmethod
    def backward(ctx, grad):
        out = ctx.out
        return out * (grad - np.sum(grad * out, axis=ctx.dim, keepdims=True))


class LogSoftmax(Function):
    """x_i - log sum_j e^x_j along `dim`, via log-sum-exp (finite for any finite x)."""

    @staticmethod
    def forward(ctx, x, dim=-1):
        out = _log_softmax(x, dim)
        ctx.out, ctx.dim = out, dim
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad - np.exp(ctx.out) * np.sum(grad, axis=ctx.dim, keepdims=True)
