"""Shape ops: reshape, permute, indexing, concatenation, stacking, expand, clone.

None of these does arithmetic; their backward only moves gradient values back to where
the inputs' values came from.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from .function import Dims, Function, Shape, TensorBase, normalize_dims, unbroadcast

if TYPE_CHECKING:
    from .tensor import Tensor


class Reshape(Function):
    """View x with a new shape (one dimension may be -1).

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([1.0, 2.0], requires_grad=True)
    >>> y = x.reshape(2, 1)
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([[1.],
            [2.]], grad_fn=<ReshapeBackward>), tensor([1., 1.]))
    """

    saves_inputs = False
    is_view = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, shape: Shape) -> np.ndarray:
        ctx.shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape(): shape {tuple(shape)} is invalid for a tensor of "
                             f"shape {x.shape} ({x.size} elements)") from None

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> np.ndarray:
        return grad.reshape(ctx.shape)


class Permute(Function):
    """Reorder dimensions; transpose(d0, d1) is the two-dimension special case.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    >>> y = x.permute(1, 0)
    >>> (y * nnforge.tensor([[1.0], [2.0], [3.0]])).sum().backward()
    >>> y.shape, x.grad
    ((3, 1), tensor([[1., 2., 3.]]))
    """

    saves_inputs = False
    is_view = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, axes: Sequence[int]) -> np.ndarray:
        if sorted(a % max(x.ndim, 1) for a in axes) != list(range(x.ndim)):
            raise ValueError(f"permute(): {axes} is not a permutation of the {x.ndim} "
                             f"dimensions of a tensor of shape {x.shape}")
        ctx.axes = axes
        return np.transpose(x, axes)

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> np.ndarray:
        return np.transpose(grad, np.argsort(ctx.axes))


class Expand(Function):
    """Broadcast x to a larger shape without copying.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([[1.0], [2.0]], requires_grad=True)
    >>> y = x.expand(2, 3)
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([[1., 1., 1.],
            [2., 2., 2.]], grad_fn=<ExpandBackward>), tensor([[3.],
            [3.]]))
    """

    saves_inputs = False
    is_view = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, shape: Shape) -> np.ndarray:
        ctx.shape = x.shape
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> np.ndarray:
        return unbroadcast(grad, ctx.shape)


class Clone(Function):
    """A copy of x that stays in the graph.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([1.0, 2.0], requires_grad=True)
    >>> y = x.clone()
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([1., 2.], grad_fn=<CloneBackward>), tensor([1., 1.]))
    """

    saves_inputs = False

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        return x.copy()

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> np.ndarray:
        return grad


def _is_basic_index(index: Any) -> bool:
    """True when indexing makes a view (ints, slices, None, Ellipsis only)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis
               for i in items)


def _plain_index(index: Any) -> Any:
    """Replace Tensors inside an index by their arrays."""
    if isinstance(index, TensorBase):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, TensorBase) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


class GetItem(Function):
    """x[index] with NumPy semantics: ints, slices, None, Ellipsis, boolean masks and
    integer arrays (repeated indices accumulate their gradients).

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = x[[0, 0, 2]]
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([1., 1., 3.], grad_fn=<GetItemBackward>), tensor([2., 0., 1.]))
    """

    saves_inputs = False
    is_view = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, index: Any) -> np.ndarray:
        index = _plain_index(index)
        ctx.shape, ctx.dtype, ctx.index = x.shape, x.dtype, index
        try:
            return x[index]
        except IndexError as err:
            raise IndexError(f"index {index!r} is out of range for a tensor of shape "
                             f"{x.shape}: {err}") from None

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> np.ndarray:
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        if _is_basic_index(ctx.index):
            out[ctx.index] = grad
        else:
            np.add.at(out, ctx.index, grad)
        return out


class Cat(Function):
    """Join tensors along an existing dimension.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([1.0, 2.0], requires_grad=True)
    >>> w = nnforge.tensor([3.0], requires_grad=True)
    >>> y = nnforge.cat([x, w])
    >>> (y * nnforge.tensor([1.0, 2.0, 3.0])).sum().backward()
    >>> y, x.grad, w.grad
    (tensor([1., 2., 3.], grad_fn=<CatBackward>), tensor([1., 2.]), tensor([3.]))
    """

    saves_inputs = False

    @staticmethod
    def forward(ctx: Function, *xs: np.ndarray, dim: int = 0) -> np.ndarray:
        if not xs:
            raise ValueError("cat(): expected a non-empty sequence of tensors")
        axis = normalize_dims(dim, xs[0].ndim)[0]
        ctx.axis = axis
        ctx.splits = np.cumsum([x.shape[axis] for x in xs])[:-1]
        try:
            return np.concatenate(xs, axis=axis)
        except ValueError as err:
            raise ValueError(f"cat(): shapes {[x.shape for x in xs]} do not match except "
                             f"in dimension {dim}: {err}") from None

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.split(grad, ctx.splits, axis=ctx.axis))


class Stack(Function):
    """Join same-shaped tensors along a new dimension.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([1.0, 2.0], requires_grad=True)
    >>> w = nnforge.tensor([3.0, 4.0], requires_grad=True)
    >>> y = nnforge.stack([x, w])
    >>> (y * nnforge.tensor([[1.0], [2.0]])).sum().backward()
    >>> y, x.grad, w.grad
    (tensor([[1., 2.],
            [3., 4.]], grad_fn=<StackBackward>), tensor([1., 1.]), tensor([2., 2.]))
    """

    saves_inputs = False

    @staticmethod
    def forward(ctx: Function, *xs: np.ndarray, dim: int = 0) -> np.ndarray:
        if not xs:
            raise ValueError("stack(): expected a non-empty sequence of tensors")
        if len({x.shape for x in xs}) != 1:
            raise ValueError(f"stack(): all tensors must have the same shape, got "
                             f"{[x.shape for x in xs]}")
        axis = dim % (xs[0].ndim + 1)
        ctx.axis = axis
        return np.stack(xs, axis=axis)

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.moveaxis(grad, ctx.axis, 0))


def cat(tensors: Sequence[TensorBase], dim: int = 0) -> Tensor:
    """Concatenate tensors along `dim` (PyTorch's `torch.cat`)."""
    return Cat.apply(*tensors, dim=dim)


def stack(tensors: Sequence[TensorBase], dim: int = 0) -> Tensor:
    """Stack tensors along a new dimension `dim` (PyTorch's `torch.stack`)."""
    return Stack.apply(*tensors, dim=dim)


def flatten(x: TensorBase, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions start_dim..end_dim into one."""
    size = x._data.shape
    if not size:
        return Reshape.apply(x, shape=(1,))
    start, end = start_dim % len(size), end_dim % len(size)
    if start > end:
        raise ValueError(f"flatten(): start_dim {start_dim} comes after end_dim {end_dim}")
    shape = size[:start] + (int(np.prod(size[start:end + 1])),) + size[end + 1:]
    return Reshape.apply(x, shape=shape)


def unsqueeze(x: TensorBase, dim: int) -> Tensor:
    size = x._data.shape
    dim = dim % (len(size) + 1)
    return Reshape.apply(x, shape=size[:dim] + (1,) + size[dim:])


def squeeze(x: TensorBase, dim: Dims = None) -> Tensor:
    size = x._data.shape
    if dim is None:
        shape = tuple(n for n in size if n != 1)
    else:
        axes = normalize_dims(dim, len(size))
        shape = tuple(n for i, n in enumerate(size) if not (i in axes and n == 1))
    return Reshape.apply(x, shape=shape)


def expand(x: TensorBase, shape: Sequence[int]) -> Tensor:
    """Broadcast to `shape`; -1 keeps a dimension's size (PyTorch's `expand`)."""
    size = x._data.shape
    lead = len(shape) - len(size)
    full = tuple(size[i - lead] if s == -1 else s for i, s in enumerate(shape))
    return Expand.apply(x, shape=full)
