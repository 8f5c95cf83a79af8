"""Trigonometric functions: sin, cos, tan.

Courses meet them first when fitting a polynomial to sin(x); each is one elementwise op
whose derivative is another trigonometric function of the input.
"""
from __future__ import annotations

import numpy as np

from .function import Function, Gradient


class Sin(Function):
    """z = sin x; dz/dx = cos x.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([0.0, 1.5707963267948966], requires_grad=True)
    >>> y = x.sin()
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([0., 1.], grad_fn=<SinBackward>), tensor([ 1.000000e+00, -4.371139e-08]))
    """

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.x = x
        return np.sin(x)

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> Gradient:
        return grad * np.cos(ctx.x)


class Cos(Function):
    """z = cos x; dz/dx = -sin x.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([0.0, 1.5707963267948966], requires_grad=True)
    >>> y = x.cos()
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([ 1.000000e+00, -4.371139e-08], grad_fn=<CosBackward>), tensor([-0., -1.]))
    """

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.x = x
        return np.cos(x)

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> Gradient:
        return -grad * np.sin(ctx.x)


class Tan(Function):
    """z = tan x; dz/dx = 1 + tan^2 x, so the output is saved rather than the input.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([0.0, 0.7853981633974483], requires_grad=True)
    >>> y = x.tan()
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([0., 1.], grad_fn=<TanBackward>), tensor([1., 2.]))
    """

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        out = np.tan(x)
        ctx.out = out
        return out

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> Gradient:
        return grad * (1 + ctx.out * ctx.out)
