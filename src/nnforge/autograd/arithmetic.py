"""Arithmetic with NumPy broadcasting: + - * / ** and unary minus.

Any argument may be a Python or NumPy scalar or array instead of a Tensor; it is then a
constant and gets no gradient. Binary ops first bring their operands to PyTorch's result
dtype (`dtypes.promote_operands`): a float32 tensor stays float32 next to an int64 tensor,
a NumPy float64 scalar or a 0-d float64 tensor. The other elementwise functions (exp, log,
abs, clamp, maximum, where ...) are in `elementwise`.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .dtypes import default_float, promote_operands
from .function import Function, Gradient, Shape, unbroadcast

__all__ = ["Add", "Sub", "Mul", "Div", "Pow", "Neg", "Pair"]

# The gradients of a binary op: one per operand.
Pair = tuple[Gradient, Gradient]


def _shape(x: npt.ArrayLike) -> Shape:
    return np.shape(x)


def _is_bool(x: Any) -> bool:
    """A bool tensor's array or a Python bool (NumPy bools count as numbers, as in PyTorch)."""
    return isinstance(x, bool) or isinstance(x, np.ndarray) and x.dtype.kind == "b"


class Add(Function):
    """z = x + y.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([1.0, 2.0], requires_grad=True)
    >>> w = nnforge.tensor([3.0], requires_grad=True)
    >>> y = x + w
    >>> y.sum().backward()
    >>> y, x.grad, w.grad
    (tensor([4., 5.], grad_fn=<AddBackward>), tensor([1., 1.]), tensor([2.]))
    """

    saves_inputs = False

    @staticmethod
    def forward(ctx: Function, x: npt.ArrayLike, y: npt.ArrayLike) -> np.ndarray:
        x, y = promote_operands(x, y)
        ctx.shapes = (_shape(x), _shape(y))
        return np.add(x, y)

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> Pair:
        sx, sy = ctx.shapes
        return unbroadcast(grad, sx), unbroadcast(grad, sy)


class Sub(Function):
    """z = x - y.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([1.0, 2.0], requires_grad=True)
    >>> w = nnforge.tensor([3.0], requires_grad=True)
    >>> y = x - w
    >>> y.sum().backward()
    >>> y, x.grad, w.grad
    (tensor([-2., -1.], grad_fn=<SubBackward>), tensor([1., 1.]), tensor([-2.]))
    """

    saves_inputs = False

    @staticmethod
    def forward(ctx: Function, x: npt.ArrayLike, y: npt.ArrayLike) -> np.ndarray:
        if _is_bool(x) or _is_bool(y):
            raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not "
                               "supported; to invert a mask use `~` or logical_not()")
        x, y = promote_operands(x, y)
        ctx.shapes = (_shape(x), _shape(y))
        return np.subtract(x, y)

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> Pair:
        sx, sy = ctx.shapes
        return unbroadcast(grad, sx), unbroadcast(-grad, sy)


class Mul(Function):
    """z = x * y.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([1.0, 2.0], requires_grad=True)
    >>> w = nnforge.tensor([3.0], requires_grad=True)
    >>> y = x * w
    >>> y.sum().backward()
    >>> y, x.grad, w.grad
    (tensor([3., 6.], grad_fn=<MulBackward>), tensor([3., 3.]), tensor([3.]))
    """

    @staticmethod
    def forward(ctx: Function, x: npt.ArrayLike, y: npt.ArrayLike) -> np.ndarray:
        x, y = promote_operands(x, y)
        ctx.save_for_backward(x, y)
        return np.multiply(x, y)

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> Pair:
        x, y = ctx.saved
        needs = ctx.needs_input_grad
        gx = unbroadcast(grad * y, _shape(x)) if needs[0] else None
        gy = unbroadcast(grad * x, _shape(y)) if needs[1] else None
        return gx, gy


class Div(Function):
    """z = x / y.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([1.0, 2.0], requires_grad=True)
    >>> w = nnforge.tensor([2.0], requires_grad=True)
    >>> y = x / w
    >>> y.sum().backward()
    >>> y, x.grad, w.grad
    (tensor([0.5, 1. ], grad_fn=<DivBackward>), tensor([0.5, 0.5]), tensor([-0.75]))
    """

    @staticmethod
    def forward(ctx: Function, x: npt.ArrayLike, y: npt.ArrayLike) -> np.ndarray:
        x, y = promote_operands(x, y)
        if np.result_type(x, y).kind not in "fc":   # integer division gives the default float
            x, y = np.asarray(x, dtype=default_float()), np.asarray(y, dtype=default_float())
        ctx.save_for_backward(x, y)
        return np.true_divide(x, y)

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> Pair:
        x, y = ctx.saved
        needs = ctx.needs_input_grad
        gx = unbroadcast(grad / y, _shape(x)) if needs[0] else None
        gy = unbroadcast(-grad * x / (y * y), _shape(y)) if needs[1] else None
        return gx, gy


class Pow(Function):
    """z = x ** y; d/dx = y x^(y-1), d/dy = z ln x.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([1.0, 2.0], requires_grad=True)
    >>> w = nnforge.tensor([2.0], requires_grad=True)
    >>> y = x ** w
    >>> y.sum().backward()
    >>> y, x.grad, w.grad
    (tensor([1., 4.], grad_fn=<PowBackward>), tensor([2., 4.]), tensor([2.7725887]))
    """

    @staticmethod
    def forward(ctx: Function, x: npt.ArrayLike, y: npt.ArrayLike) -> np.ndarray:
        x, y = promote_operands(x, y)
        if _is_bool(x) and _is_bool(y):   # PyTorch: only a bool tensor ** a Python bool
            if isinstance(y, np.ndarray):
                raise NotImplementedError("pow is not implemented for bool tensors")
            out = np.logical_or(x, not y)
            ctx.save_for_backward(x, y, out)
            return out
        out = np.power(x, y)
        ctx.save_for_backward(x, y, out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> Pair:
        x, y, out = ctx.saved
        needs = ctx.needs_input_grad
        gx = gy = None
        if needs[0]:
            if np.isscalar(y) and y == 2:
                gx = grad * 2 * x
            else:
                gx = unbroadcast(grad * y * np.power(x, y - 1), _shape(x))
        if needs[1]:
            # NOTE: ln x is -inf at x == 0; PyTorch defines the gradient there as 0.
            with np.errstate(divide="ignore", invalid="ignore"):
                log_x = np.where(np.asarray(x) > 0, np.log(np.where(np.asarray(x) > 0, x, 1)), 0)
            gy = unbroadcast(grad * out * log_x, _shape(y))
        return gx, gy


class Neg(Function):
    """z = -x.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([1.0, 2.0], requires_grad=True)
    >>> y = -x
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([-1., -2.], grad_fn=<NegBackward>), tensor([-1., -1.]))
    """

    saves_inputs = False

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        return np.negative(x)

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> Gradient:
        return -grad
