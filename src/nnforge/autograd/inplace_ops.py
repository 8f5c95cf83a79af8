"""Ops that exist for in-place methods: fill, copy, masked fill, diagonal fill and indexed
assignment (`t[index] = v`), plus PyTorch's rule for which results may be written into a
tensor of a given dtype.

The in-place methods that use them (`Tensor.fill_`, `Tensor.__setitem__` ...) are in
`inplace.InPlaceMethods`.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .dtypes import from_numpy_dtype
from .function import Function, Gradient, unbroadcast

__all__ = ["Fill", "CopyFrom", "MaskedFill", "FillDiagonal", "SetItem", "can_cast",
           "cast_error"]


def can_cast(source: npt.DTypeLike, target: npt.DTypeLike) -> bool:
    """PyTorch's in-place rule: no floating result into an integer or bool tensor, and no
    non-bool result into a bool tensor."""
    kind, target_kind = np.dtype(source).kind, np.dtype(target).kind
    if kind in "fc" and target_kind in "iub":
        return False
    if kind == "c" and target_kind == "f":
        return False
    return not (target_kind == "b" and kind != "b")


def cast_error(source: npt.DTypeLike, target: npt.DTypeLike) -> RuntimeError:
    return RuntimeError(f"result type {from_numpy_dtype(source)} can't be cast to the desired "
                        f"output type {from_numpy_dtype(target)} of an in-place operation")


class Fill(Function):
    """Every element set to `value`; no gradient reaches the old values.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([1.0, 2.0], requires_grad=True)
    >>> y = x * 2
    >>> y.fill_(7.0)
    tensor([7., 7.], grad_fn=<FillBackward>)
    >>> (y * x).sum().backward()
    >>> x.grad
    tensor([7., 7.])
    """

    saves_inputs = False

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, value: Any) -> np.ndarray:
        return np.full_like(x, value)

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> Gradient:
        return None


class CopyFrom(Function):
    """x's elements replaced by `src` (broadcast and cast to x's dtype): the gradient goes to
    `src`, none to the old values.

    Examples
    --------
    >>> import nnforge
    >>> src = nnforge.tensor([5.0, 6.0], requires_grad=True)
    >>> y = nnforge.zeros(2)
    >>> y.copy_(src * 2)
    tensor([10., 12.], grad_fn=<CopyFromBackward>)
    >>> y.sum().backward()
    >>> src.grad
    tensor([2., 2.])
    """

    saves_inputs = False

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, src: npt.ArrayLike) -> np.ndarray:
        ctx.src_shape = np.shape(src)
        out = np.empty_like(x)
        np.copyto(out, src, casting="unsafe")
        return out

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> tuple[Gradient, Gradient]:
        return None, unbroadcast(grad, ctx.src_shape)


class MaskedFill(Function):
    """`value` where `mask` is true, x elsewhere; the filled places get no gradient.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([1.0, -2.0, 3.0], requires_grad=True)
    >>> y = x.masked_fill(x < 0, 0.0)
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([1., 0., 3.], grad_fn=<MaskedFillBackward>), tensor([1., 0., 1.]))
    """

    saves_inputs = False

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, mask: np.ndarray, value: Any) -> np.ndarray:
        ctx.mask = mask
        return np.where(mask, np.asarray(value, dtype=x.dtype), x)

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> Gradient:
        return np.where(ctx.mask, np.zeros((), dtype=grad.dtype), grad)


class FillDiagonal(Function):
    """The main diagonal set to `value`; it gets no gradient.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = x * 1
    >>> y.fill_diagonal_(0.0)
    tensor([[0., 2.],
            [3., 0.]], grad_fn=<FillDiagonalBackward>)
    >>> y.sum().backward()
    >>> x.grad
    tensor([[0., 1.],
            [1., 0.]])
    """

    saves_inputs = False

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, value: Any, wrap: bool = False) -> np.ndarray:
        ctx.wrap = wrap
        out = x.copy()
        np.fill_diagonal(out, value, wrap=wrap)
        return out

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> Gradient:
        grad = grad.copy()
        np.fill_diagonal(grad, 0, wrap=ctx.wrap)
        return grad


class SetItem(Function):
    """x with x[index] replaced by `value` (`t[index] = value`): the replaced places pass no
    gradient to x, and `value` gets the gradient of the places it filled.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> v = nnforge.tensor(10.0, requires_grad=True)
    >>> y = x * 1
    >>> y[1] = v
    >>> y.sum().backward()
    >>> y, x.grad, v.grad
    (tensor([ 1., 10.,  3.], grad_fn=<SetItemBackward>), tensor([1., 0., 1.]), tensor(1.))
    """

    saves_inputs = False

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, value: Any, index: Any) -> np.ndarray:
        ctx.index, ctx.value_shape = index, np.shape(value)
        out = x.copy()
        out[index] = value
        return out

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> tuple[Gradient, Gradient]:
        gx = grad.copy()
        gx[ctx.index] = 0
        gv = None
        if ctx.needs_input_grad[1]:
            gv = unbroadcast(np.asarray(grad[ctx.index]), ctx.value_shape)
        return gx, gv
