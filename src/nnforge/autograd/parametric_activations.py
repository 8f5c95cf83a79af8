"""The parametric members of the activation family: ELU, softplus, hardtanh, PReLU and
swish, each one fused op with PyTorch's gradient conventions at its kinks (one pass and one
saved array instead of a composition's temporaries, stable formulas where a composition
would overflow)."""
from __future__ import annotations

from typing import Optional, Union

import numpy as np

from .elementwise import stable_sigmoid as _sigmoid
from .function import Function, unbroadcast

__all__ = ["ELU", "Softplus", "Hardtanh", "PReLU", "Swish"]


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
