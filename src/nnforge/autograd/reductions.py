"""Reductions over one, several or all dimensions: sum, mean, max, min, product and p-norm,
plus the running sum (cumsum)."""
from __future__ import annotations

from typing import Any, Callable, ClassVar, Optional, Sequence, Union

import numpy as np

from .function import Dims, Function, Shape, normalize_dim, normalize_dims


def _expand_back(grad: np.ndarray, shape: Shape, axes: tuple[int, ...],
                 keepdim: bool) -> np.ndarray:
    """Reshape a reduced gradient so it broadcasts against the input's shape."""
    if not keepdim and axes:
        grad = np.expand_dims(grad, axes)
    return grad


class Sum(Function):
    """z = sum of x over `dim` (all dimensions when None).

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = x.sum(dim=0)
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([4., 6.], grad_fn=<SumBackward>), tensor([[1., 1.],
            [1., 1.]]))
    """

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
    """z = mean of x over `dim` (all dimensions when None).

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = x.mean(dim=1)
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([1.5, 3.5], grad_fn=<MeanBackward>), tensor([[0.5, 0.5],
            [0.5, 0.5]]))
    """

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
    """z = the largest value of x over `dim` (all dimensions when None).

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([1.0, 5.0, 5.0], requires_grad=True)
    >>> y = x.max()
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor(5., grad_fn=<MaxBackward>), tensor([0. , 0.5, 0.5]))
    """

    reduce = staticmethod(np.max)
    arg = staticmethod(np.argmax)


class Min(_Extremum):
    """z = the smallest value of x over `dim` (all dimensions when None).

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([3.0, 1.0, 2.0], requires_grad=True)
    >>> y = x.min()
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor(1., grad_fn=<MinBackward>), tensor([0., 1., 0.]))
    """

    reduce = staticmethod(np.min)
    arg = staticmethod(np.argmin)


class Cumsum(Function):
    """Running sum along `dim`; the gradient is the running sum of the gradient taken
    from the other end.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = x.cumsum(0)
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([1., 3., 6.], grad_fn=<CumsumBackward>), tensor([3., 2., 1.]))
    """

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dim: int) -> np.ndarray:
        axis = normalize_dim(dim, x.ndim, "cumsum")
        ctx.axis = axis
        return np.cumsum(x, axis=axis) if x.ndim else x.copy()

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> np.ndarray:
        if grad.ndim == 0:
            return grad
        flipped = np.flip(grad, ctx.axis)
        return np.flip(np.cumsum(flipped, axis=ctx.axis), ctx.axis)


class Prod(Function):
    """Product over `dim` (all entries when None).

    d(prod)/dx_i is the product of all the other entries, formed from running products
    from the left and from the right, so it is right even where some x_j = 0 (dividing
    the product by x_i would give nan there).

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([2.0, 0.0, 3.0], requires_grad=True)
    >>> y = x.prod()
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor(0., grad_fn=<ProdBackward>), tensor([0., 6., 0.]))
    """

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dim: Optional[int] = None,
                keepdim: bool = False) -> np.ndarray:
        ctx.shape, ctx.dim, ctx.keepdim, ctx.x = x.shape, dim, keepdim, x
        if dim is None:
            return np.asarray(np.prod(x))
        axis = normalize_dim(dim, x.ndim, "prod")
        ctx.axis = axis
        return np.prod(x, axis=axis, keepdims=keepdim) if x.ndim else x.copy()

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> np.ndarray:
        x = ctx.x
        if ctx.dim is None:
            flat = x.reshape(-1)
            return (grad * _others_product(flat, 0)).reshape(ctx.shape)
        if x.ndim == 0:
            return grad
        if not ctx.keepdim:
            grad = np.expand_dims(grad, ctx.axis)
        return grad * _others_product(x, ctx.axis)


def _others_product(x: np.ndarray, axis: int) -> np.ndarray:
    """For each entry, the product of the other entries along `axis`."""
    ones = np.ones_like(np.take(x, [0], axis=axis))
    left = np.cumprod(np.concatenate([ones, x], axis=axis), axis=axis)
    left = np.delete(left, -1, axis=axis)
    right = np.flip(np.cumprod(np.concatenate([ones, np.flip(x, axis)], axis=axis),
                               axis=axis), axis)
    right = np.delete(right, 0, axis=axis)
    return left * right


class Norm(Function):
    """The p-norm (sum |x|^p)^(1/p) over `dim` (all entries when None), for p > 0 finite.

    A primitive rather than a composition of pow, sum and sqrt: at a zero vector the
    composed gradient would be nan, while PyTorch (and the subgradient) gives 0.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([3.0, 4.0], requires_grad=True)
    >>> y = x.norm()
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor(5., grad_fn=<NormBackward>), tensor([0.6, 0.8]))
    """

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, p: float = 2.0,
                dim: Union[int, Sequence[int], None] = None, keepdim: bool = False) -> np.ndarray:
        if not (np.isfinite(p) and p > 0):
            raise ValueError(f"norm(): p must be a positive finite number here, got {p!r} "
                             f"(for p = inf use x.abs().max())")
        axes = normalize_dims(dim, x.ndim)
        ctx.x, ctx.p, ctx.axes, ctx.keepdim = x, float(p), axes, keepdim
        absx = np.abs(x)
        out = np.sum(absx ** p, axis=axes, keepdims=True) ** (1.0 / p)
        ctx.out = out
        return out if keepdim else np.squeeze(out, axes) if axes else out

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> np.ndarray:
        x, p, out = ctx.x, ctx.p, ctx.out
        if not ctx.keepdim and ctx.axes:
            grad = np.expand_dims(grad, ctx.axes)
        safe = np.where(out == 0, 1, out)
        scale = np.abs(x) ** (p - 1) * np.sign(x) / safe ** (p - 1)
        return np.where(out == 0, 0, grad * scale).astype(x.dtype, copy=False)
