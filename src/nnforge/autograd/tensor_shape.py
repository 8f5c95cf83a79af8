"""The shape methods of `Tensor`: sizes, views (reshape, permute, expand, indexing) and the
methods that pick or rearrange values by index (gather, scatter, sort, topk, split,
repeat), one part of the class that `tensor.py` assembles.

Each method is a door into an op of `shapes` or `indexing`, whose backward moves gradient
values back to where the inputs' values came from.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Sequence, Union, cast, overload

import numpy as np
import numpy.typing as npt

from . import indexing as _indexing
from . import shapes as _shapes
from .function import Dims, Shape, TensorBase
from .indexing import ValuesIndices

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["ShapeMethods"]

# A shape given either as separate ints, `f(2, 3)`, or as one sequence, `f((2, 3))`.
Sizes = Union[int, Sequence[int]]


def _sizes_of(sizes: tuple[Sizes, ...]) -> tuple[int, ...]:
    """`f(2, 3)` and `f((2, 3))` both mean (2, 3)."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        return tuple(sizes[0])
    return cast("tuple[int, ...]", sizes)


class ShapeMethods(TensorBase):
    """The shape part of `Tensor`: sizes, views and index-driven rearrangements.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]], requires_grad=True)
    >>> x.shape, x.T.shape, x.reshape(3, 2)[0]
    ((2, 3), (3, 2), tensor([3., 1.], grad_fn=<GetItemBackward>))
    >>> values, indices = x.sort(dim=1)
    >>> indices
    tensor([[1, 2, 0],
            [0, 2, 1]])
    >>> values[:, 0].sum().backward()
    >>> x.grad
    tensor([[0., 1., 0.],
            [1., 0., 0.]])
    """

    __slots__ = ()

    # --- sizes ----------------------------------------------------------------------------
    @property
    def shape(self) -> Shape:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @overload
    def size(self, dim: None = None) -> Shape: ...

    @overload
    def size(self, dim: int) -> int: ...

    def size(self, dim: Optional[int] = None) -> Union[Shape, int]:
        return self._data.shape if dim is None else self._data.shape[dim]

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    # --- views ----------------------------------------------------------------------------
    @property
    def T(self) -> Tensor:
        return _shapes.Permute.apply(self, axes=tuple(reversed(range(self._data.ndim))))

    def t(self) -> Tensor:
        if self._data.ndim > 2:
            raise ValueError(f"t() expects a tensor with at most 2 dimensions, got "
                             f"{self._data.ndim}")
        return self.T

    def reshape(self, *shape: Sizes) -> Tensor:
        return _shapes.Reshape.apply(self, shape=_sizes_of(shape))

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return _shapes.flatten(self, start_dim, end_dim)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        axes = list(range(self._data.ndim))
        axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return _shapes.Permute.apply(self, axes=tuple(axes))

    swapaxes = transpose

    def permute(self, *axes: Sizes) -> Tensor:
        return _shapes.Permute.apply(self, axes=_sizes_of(axes))

    def unsqueeze(self, dim: int) -> Tensor:
        return _shapes.unsqueeze(self, dim)

    def squeeze(self, dim: Dims = None) -> Tensor:
        return _shapes.squeeze(self, dim)

    def expand(self, *shape: Sizes) -> Tensor:
        return _shapes.expand(self, _sizes_of(shape))

    def view_as(self, other: npt.ArrayLike) -> Tensor:
        return self.reshape(np.shape(other))

    def reshape_as(self, other: npt.ArrayLike) -> Tensor:
        return self.reshape(np.shape(other))

    def expand_as(self, other: npt.ArrayLike) -> Tensor:
        return self.expand(np.shape(other))

    def __getitem__(self, index: Any) -> Tensor:
        return _shapes.GetItem.apply(self, index=index)

    # --- values picked or rearranged by index ---------------------------------------------
    def gather(self, dim: int, index: npt.ArrayLike) -> Tensor:
        return _indexing.gather(self, dim, index)

    def scatter(self, dim: int, index: npt.ArrayLike, src: Any = None, *,
                value: Any = None) -> Tensor:
        if src is not None and not isinstance(src, TensorBase) and np.ndim(src) == 0:
            src, value = None, src
        return _indexing.scatter(self, dim, index, src, value=value)

    def sort(self, dim: int = -1, descending: bool = False,
             stable: bool = False) -> ValuesIndices:
        return _indexing.sort(self, dim, descending)

    def argsort(self, dim: int = -1, descending: bool = False) -> Tensor:
        return _indexing.sort(self, dim, descending).indices

    def topk(self, k: int, dim: int = -1, largest: bool = True,
             sorted: bool = True) -> ValuesIndices:
        return _indexing.topk(self, k, dim, largest, sorted)

    def split(self, split_size: Sizes, dim: int = 0) -> tuple[Tensor, ...]:
        return _indexing.split(self, split_size, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        return _indexing.chunk(self, chunks, dim)

    def repeat(self, *sizes: Sizes) -> Tensor:
        return _indexing.Repeat.apply(self, repeats=tuple(int(s) for s in _sizes_of(sizes)))
