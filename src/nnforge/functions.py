"""The function forms of Tensor methods at the top level (`nnforge.sin(x)`,
`nnforge.max(x, dim=1)` ...), so that code written as `import torch` runs after
`import nnforge as torch` (the sub-packages load on first use, see `nnforge.__getattr__`).

Each function accepts a Tensor (or anything array-like, which becomes a constant tensor)
and calls the Tensor method of the same name, so there is one implementation per op.

Examples
--------
>>> import nnforge
>>> x = nnforge.tensor([[1.0, 5.0], [3.0, 2.0]])
>>> nnforge.sum(x).item(), nnforge.max(x, dim=1).indices.tolist()
(11.0, [1, 0])
>>> nnforge.add(x, 1, alpha=2).tolist()
[[3.0, 7.0], [5.0, 4.0]]
"""
from __future__ import annotations

from typing import Optional, Sequence, Union, overload

import numpy as np
import numpy.typing as npt

from .autograd import Tensor
from .autograd import indexing as _indexing
from .autograd import where as _autograd_where
from .autograd.shapes import cat, stack

__all__ = [
    "abs", "add", "all", "allclose", "any", "argmax", "argmin", "argsort",
    "bmm", "cat", "chunk", "clamp", "clip", "concat", "cos", "cumsum", "div", "eq",
    "equal", "exp", "flatten", "gather", "ge", "gt", "is_tensor", "le", "log",
    "log_softmax", "lt", "masked_fill", "matmul", "max", "maximum", "mean", "min",
    "minimum", "mm", "mul", "ne", "neg", "norm", "numel", "permute", "pow",
    "prod", "relu", "reshape", "round", "scatter", "sigmoid", "sign", "sin", "softmax",
    "sort", "split", "sqrt", "square", "squeeze", "stack", "std", "sub", "sum", "t", "tan",
    "tanh", "topk", "transpose", "unsqueeze", "var", "where",
]


Dims = Union[None, int, Sequence[int]]
"""One dimension, several, or None for all of them."""
Number = Union[int, float, bool]
Operand = Union[Tensor, npt.ArrayLike]
"""A Tensor, an array or a number: the second operand of an arithmetic op."""


def _t(x: Operand) -> Tensor:
    """`x` as a Tensor: Tensors pass through, anything else becomes a constant."""
    return x if isinstance(x, Tensor) else Tensor._make(np.asarray(x), False, None)


def is_tensor(obj: object) -> bool:
    """True for an nnforge Tensor (or Parameter)."""
    return isinstance(obj, Tensor)


def numel(input: Operand) -> int:
    """Number of elements."""
    return int(_t(input).numpy().size)


# --- arithmetic and elementwise maths -----------------------------------------------------
def _times(other: Operand, alpha: Number) -> Operand:
    """`other` scaled by `alpha`; a number stays a number, a list becomes an array."""
    if alpha == 1:
        return other
    if isinstance(other, (Tensor, np.ndarray, int, float)):
        return other * alpha
    return np.asarray(other) * alpha


def add(input: Operand, other: Operand, *, alpha: Number = 1) -> Tensor:
    """input + alpha * other."""
    return _t(input) + _times(other, alpha)


def sub(input: Operand, other: Operand, *, alpha: Number = 1) -> Tensor:
    """input - alpha * other."""
    return _t(input) - _times(other, alpha)


def mul(input: Operand, other: Operand) -> Tensor:
    return _t(input) * other


def div(input: Operand, other: Operand) -> Tensor:
    return _t(input) / other


def neg(input: Operand) -> Tensor:
    return -_t(input)


def pow(input: Operand, exponent: Operand) -> Tensor:
    """input ** exponent; either may be a number."""
    if not isinstance(input, Tensor) and isinstance(exponent, Tensor):
        return input ** exponent
    return _t(input) ** exponent


def square(input: Operand) -> Tensor:
    return _t(input).square()


def sqrt(input: Operand) -> Tensor:
    return _t(input).sqrt()


def exp(input: Operand) -> Tensor:
    return _t(input).exp()


def log(input: Operand) -> Tensor:
    return _t(input).log()


def abs(input: Operand) -> Tensor:
    return _t(input).abs()


def sign(input: Operand) -> Tensor:
    return _t(input).sign()


def round(input: Operand, *, decimals: int = 0) -> Tensor:
    return _t(input).round(decimals)


def sin(input: Operand) -> Tensor:
    return _t(input).sin()


def cos(input: Operand) -> Tensor:
    return _t(input).cos()


def tan(input: Operand) -> Tensor:
    return _t(input).tan()


def clamp(input: Operand, min: Optional[Operand] = None,
          max: Optional[Operand] = None) -> Tensor:
    return _t(input).clamp(min, max)


clip = clamp


def maximum(input: Operand, other: Operand) -> Tensor:
    return _t(input).maximum(other)


def minimum(input: Operand, other: Operand) -> Tensor:
    return _t(input).minimum(other)


def relu(input: Operand) -> Tensor:
    return _t(input).relu()


def sigmoid(input: Operand) -> Tensor:
    return _t(input).sigmoid()


def tanh(input: Operand) -> Tensor:
    return _t(input).tanh()


def softmax(input: Operand, dim: int) -> Tensor:
    return _t(input).softmax(dim)


def log_softmax(input: Operand, dim: int) -> Tensor:
    return _t(input).log_softmax(dim)


# --- matrix products ----------------------------------------------------------------------
def matmul(input: Operand, other: Operand) -> Tensor:
    return _t(input) @ other


def mm(input: Operand, mat2: Operand) -> Tensor:
    return _t(input).mm(mat2)


def bmm(input: Operand, mat2: Operand) -> Tensor:
    return _t(input).bmm(mat2)


# --- reductions ---------------------------------------------------------------------------
def sum(input: Operand, dim: Dims = None, keepdim: bool = False) -> Tensor:
    return _t(input).sum(dim, keepdim)


def mean(input: Operand, dim: Dims = None, keepdim: bool = False) -> Tensor:
    return _t(input).mean(dim, keepdim)


def prod(input: Operand, dim: Optional[int] = None, keepdim: bool = False) -> Tensor:
    return _t(input).prod(dim, keepdim)


def var(input: Operand, dim: Dims = None, keepdim: bool = False, *, unbiased: bool = True,
        correction: Optional[int] = None) -> Tensor:
    if correction is not None:
        unbiased = bool(correction)
    return _t(input).var(dim, keepdim, unbiased=unbiased)


def std(input: Operand, dim: Dims = None, keepdim: bool = False, *, unbiased: bool = True,
        correction: Optional[int] = None) -> Tensor:
    return _t(input).std(dim, keepdim, unbiased=unbiased, correction=correction)


def norm(input: Operand, p: Union[str, float] = "fro", dim: Dims = None,
         keepdim: bool = False) -> Tensor:
    return _t(input).norm(p, dim, keepdim)


def cumsum(input: Operand, dim: int) -> Tensor:
    return _t(input).cumsum(dim)


@overload
def max(input: Operand) -> Tensor: ...


@overload
def max(input: Operand, dim: Tensor) -> Tensor: ...


@overload
def max(input: Operand, dim: int, keepdim: bool = ...) -> _indexing.ValuesIndices: ...


def max(input: Operand, dim: Union[None, int, Tensor] = None,
        keepdim: bool = False) -> Union[Tensor, _indexing.ValuesIndices]:
    """The largest value; `max(x, dim)` gives (values, indices); `max(x, y)` with a tensor
    `y` is the elementwise maximum, all as in PyTorch."""
    return _t(input).max(dim, keepdim)


@overload
def min(input: Operand) -> Tensor: ...


@overload
def min(input: Operand, dim: Tensor) -> Tensor: ...


@overload
def min(input: Operand, dim: int, keepdim: bool = ...) -> _indexing.ValuesIndices: ...


def min(input: Operand, dim: Union[None, int, Tensor] = None,
        keepdim: bool = False) -> Union[Tensor, _indexing.ValuesIndices]:
    """The smallest value; `min(x, dim)` gives (values, indices); `min(x, y)` with a tensor
    `y` is the elementwise minimum."""
    return _t(input).min(dim, keepdim)


def argmax(input: Operand, dim: Optional[int] = None, keepdim: bool = False) -> Tensor:
    return _t(input).argmax(dim, keepdim)


def argmin(input: Operand, dim: Optional[int] = None, keepdim: bool = False) -> Tensor:
    return _t(input).argmin(dim, keepdim)


def all(input: Operand, dim: Dims = None, keepdim: bool = False) -> Tensor:
    return _t(input).all(dim, keepdim)


def any(input: Operand, dim: Dims = None, keepdim: bool = False) -> Tensor:
    return _t(input).any(dim, keepdim)


# --- comparisons --------------------------------------------------------------------------
def eq(input: Operand, other: Operand) -> Tensor:
    return _t(input) == other


def ne(input: Operand, other: Operand) -> Tensor:
    return _t(input) != other


def lt(input: Operand, other: Operand) -> Tensor:
    return _t(input) < other


def le(input: Operand, other: Operand) -> Tensor:
    return _t(input) <= other


def gt(input: Operand, other: Operand) -> Tensor:
    return _t(input) > other


def ge(input: Operand, other: Operand) -> Tensor:
    return _t(input) >= other


def equal(input: Operand, other: Operand) -> bool:
    """True when both have the same shape and the same values."""
    return _t(input).equal(other)


def allclose(input: Operand, other: Operand, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    return _t(input).allclose(other, rtol, atol, equal_nan)


def where(condition: Operand, input: Optional[Operand] = None,
          other: Optional[Operand] = None) -> Union[Tensor, tuple[Tensor, ...]]:
    """`input` where `condition` holds, else `other` (either may be a number); with the
    condition alone, the tuple of index tensors of its true entries."""
    condition = np.asarray(condition)
    if input is None and other is None:
        return tuple(Tensor._make(i.astype(np.int64), False, None)
                     for i in np.nonzero(condition))
    if input is None or other is None:
        raise TypeError("where(): give both input and other, or neither")
    return _autograd_where(condition, input, other)


# --- shapes and indexing ------------------------------------------------------------------
concat = cat


def reshape(input: Operand, shape: Sequence[int]) -> Tensor:
    return _t(input).reshape(shape)


def flatten(input: Operand, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    return _t(input).flatten(start_dim, end_dim)


def squeeze(input: Operand, dim: Dims = None) -> Tensor:
    return _t(input).squeeze(dim)


def unsqueeze(input: Operand, dim: int) -> Tensor:
    return _t(input).unsqueeze(dim)


def permute(input: Operand, dims: Sequence[int]) -> Tensor:
    return _t(input).permute(dims)


def transpose(input: Operand, dim0: int, dim1: int) -> Tensor:
    return _t(input).transpose(dim0, dim1)


def t(input: Operand) -> Tensor:
    return _t(input).t()


def split(tensor: Operand, split_size_or_sections: Union[int, Sequence[int]],
          dim: int = 0) -> tuple[Tensor, ...]:
    return _indexing.split(tensor, split_size_or_sections, dim)


def chunk(input: Operand, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    return _indexing.chunk(input, chunks, dim)


def gather(input: Operand, dim: int, index: Operand) -> Tensor:
    return _indexing.gather(_t(input), dim, index)


def scatter(input: Operand, dim: int, index: Operand, src: Optional[Operand] = None, *,
            value: Optional[Number] = None) -> Tensor:
    return _t(input).scatter(dim, index, src, value=value)


def sort(input: Operand, dim: int = -1, descending: bool = False,
         stable: bool = False) -> _indexing.ValuesIndices:
    return _indexing.sort(input, dim, descending)


def argsort(input: Operand, dim: int = -1, descending: bool = False) -> Tensor:
    return _indexing.sort(input, dim, descending).indices


def topk(input: Operand, k: int, dim: int = -1, largest: bool = True,
         sorted: bool = True) -> _indexing.ValuesIndices:
    return _indexing.topk(input, k, dim, largest, sorted)


def masked_fill(input: Operand, mask: Operand, value: Number) -> Tensor:
    return _t(input).masked_fill(mask, value)
