"""Activation ops with hand-written backward.

Core: ReLU, sigmoid, tanh, softmax and a stable log-softmax (sigmoid, tanh and softmax save
their output, from which their derivative is cheapest). The rest of the course's
activations are fused here too, each for a stated reason: one pass and one saved
array instead of the three to five temporaries of a composition, stable formulas where a
composition would overflow, and PyTorch's exact gradient conventions at the kinks. The
parametric ones (ELU, softplus, hardtanh, PReLU, swish) live in `parametric_activations`.
"""
from __future__ import annotations

from typing import Optional, Union

import numpy as np

from ..backend import dispatch
from .elementwise import stable_sigmoid as _sigmoid
from .function import Function, unbroadcast
from .parametric_activations import ELU, Hardtanh, PReLU, Softplus, Swish  # re-exported


class ReLU(Function):
    """max(0, x); the gradient at exactly 0 is 0 (PyTorch's convention).

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> y = x.relu()
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([0., 0., 2.], grad_fn=<ReLUBackward>), tensor([0., 0., 1.]))
    """

    saves_inputs = False
    saves_output = True
    out: np.ndarray

    @staticmethod
    def forward(ctx: ReLU, x: np.ndarray) -> np.ndarray:
        out = relu(x)
        ctx.out = out
        return out

    @staticmethod
    def backward(ctx: ReLU, grad: np.ndarray) -> np.ndarray:
        return relu_backward(grad, ctx.out)


@dispatch("relu")
def relu(x: np.ndarray) -> np.ndarray:
    """max(0, x) elementwise."""
    return np.maximum(x, 0)


@dispatch("relu_backward")
def relu_backward(grad: np.ndarray, out: np.ndarray) -> np.ndarray:
    """grad where the output is positive, else 0 (so 0 at x == 0)."""
    # NOTE: the mask is cast first: NumPy's float * bool product runs a slow casting loop
    return grad * (out > 0).astype(grad.dtype)


class Sigmoid(Function):
    """1 / (1 + e^-x); d/dx = s (1 - s).

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([0.0, 2.0], requires_grad=True)
    >>> y = x.sigmoid()
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([0.5     , 0.880797], grad_fn=<SigmoidBackward>), tensor([0.25      , 0.10499363]))
    """

    saves_inputs = False
    saves_output = True
    out: np.ndarray

    @staticmethod
    def forward(ctx: Sigmoid, x: np.ndarray) -> np.ndarray:
        out = _sigmoid(np.asarray(x))
        ctx.out = out
        return out

    @staticmethod
    def backward(ctx: Sigmoid, grad: np.ndarray) -> np.ndarray:
        out = ctx.out
        return grad * out * (1 - out)


class Tanh(Function):
    """tanh x; d/dx = 1 - tanh^2 x.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([0.0, 1.0], requires_grad=True)
    >>> y = x.tanh()
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([0.       , 0.7615942], grad_fn=<TanhBackward>), tensor([1.        , 0.41997433]))
    """

    saves_inputs = False
    saves_output = True
    out: np.ndarray

    @staticmethod
    def forward(ctx: Tanh, x: np.ndarray) -> np.ndarray:
        out = np.tanh(x)
        ctx.out = out
        return out

    @staticmethod
    def backward(ctx: Tanh, grad: np.ndarray) -> np.ndarray:
        out = ctx.out
        return grad * (1 - out * out)


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    with np.errstate(over="ignore"):  # x - max is -inf only when that is the right answer
        shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


class Softmax(Function):
    """e^x_i / sum_j e^x_j along `dim`, computed after subtracting the max.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    >>> p = nnforge.softmax(x, dim=1)
    >>> p[0, 2].backward()
    >>> p, x.grad
    (tensor([[0.09003057, 0.24472846, 0.66524094]], grad_fn=<SoftmaxBackward>), tensor([[-0.05989202, -0.1628034 ,  0.22269543]]))
    """

    saves_inputs = False
    saves_output = True
    out: np.ndarray
    dim: int

    @staticmethod
    def forward(ctx: Softmax, x: np.ndarray, dim: int = -1) -> np.ndarray:
        with np.errstate(over="ignore"):
            shifted = np.exp(x - np.max(x, axis=dim, keepdims=True))
        out = shifted / np.sum(shifted, axis=dim, keepdims=True)
        ctx.out, ctx.dim = out, dim
        return out

    @staticmethod
    def backward(ctx: Softmax, grad: np.ndarray) -> np.ndarray:
        out = ctx.out
        return out * (grad - np.sum(grad * out, axis=ctx.dim, keepdims=True))


class LogSoftmax(Function):
    """x_i - log sum_j e^x_j along `dim`, via log-sum-exp (finite for any finite x).

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    >>> y = nnforge.log_softmax(x, dim=1)
    >>> y[0, 0].backward()
    >>> y, x.grad
    (tensor([[-2.4076061, -1.407606 , -0.407606 ]], grad_fn=<LogSoftmaxBackward>), tensor([[ 0.90996945, -0.24472848, -0.66524094]]))
    """

    saves_inputs = False
    saves_output = True
    out: np.ndarray
    dim: int

    @staticmethod
    def forward(ctx: LogSoftmax, x: np.ndarray, dim: int = -1) -> np.ndarray:
        out = _log_softmax(x, dim)
        ctx.out, ctx.dim = out, dim
        return out

    @staticmethod
    def backward(ctx: LogSoftmax, grad: np.ndarray) -> np.ndarray:
        return grad - np.exp(ctx.out) * np.sum(grad, axis=ctx.dim, keepdims=True)


class LeakyReLU(Function):
    """x for x > 0, negative_slope * x otherwise.

    Fused (vs `where(x > 0, x, a x)`): one mask saved instead of x and the condition.
    The gradient at exactly 0 is `negative_slope` (PyTorch's convention).

    Examples
    --------
    >>> import nnforge
    >>> import nnforge.nn.functional as F
    >>> x = nnforge.tensor([-2.0, 3.0], requires_grad=True)
    >>> y = F.leaky_relu(x, 0.1)
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([-0.2,  3. ], grad_fn=<LeakyReLUBackward>), tensor([0.1, 1. ]))
    """

    positive: np.ndarray
    slope: float

    @staticmethod
    def forward(ctx: LeakyReLU, x: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
        out, ctx.positive = leaky_relu(x, negative_slope)
        ctx.slope = negative_slope
        return out

    @staticmethod
    def backward(ctx: LeakyReLU, grad: np.ndarray) -> np.ndarray:
        return leaky_relu_backward(grad, ctx.positive, ctx.slope)


@dispatch("leaky_relu")
def leaky_relu(x: np.ndarray, negative_slope: float) -> tuple[np.ndarray, np.ndarray]:
    """(out, positive): x where x > 0, else negative_slope * x; and the mask x > 0."""
    positive = x > 0
    return np.where(positive, x, x * x.dtype.type(negative_slope)), positive


@dispatch("leaky_relu_backward")
def leaky_relu_backward(grad: np.ndarray, positive: np.ndarray,
                        negative_slope: float) -> np.ndarray:
    """grad where the input was positive, else negative_slope * grad."""
    return np.where(positive, grad, grad * grad.dtype.type(negative_slope))


class Sign(Function):
    """sign(x) in {-1, 0, 1}, and its straight-through estimator.

    The true derivative is 0 almost everywhere, so by default no gradient flows (as
    `torch.sign`). With `straight_through=True` the backward pretends the forward was
    hardtanh: the gradient passes where |x| <= 1 and is cut outside (Hubara et al. 2016),
    which lets sign units train.

    Examples
    --------
    >>> import nnforge
    >>> import nnforge.nn.functional as F
    >>> x = nnforge.tensor([-0.5, 0.0, 2.0], requires_grad=True)
    >>> y = F.sign(x, straight_through=True)
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([-1.,  0.,  1.], grad_fn=<SignBackward>), tensor([1., 1., 0.]))
    """

    window: np.ndarray
    straight_through: bool

    @staticmethod
    def forward(ctx: Sign, x: np.ndarray, straight_through: bool = False) -> np.ndarray:
        if straight_through:
            ctx.window = np.abs(x) <= 1
        ctx.straight_through = straight_through
        return np.sign(x)

    @staticmethod
    def backward(ctx: Sign, grad: np.ndarray) -> np.ndarray:
        if ctx.straight_through:
            return grad * ctx.window
        return np.zeros_like(grad)


class Step(Function):
    """Heaviside step: 1 for x >= 0, 0 for x < 0, and its straight-through estimator.

    By default no gradient flows (the derivative is 0 almost everywhere). With
    `straight_through=True` the backward is the identity's: the upstream gradient passes
    unchanged (Bengio et al. 2013).

    Examples
    --------
    >>> import nnforge
    >>> import nnforge.nn.functional as F
    >>> x = nnforge.tensor([-0.5, 0.0, 2.0], requires_grad=True)
    >>> y = F.step(x, straight_through=True)
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([0., 1., 1.], grad_fn=<StepBackward>), tensor([1., 1., 1.]))
    """

    straight_through: bool

    @staticmethod
    def forward(ctx: Step, x: np.ndarray, straight_through: bool = False) -> np.ndarray:
        ctx.straight_through = straight_through
        return (x >= 0).astype(x.dtype)

    @staticmethod
    def backward(ctx: Step, grad: np.ndarray) -> np.ndarray:
        return grad if ctx.straight_through else np.zeros_like(grad)
