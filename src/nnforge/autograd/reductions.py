"""Reductions over one, several or all dimensions: sum, mean, max, min."""
from __future__ import annotations

from typing import Any, Callable, ClassVar

import numpy as np

from .function import Dims, Function, Shape, normalize_dims


def _expand_back(grad: np.ndarray, shape: Shape, axes: tuple[int, ...],
                 keepdim: bool) -> np.ndarray:
    """Reshape a reduced gradient so it broadcasts against the input's shape."""
    if not keepdim and axes:
        grad = np.expand_dims(grad, axes)
    return grad


class Sum(Function):
    """z = sum of x over `dim` (all dimensions when None)."""

    saves_inputs = False

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dim: Dims = None,
                keepdim: bool = False) -> np.ndarray:
        axes = normalize_dims(dim, x.ndim)
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        return np.asarray(np.sum(x, axis=axes, keepdims=keepdim))

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> np.ndarray:
        grad = _expand_back(grad, ctx.shape, ctx.axes, ctx.keepdim)
        return np.broadcast_to(grad, ctx.shape)


class Mean(Function):
    """z = mean of x over `dim` (all dimensions when None)."""

    saves_inputs = False

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dim: Dims = None,
                keepdim: bool = False) -> np.ndarray:
        axes = normalize_dims(dim, x.ndim)
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        ctx.count = int(np.prod([x.shape[a] for a in axes])) if x.ndim else 1
        return np.asarray(np.mean(x, axis=axes, keepdims=keepdim))

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> np.ndarray:
        grad = _expand_back(grad, ctx.shape, ctx.axes, ctx.keepdim) / ctx.count
        return np.broadcast_to(grad, ctx.shape)


class _Extremum(Function):
    """Shared max/min: over all elements a tie shares the gradient equally (PyTorch's
    `max()`); along one dimension it goes to the first extreme index (PyTorch's
    `max(dim)`)."""

    reduce: ClassVar[Callable[..., Any]]   # np.max or np.min
    arg: ClassVar[Callable[..., Any]]      # np.argmax or np.argmin

    @classmethod
    def forward(cls, ctx: Function, x: np.ndarray, dim: Dims = None,
                keepdim: bool = False) -> np.ndarray:
        if x.size == 0:
            raise ValueError(f"{cls.__name__.lower()}(): cannot reduce an empty tensor of "
                             f"shape {x.shape}")
        ctx.x, ctx.dim, ctx.keepdim = x, dim, keepdim
        if dim is None or x.ndim == 0 or \
                (not isinstance(dim, (int, np.integer)) and len(dim) != 1):
            axes = normalize_dims(dim, x.ndim)
            ctx.axes = axes
            out = cls.reduce(x, axis=axes, keepdims=keepdim)
            ctx.out = out
            return np.asarray(out)
        axis = normalize_dims(dim, x.ndim)[0]
        ctx.axes = (axis,)
        index = np.expand_dims(cls.arg(x, axis=axis), axis)
        ctx.index = index
        out = np.take_along_axis(x, index, axis=axis)
        return out if keepdim else np.squeeze(out, axis)

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> np.ndarray:
        x = ctx.x
        grad = _expand_back(grad, x.shape, ctx.axes, ctx.keepdim)
        if hasattr(ctx, "index"):
            out = np.zeros(x.shape, dtype=grad.dtype)
            np.put_along_axis(out, ctx.index, grad, axis=ctx.axes[0])
            return out
        peak = _expand_back(ctx.out, x.shape, ctx.axes, ctx.keepdim)
        mask = x == peak
        count = mask.sum(axis=ctx.axes, keepdims=True)
        return mask * (grad / count)


class Max(_Extremum):
    reduce = staticmethod(np.max)
    arg = staticmethod(np.argmax)


class Min(_Extremum):
    reduce = staticmethod(np.min)
    arg = staticmethod(np.argmin)
