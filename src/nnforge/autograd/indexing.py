"""Ops that pick, place or rearrange values by index: gather, scatter, sort, topk, the
(values, indices) form of max/min, split and chunk, repeat.

Their backward moves each gradient value back to the position its value came from;
where one input position feeds several outputs (gather with repeated indices, repeat),
the gradients add up. (`Prod`, `Cumsum` and `Norm`, once here, live in `reductions` and
are re-exported.)
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple, Optional, Sequence, Union, cast

import numpy as np
import numpy.typing as npt

from .function import Function, Gradient, Shape, TensorBase, normalize_dim, normalize_dims
from .reductions import Cumsum, Max, Min, Norm, Prod

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["ValuesIndices", "Gather", "Scatter", "Repeat", "gather", "scatter", "sort", "topk",
           "extremum", "split", "chunk", "Cumsum", "Prod", "Norm"]


class ValuesIndices(NamedTuple):
    """The named pair PyTorch returns from max(dim), min(dim), sort and topk.

    Examples
    --------
    >>> import nnforge
    >>> values, indices = nnforge.tensor([3.0, 1.0, 2.0]).sort()
    >>> values, indices
    (tensor([1., 2., 3.]), tensor([1, 2, 0]))
    """

    values: Tensor
    indices: Tensor


def _index_array(index: npt.ArrayLike, name: str) -> np.ndarray:
    index = np.asarray(index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"{name}(): index must hold integers, got dtype {index.dtype}")
    return index.astype(np.int64, copy=False)


def _full_index(index: np.ndarray, axis: int) -> tuple[np.ndarray, ...]:
    """The tuple of integer arrays that addresses, for each element of `index`, the input
    position it names along `axis` (its own position along every other axis)."""
    grids: list[np.ndarray] = list(np.indices(index.shape, sparse=True))
    grids[axis] = index
    return tuple(grids)


def _check_gather_index(x_shape: Shape, index: np.ndarray, axis: int, name: str) -> None:
    if index.ndim != len(x_shape):
        raise ValueError(f"{name}(): index must have as many dimensions as the input "
                         f"({len(x_shape)}), got shape {index.shape}")
    for d, (n, m) in enumerate(zip(x_shape, index.shape)):
        if d != axis and m > n:
            raise ValueError(f"{name}(): index shape {index.shape} is larger than the input "
                             f"shape {x_shape} at dimension {d}")
    if index.size and (index.min() < -x_shape[axis] or index.max() >= x_shape[axis]):
        raise IndexError(f"{name}(): index values must lie in [0, {x_shape[axis]}) along "
                         f"dimension {axis}, got range [{index.min()}, {index.max()}]")


class Gather(Function):
    """out[i][j][k] = x[i][index[i][j][k]][k] for dim = 1 (PyTorch's `gather`).

    `index` has the input's number of dimensions and may be smaller in every dimension
    but `dim`; repeated indices add their gradients.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = x.gather(1, nnforge.tensor([[0, 0], [1, 0]]))
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([[1., 1.],
            [4., 3.]], grad_fn=<GatherBackward>), tensor([[2., 0.],
            [1., 1.]]))
    """

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dim: int, index: npt.ArrayLike) -> np.ndarray:
        axis = normalize_dim(dim, x.ndim, "gather")
        index = _index_array(index, "gather")
        _check_gather_index(x.shape, index, axis, "gather")
        ctx.shape, ctx.where = x.shape, _full_index(index, axis)
        return x[ctx.where]

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> tuple[np.ndarray, None, None]:
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        np.add.at(out, ctx.where, grad)
        return out, None, None


class Scatter(Function):
    """A copy of x with out[i][index[i][j]] = src[i][j] for dim = 1 (PyTorch's
    `scatter`); `src` may be a tensor or a number.

    x's gradient is zero where a value was overwritten; src's gradient is the output
    gradient read back at the positions it was written to.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> src = nnforge.tensor([9.0], requires_grad=True)
    >>> y = x.scatter(0, nnforge.tensor([1]), src)
    >>> y.sum().backward()
    >>> y, x.grad, src.grad
    (tensor([1., 9., 3.], grad_fn=<ScatterBackward>), tensor([1., 0., 1.]), tensor([1.]))
    """

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dim: int, index: npt.ArrayLike,
                src: Any) -> np.ndarray:
        axis = normalize_dim(dim, x.ndim, "scatter")
        index = _index_array(index, "scatter")
        _check_gather_index(x.shape, index, axis, "scatter")
        where = _full_index(index, axis)
        ctx.where, ctx.src_is_array = where, isinstance(src, np.ndarray) and src.ndim > 0
        out = x.copy()
        if ctx.src_is_array:
            src = src[tuple(slice(0, n) for n in index.shape)]
        out[where] = src
        return out

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> tuple[np.ndarray, None, None, Gradient]:
        gx = grad.copy()
        gx[ctx.where] = 0
        gsrc = None
        if ctx.needs_input_grad[3]:
            src_shape = ctx.inputs[3].shape
            gsrc = np.zeros(src_shape, dtype=grad.dtype)
            if ctx.src_is_array:
                region = tuple(slice(0, n) for n in np.broadcast(*ctx.where).shape)
                gsrc[region] = grad[ctx.where]
            else:
                gsrc = np.asarray(grad[ctx.where].sum(), dtype=grad.dtype).reshape(src_shape)
        return gx, None, None, gsrc


def gather(input: TensorBase, dim: int, index: npt.ArrayLike) -> Tensor:
    """Values of `input` at `index` along `dim` (PyTorch's `torch.gather`)."""
    return Gather.apply(input, dim, index)


def scatter(input: TensorBase, dim: int, index: npt.ArrayLike, src: Any = None, *,
            value: Any = None) -> Tensor:
    """A copy of `input` with `src` (a tensor, or `value`) written at `index` along `dim`
    (PyTorch's `torch.scatter`)."""
    if (src is None) == (value is None):
        raise TypeError("scatter(): give exactly one of src and value")
    return Scatter.apply(input, dim, index, value if src is None else src)


def sort(input: Union[TensorBase, npt.ArrayLike], dim: int = -1, descending: bool = False,
         stable: bool = False) -> ValuesIndices:
    """(values, indices) of `input` sorted along `dim`; equal values keep their order.

    The values are a `gather` of the input, so gradients flow back to where each sorted
    value came from.
    """
    x = _as_tensor(input)
    axis = normalize_dim(dim, x.ndim, "sort")
    if not x.ndim:
        return ValuesIndices(x.clone(), _make(np.zeros((), np.int64), False, None))
    keys = x.numpy()
    if keys.dtype.kind in "bu":
        keys = keys.astype(np.int64)
    # NOTE: a stable sort of -x keeps equal values in their original order when descending
    order = np.argsort(-keys if descending else keys, axis=axis, kind="stable")
    return ValuesIndices(Gather.apply(x, axis, order),
                         _make(order.astype(np.int64), False, None))


def topk(input: Union[TensorBase, npt.ArrayLike], k: int, dim: int = -1, largest: bool = True,
         sorted: bool = True) -> ValuesIndices:
    """(values, indices) of the `k` largest (or smallest) entries along `dim`."""
    x = _as_tensor(input)
    axis = normalize_dim(dim, x.ndim, "topk")
    size = x.shape[axis] if x.ndim else 1
    if not isinstance(k, (int, np.integer)) or not 0 <= k <= size:
        raise ValueError(f"topk(): k must be an int in [0, {size}] for dimension {dim} of "
                         f"size {size}, got {k!r}")
    _, order = sort(x, axis, descending=largest)
    picked = order.numpy()[(slice(None),) * axis + (slice(0, int(k)),)] if x.ndim \
        else order.numpy()
    return ValuesIndices(gather(x, axis, picked) if x.ndim else x.clone(),
                         _make(np.ascontiguousarray(picked), False, None))


def extremum(input: Union[TensorBase, npt.ArrayLike], dim: Union[int, np.integer], keepdim: bool,
             largest: bool) -> ValuesIndices:
    """max(dim) / min(dim): (values, indices) of the first extreme entry along `dim`."""
    x = _as_tensor(input)
    axis = normalize_dims(dim, x.ndim)
    values = (Max if largest else Min).apply(x, dim=dim, keepdim=keepdim)
    if not axis:                                  # a 0-d tensor: the value itself, index 0
        return ValuesIndices(values, _make(np.zeros((), np.int64), False, None))
    pick = np.argmax if largest else np.argmin
    indices = pick(x.numpy(), axis=axis[0], keepdims=keepdim).astype(np.int64)
    return ValuesIndices(values, _make(indices, False, None))


def split(tensor: Union[TensorBase, npt.ArrayLike],
          split_size_or_sections: Union[int, Sequence[int]], dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of `tensor` along `dim`: of size `split_size_or_sections` each (the last may
    be smaller), or of the listed sizes (PyTorch's `torch.split`)."""
    x = _as_tensor(tensor)
    axis = normalize_dim(dim, x.ndim, "split")
    size = x.shape[axis]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step <= 0:
            raise ValueError(f"split(): split_size must be positive, got {step}")
        sizes = [min(step, size - start) for start in range(0, size, step)] or [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != size:
            raise ValueError(f"split(): sizes {sizes} add up to {sum(sizes)}, but dimension "
                             f"{dim} has size {size}")
    pieces, start = [], 0
    for n in sizes:
        pieces.append(x[(slice(None),) * axis + (slice(start, start + n),)])
        start += n
    return tuple(pieces)


def chunk(input: Union[TensorBase, npt.ArrayLike], chunks: int,
          dim: int = 0) -> tuple[Tensor, ...]:
    """`chunks` pieces of (nearly) equal size along `dim`; as in PyTorch, each piece has
    ceil(size / chunks) entries, so fewer pieces may come back."""
    x = _as_tensor(input)
    if not isinstance(chunks, (int, np.integer)) or chunks <= 0:
        raise ValueError(f"chunk(): chunks must be a positive int, got {chunks!r}")
    size = x.shape[normalize_dim(dim, x.ndim, "chunk")]
    return split(x, max(-(-size // int(chunks)), 1), dim)


class Repeat(Function):
    """Tile x `repeats[d]` times along each dimension (PyTorch's `Tensor.repeat`); extra
    leading repeats add new dimensions.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([1.0, 2.0], requires_grad=True)
    >>> y = x.repeat(2)
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([1., 2., 1., 2.], grad_fn=<RepeatBackward>), tensor([2., 2.]))
    """

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, repeats: Sequence[int]) -> np.ndarray:
        if len(repeats) < x.ndim:
            raise ValueError(f"repeat(): got {len(repeats)} repeat counts for a tensor with "
                             f"{x.ndim} dimensions; give at least one per dimension")
        shape = (1,) * (len(repeats) - x.ndim) + x.shape
        ctx.shape, ctx.full, ctx.repeats = x.shape, shape, repeats
        return np.tile(x.reshape(shape), repeats)

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> np.ndarray:
        split_shape = []
        for r, n in zip(ctx.repeats, ctx.full):
            split_shape += [r, n]
        summed = grad.reshape(split_shape).sum(axis=tuple(range(0, len(split_shape), 2)))
        return summed.reshape(ctx.shape)


def _as_tensor(x: Union[TensorBase, npt.ArrayLike]) -> Tensor:
    return cast("Tensor", x) if isinstance(x, TensorBase) else _make(np.asarray(x), False, None)


def _make(data: Any, requires_grad: bool, ctx: Optional[Function]) -> Tensor:
    """A Tensor around `data` (the ops module cannot import the Tensor class: see
    `function.TensorBase`)."""
    return TensorBase._concrete._make(data, requires_grad, ctx)
