"""Elementwise arithmetic with NumPy broadcasting: + - * / ** and the unary maths functions.

Any argument may be a Python or NumPy scalar or array instead of a Tensor; it is then a
constant and gets no gradient. Binary ops first bring their operands to PyTorch's result
dtype (`dtypes.promote_operands`): a float32 tensor stays float32 next to an int64 tensor,
a NumPy float64 scalar or a 0-d float64 tensor.
"""
from __future__ import annotations

from typing import Any, Callable, ClassVar, Optional

import numpy as np
import numpy.typing as npt

from .dtypes import default_float, promote_operands
from .function import Function, Gradient, Shape, unbroadcast

Pair = tuple[Gradient, Gradient]


def _shape(x: npt.ArrayLike) -> Shape:
    return np.shape(x)


def _is_bool(x: Any) -> bool:
    """A bool tensor's array or a Python bool (NumPy bools count as numbers, as in PyTorch)."""
    return isinstance(x, bool) or isinstance(x, np.ndarray) and x.dtype.kind == "b"


class Add(Function):
    """z = x + y."""

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
    """z = x - y."""

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
    """z = x * y."""

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
    """z = x / y."""

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
    """z = x ** y; d/dx = y x^(y-1), d/dy = z ln x."""

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
    """z = -x."""

    saves_inputs = False

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        return np.negative(x)

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> Gradient:
        return -grad


class Exp(Function):
    """z = e^x; the derivative is the output itself, so the output is saved."""

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
    """z = ln x."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.x = x
        return np.log(x)

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> Gradient:
        return grad / ctx.x


class Sqrt(Function):
    """z = sqrt(x); dz/dx = 1 / (2 z)."""

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
    """z = |x|; the gradient at 0 is 0 (PyTorch's convention)."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.x = x
        return np.abs(x)

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> Gradient:
        return grad * np.sign(ctx.x)


class Clamp(Function):
    """z = min(max(x, min), max); the gradient passes where min <= x <= max (inclusive,
    as in PyTorch)."""

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
        return unbroadcast(grad * share, _shape(x)), unbroadcast(grad * (1 - share), _shape(y))


class Maximum(_Pick):
    """z = max(x, y) elementwise."""

    pick = staticmethod(np.maximum)
    wins = staticmethod(np.greater)


class Minimum(_Pick):
    """z = min(x, y) elementwise."""

    pick = staticmethod(np.minimum)
    wins = staticmethod(np.less)


class Where(Function):
    """z = x where condition else y."""

    saves_inputs = False

    @staticmethod
    def forward(ctx: Function, condition: npt.ArrayLike, x: npt.ArrayLike,
                y: npt.ArrayLike) -> np.ndarray:
        x, y = promote_operands(x, y)
        condition = np.asarray(condition, dtype=bool)
        ctx.condition, ctx.shapes = condition, (_shape(x), _shape(y))
        return np.where(condition, x, y)

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> tuple[None, Gradient, Gradient]:
        c = ctx.condition
        sx, sy = ctx.shapes
        zero = np.zeros((), dtype=grad.dtype)
        return (None, unbroadcast(np.where(c, grad, zero), sx),
                unbroadcast(np.where(c, zero, grad), sy))


class Cast(Function):
    """Change the dtype; the gradient is cast back."""

    saves_inputs = False

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dtype: npt.DTypeLike) -> np.ndarray:
        ctx.dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> Gradient:
        return grad.astype(ctx.dtype)
