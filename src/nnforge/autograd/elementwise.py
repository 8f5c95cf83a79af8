"""Elementwise maths with NumPy broadcasting: exp, log, sqrt, abs, clamp, the elementwise
maximum and minimum, where, and dtype casts; the arithmetic operators (+ - * / **) are in
`arithmetic` and re-exported here.

Any argument may be a Python or NumPy scalar or array instead of a Tensor; it is then a
constant and gets no gradient. Binary ops first bring their operands to PyTorch's result
dtype (`dtypes.promote_operands`).
"""
from __future__ import annotations

from typing import Any, Callable, ClassVar, Optional

import numpy as np
import numpy.typing as npt

from .arithmetic import Add, Div, Mul, Neg, Pair, Pow, Sub
from .dtypes import promote_operands
from .function import Function, Gradient, unbroadcast

__all__ = ["Add", "Sub", "Mul", "Div", "Pow", "Neg", "Exp", "Log", "Sqrt", "Abs", "Clamp",
           "Maximum", "Minimum", "Where", "Cast"]


class Exp(Function):
    """z = e^x; the derivative is the output itself, so the output is saved.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([0.0, 1.0], requires_grad=True)
    >>> y = x.exp()
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([1.      , 2.718282], grad_fn=<ExpBackward>), tensor([1.      , 2.718282]))
    """

    saves_inputs = False
    saves_output = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        out = np.exp(x)
        ctx.out = out
        return out

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> Gradient:
        return grad * ctx.out


class Log(Function):
    """z = ln x.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([1.0, 4.0], requires_grad=True)
    >>> y = x.log()
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([0.       , 1.3862944], grad_fn=<LogBackward>), tensor([1.  , 0.25]))
    """

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.x = x
        return np.log(x)

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> Gradient:
        return grad / ctx.x


class Sqrt(Function):
    """z = sqrt(x); dz/dx = 1 / (2 z).

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([1.0, 4.0], requires_grad=True)
    >>> y = x.sqrt()
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([1., 2.], grad_fn=<SqrtBackward>), tensor([0.5 , 0.25]))
    """

    saves_inputs = False
    saves_output = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        out = np.sqrt(x)
        ctx.out = out
        return out

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> Gradient:
        return grad / (2 * ctx.out)


class Abs(Function):
    """z = |x|; the gradient at 0 is 0 (PyTorch's convention).

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    >>> y = x.abs()
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([2., 0., 3.], grad_fn=<AbsBackward>), tensor([-1.,  0.,  1.]))
    """

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.x = x
        return np.abs(x)

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> Gradient:
        return grad * np.sign(ctx.x)


class Clamp(Function):
    """z = min(max(x, min), max); the gradient passes where min <= x <= max (inclusive,
    as in PyTorch).

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    >>> y = x.clamp(min=0.0, max=1.0)
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([0. , 0.5, 1. ], grad_fn=<ClampBackward>), tensor([0., 1., 0.]))
    """

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, min: Optional[npt.ArrayLike] = None,
                max: Optional[npt.ArrayLike] = None) -> np.ndarray:
        if min is None and max is None:
            raise ValueError("clamp(): at least one of min and max must be given")
        ctx.x, ctx.bounds = x, (min, max)
        return np.clip(x, min, max)

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> Gradient:
        low, high = ctx.bounds
        x = ctx.x
        mask = np.ones(x.shape, dtype=bool)
        if low is not None:
            mask &= x >= low
        if high is not None:
            mask &= x <= high
        return grad * mask


class _Pick(Function):
    """Shared elementwise max/min: the winner of each pair gets the gradient, and a tie
    splits it equally (PyTorch's rule)."""

    pick: ClassVar[Callable[..., Any]]   # np.maximum or np.minimum
    wins: ClassVar[Callable[..., Any]]   # np.greater or np.less: does x win against y?

    @classmethod
    def forward(cls, ctx: Function, x: npt.ArrayLike, y: npt.ArrayLike) -> np.ndarray:
        x, y = promote_operands(x, y)
        ctx.save_for_backward(x, y)
        return cls.pick(x, y)

    @classmethod
    def backward(cls, ctx: Function, grad: np.ndarray) -> Pair:
        x, y = ctx.saved
        share = np.where(np.equal(x, y), 0.5, cls.wins(x, y)).astype(grad.dtype)
        return unbroadcast(grad * share, np.shape(x)), unbroadcast(grad * (1 - share), np.shape(y))


class Maximum(_Pick):
    """z = max(x, y) elementwise.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([1.0, 3.0, 2.0], requires_grad=True)
    >>> w = nnforge.tensor([2.0], requires_grad=True)
    >>> y = x.maximum(w)
    >>> y.sum().backward()
    >>> y, x.grad, w.grad
    (tensor([2., 3., 2.], grad_fn=<MaximumBackward>), tensor([0. , 1. , 0.5]), tensor([1.5]))
    """

    pick = staticmethod(np.maximum)
    wins = staticmethod(np.greater)


class Minimum(_Pick):
    """z = min(x, y) elementwise.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([1.0, 3.0, 2.0], requires_grad=True)
    >>> w = nnforge.tensor([2.0], requires_grad=True)
    >>> y = x.minimum(w)
    >>> y.sum().backward()
    >>> y, x.grad, w.grad
    (tensor([1., 2., 2.], grad_fn=<MinimumBackward>), tensor([1. , 0. , 0.5]), tensor([1.5]))
    """

    pick = staticmethod(np.minimum)
    wins = staticmethod(np.less)


class Where(Function):
    """z = x where condition else y.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([1.0, -2.0], requires_grad=True)
    >>> y = nnforge.where(x > 0, x, 0.0)
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([1., 0.], grad_fn=<WhereBackward>), tensor([1., 0.]))
    """

    saves_inputs = False

    @staticmethod
    def forward(ctx: Function, condition: npt.ArrayLike, x: npt.ArrayLike,
                y: npt.ArrayLike) -> np.ndarray:
        x, y = promote_operands(x, y)
        condition = np.asarray(condition, dtype=bool)
        ctx.condition, ctx.shapes = condition, (np.shape(x), np.shape(y))
        return np.where(condition, x, y)

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> tuple[None, Gradient, Gradient]:
        c = ctx.condition
        sx, sy = ctx.shapes
        zero = np.zeros((), dtype=grad.dtype)
        return (None, unbroadcast(np.where(c, grad, zero), sx),
                unbroadcast(np.where(c, zero, grad), sy))


class Cast(Function):
    """Change the dtype; the gradient is cast back.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([1.5, 2.5], requires_grad=True)
    >>> y = x.double()
    >>> y.sum().backward()
    >>> y.dtype, x.grad
    (nnforge.float64, tensor([1., 1.]))
    """

    saves_inputs = False

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dtype: npt.DTypeLike) -> np.ndarray:
        ctx.dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> Gradient:
        return grad.astype(ctx.dtype)


def stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """Overflow-free logistic function 1 / (1 + e^-x): exp is only ever taken of -|x|."""
    e = np.exp(-np.abs(x))
    inv = 1 / (1 + e)
    return np.where(x >= 0, inv, e * inv)
