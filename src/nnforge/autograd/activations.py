"""Activation ops with hand-written backward.

Core: ReLU, sigmoid, tanh, softmax and a stable log-softmax (sigmoid, tanh and softmax save
their output, from which their derivative is cheapest). The rest of the course's
activations are fused here too, each for a stated reason: one pass and one saved
array instead of the three to five temporaries of a composition, stable formulas where a
composition would overflow, and PyTorch's exact gradient conventions at the kinks.
"""
from __future__ import annotations

from typing import Optional, Union

import numpy as np

from ..backend import dispatch
from .function import Function, unbroadcast


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


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """Overflow-free logistic function: exp is only ever taken of -|x|."""
    e = np.exp(-np.abs(x))
    inv = 1 / (1 + e)
    return np.where(x >= 0, inv, e * inv)


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


class ELU(Function):
    """x for x > 0, alpha (e^x - 1) otherwise (Clevert et al. 2015).

    Fused for stability: `expm1` is only taken of min(x, 0), so large x never overflows.
    The gradient is alpha e^x for x <= 0 (so alpha at exactly 0, as in PyTorch).

    Examples
    --------
    >>> import nnforge
    >>> import nnforge.nn.functional as F
    >>> x = nnforge.tensor([-1.0, 2.0], requires_grad=True)
    >>> y = F.elu(x)
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([-0.63212055,  2.        ], grad_fn=<ELUBackward>), tensor([0.36787945, 1.        ]))
    """

    x: np.ndarray
    alpha: float
    negative_part: np.ndarray

    @staticmethod
    def forward(ctx: ELU, x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
        negative_part = x.dtype.type(alpha) * np.expm1(np.minimum(x, 0))
        ctx.x, ctx.alpha, ctx.negative_part = x, alpha, negative_part
        return np.where(x > 0, x, negative_part)

    @staticmethod
    def backward(ctx: ELU, grad: np.ndarray) -> np.ndarray:
        # d/dx alpha (e^x - 1) = alpha e^x = negative_part + alpha
        slope = ctx.negative_part + ctx.x.dtype.type(ctx.alpha)
        return np.where(ctx.x > 0, grad, grad * slope)


class Softplus(Function):
    """log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (PyTorch).

    Fused for stability: evaluated as (max(bx, 0) + log1p(e^-|bx|)) / beta, which never
    overflows (the naive log(1 + exp(bx)) is inf for bx > 88 in float32). The derivative is
    sigmoid(beta x), or 1 above the threshold. `threshold=inf` gives the exact function.

    Examples
    --------
    >>> import nnforge
    >>> import nnforge.nn.functional as F
    >>> x = nnforge.tensor([0.0, 30.0], requires_grad=True)
    >>> y = F.softplus(x)
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([ 0.6931472, 30.       ], grad_fn=<SoftplusBackward>), tensor([0.5, 1. ]))
    """

    bx: np.ndarray
    linear: np.ndarray

    @staticmethod
    def forward(ctx: Softplus, x: np.ndarray, beta: float = 1.0,
                threshold: float = 20.0) -> np.ndarray:
        bx = x * x.dtype.type(beta)
        smooth = (np.maximum(bx, 0) + np.log1p(np.exp(-np.abs(bx)))) / x.dtype.type(beta)
        linear = bx > threshold
        ctx.bx, ctx.linear = bx, linear
        return np.where(linear, x, smooth)

    @staticmethod
    def backward(ctx: Softplus, grad: np.ndarray) -> np.ndarray:
        return np.where(ctx.linear, grad, grad * _sigmoid(ctx.bx))


class Hardtanh(Function):
    """clip(x, min_val, max_val).

    Not `clamp`: PyTorch's hardtanh passes no gradient at the bounds themselves
    (min_val < x < max_val), while clamp includes them; this op keeps hardtanh's rule.

    Examples
    --------
    >>> import nnforge
    >>> import nnforge.nn.functional as F
    >>> x = nnforge.tensor([-3.0, 0.5, 3.0], requires_grad=True)
    >>> y = F.hardtanh(x)
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([-1. ,  0.5,  1. ], grad_fn=<HardtanhBackward>), tensor([0., 1., 0.]))
    """

    inside: np.ndarray

    @staticmethod
    def forward(ctx: Hardtanh, x: np.ndarray, min_val: float = -1.0,
                max_val: float = 1.0) -> np.ndarray:
        if min_val > max_val:
            raise ValueError(f"hardtanh: min_val ({min_val}) must not exceed max_val "
                             f"({max_val})")
        ctx.inside = (x > min_val) & (x < max_val)
        return np.clip(x, x.dtype.type(min_val), x.dtype.type(max_val))

    @staticmethod
    def backward(ctx: Hardtanh, grad: np.ndarray) -> np.ndarray:
        return grad * ctx.inside


def _channel_view(weight: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Reshape a per-channel vector so it broadcasts along dim 1 of the input, PyTorch's
    channel convention for PReLU (a 0-d or 1-D input has one channel)."""
    if weight.size == 1:
        return weight.reshape(())
    if len(shape) < 2 or shape[1] != weight.size:
        channels = shape[1] if len(shape) >= 2 else 1
        raise ValueError(f"prelu: weight has {weight.size} entries (one per channel) but the "
                         f"input of shape {shape} has {channels} channel(s) at dim 1")
    return weight.reshape((1, -1) + (1,) * (len(shape) - 2))


class PReLU(Function):
    """max(0, x) + a min(0, x) with a learned slope a per channel (He et al. 2015).

    `weight` has 1 or C entries (C = size of dim 1; 0-d and 1-D inputs have one
    channel). Fused: the slope's gradient sum(grad * x * [x <= 0]) over everything but
    the channel dimension is one reduction.
    The input gradient at exactly 0 is `a` (PyTorch's convention).

    Examples
    --------
    >>> import nnforge
    >>> import nnforge.nn.functional as F
    >>> x = nnforge.tensor([[-2.0, 3.0]], requires_grad=True)
    >>> a = nnforge.tensor([0.25], requires_grad=True)
    >>> y = F.prelu(x, a)
    >>> y.sum().backward()
    >>> y, x.grad, a.grad
    (tensor([[-0.5,  3. ]], grad_fn=<PReLUBackward>), tensor([[0.25, 1.  ]]), tensor([-2.]))
    """

    positive: np.ndarray
    w: np.ndarray

    @staticmethod
    def forward(ctx: PReLU, x: np.ndarray, weight: np.ndarray) -> np.ndarray:
        w = _channel_view(weight, x.shape)
        positive = x > 0
        ctx.save_for_backward(x, weight)
        ctx.positive, ctx.w = positive, w
        return np.where(positive, x, w * x)

    @staticmethod
    def backward(ctx: PReLU, grad: np.ndarray
                 ) -> tuple[Optional[np.ndarray], Optional[np.ndarray]]:
        x, weight = ctx.saved
        needs = ctx.needs_input_grad
        gx = gw = None
        if needs[0]:
            gx = np.where(ctx.positive, grad, grad * ctx.w)
        if needs[1]:
            contribution = np.where(ctx.positive, 0, grad * x)
            if weight.size == 1:
                gw = np.asarray(contribution.sum(), dtype=weight.dtype).reshape(weight.shape)
            else:
                other = (0,) + tuple(range(2, x.ndim))
                gw = contribution.sum(axis=other).reshape(weight.shape)
        return gx, gw


class Swish(Function):
    """x sigmoid(beta x) (Ramachandran et al. 2017); beta = 1 is SiLU.

    `beta` may be a plain number or an array/Tensor (learnable). Fused: one sigmoid,
    saved for backward, instead of the product graph of a composition:
    d/dx = s + beta x s (1 - s), d/dbeta = x^2 s (1 - s), with s = sigmoid(beta x).

    Examples
    --------
    >>> import nnforge
    >>> import nnforge.nn.functional as F
    >>> x = nnforge.tensor([-1.0, 0.0, 1.0], requires_grad=True)
    >>> y = F.silu(x)
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([-0.2689414,  0.       ,  0.7310586], grad_fn=<SwishBackward>), tensor([0.07232948, 0.5       , 0.92767054]))
    """

    @staticmethod
    def forward(ctx: Swish, x: np.ndarray,
                beta: Union[float, np.ndarray] = 1.0) -> np.ndarray:
        beta_array = np.asarray(beta, dtype=x.dtype)
        s = _sigmoid(beta_array * x)
        ctx.save_for_backward(x, beta_array, s)
        return x * s

    @staticmethod
    def backward(ctx: Swish, grad: np.ndarray
                 ) -> tuple[Optional[np.ndarray], Optional[np.ndarray]]:
        x, beta, s = ctx.saved
        needs = ctx.needs_input_grad
        slope = s * (1 - s)
        gx = grad * (s + beta * x * slope) if needs[0] else None
        gbeta = (unbroadcast(grad * x * x * slope, beta.shape)
                 if len(needs) > 1 and needs[1] else None)
        return gx, gbeta


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
