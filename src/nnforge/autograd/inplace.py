"""Ops that exist for in-place methods: fill, copy, masked fill, diagonal fill and indexed
assignment (`t[index] = v`), plus PyTorch's rule for which results may be written into a
tensor of a given dtype.

When autograd records an in-place change, the tensor method runs one of these ops out of
place and writes the result back into the tensor's memory (see `Tensor._record_inplace`).
"""
import numpy as np

from .dtypes import from_numpy_dtype
from .function import Function, unbroadcast

__all__ = ["Fill", "CopyFrom", "MaskedFill", "FillDiagonal", "SetItem", "can_cast",
           "cast_error"]


def can_cast(source, target):
    """PyTorch's in-place rule: no floating result into an integer or bool tensor, and no
    non-bool result into a bool tensor."""
    source, target = np.dtype(source), np.dtype(target)
    if source.kind in "fc" and target.kind in "iub":
        return False
    if source.kind == "c" and target.kind == "f":
        return False
    return not (target.kind == "b" and source.kind != "b")


def cast_error(source, target):
    return RuntimeError(f"result type {from_numpy_dtype(source)} can't be cast to the desired "
                        f"output type {from_numpy_dtype(target)} of an in-place operation")


class Scratch:
    """A throwaway context for calling an op's forward outside the graph."""


class Fill(Function):
    """Every element set to `value`; no gradient reaches the old values."""

    saves_inputs = False

    @staticmethod
    def forward(ctx, x, value):
        return np.full_like(x, value)

    @staticmethod
    def backward(ctx, grad):
        return None


class CopyFrom(Function):
    """x's elements replaced by `src` (broadcast and cast to x's dtype): the gradient goes to
    `src`, none to the old values."""

    saves_inputs = False

    @staticmethod
    def forward(ctx, x, src):
        ctx.src_shape = np.shape(src)
        out = np.empty_like(x)
        np.copyto(out, src, casting="unsafe")
        return out

    @staticmethod
    def backward(ctx, grad):
        return None, unbroadcast(grad, ctx.src_shape)


class MaskedFill(Function):
    """`value` where `mask` is true, x elsewhere; the filled places get no gradient."""

    saves_inputs = False

    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.mask = mask
        return np.where(mask, np.asarray(value, dtype=x.dtype), x)

    @staticmethod
    def backward(ctx, grad):
        return np.where(ctx.mask, np.zeros((), dtype=grad.dtype), grad)


class FillDiagonal(Function):
    """The main diagonal set to `value`; it gets no gradient."""

    saves_inputs = False

    @staticmethod
    def forward(ctx, x, value, wrap=False):
        ctx.wrap = wrap
        out = x.copy()
        np.fill_diagonal(out, value, wrap=wrap)
        return out

    @staticmethod
    def backward(ctx, grad):
        grad = grad.copy()
        np.fill_diagonal(grad, 0, wrap=ctx.wrap)
        return grad


class SetItem(Function):
    """x with x[index] replaced by `value` (`t[index] = value`): the replaced places pass no
    gradient to x, and `value` gets the gradient of the places it filled."""

    saves_inputs = False

    @staticmethod
    def forward(ctx, x, value, index):
        ctx.index, ctx.value_shape = index, np.shape(value)
        out = x.copy()
        out[index] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        gx = grad.copy()
        gx[ctx.index] = 0
        gv = None
        if ctx.needs_input_grad[1]:
            gv = unbroadcast(np.asarray(grad[ctx.index]), ctx.value_shape)
        return gx, gv
