"""The function forms of Tensor methods at the top level (`nnforge.sin(x)`,
`nnforge.max(x, dim=1)` ...), so that code written as `import torch` runs after
`import nnforge as torch` (the sub-packages load on first use, see `nnforge.__getattr__`).

Each function accepts a Tensor (or anything array-like, which becomes a constant tensor)
and calls the Tensor method of the same name, so there is one implementation per op.
"""
import numpy as np

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


def _t(x):
    """`x` as a Tensor: Tensors pass through, anything else becomes a constant."""
    return x if isinstance(x, Tensor) else Tensor._make(np.asarray(x), False, None)


def is_tensor(obj):
    """True for an nnforge Tensor (or Parameter)."""
    return isinstance(obj, Tensor)


def numel(input):
    """Number of elements."""
    return int(_t(input).numpy().size)


# --- arithmetic and elementwise maths -----------------------------------------------------
def add(input, other, *, alpha=1):
    return _t(input) + (other if alpha == 1 else other * alpha)


def sub(input, other, *, alpha=1):
    return _t(input) - (other if alpha == 1 else other * alpha)


def mul(input, other):
    return _t(input) * other


def div(input, other):
    return _t(input) / other


def neg(input):
    return -_t(input)


def pow(input, exponent):
    """input ** exponent; either may be a number."""
    if not isinstance(input, Tensor) and isinstance(exponent, Tensor):
        return input ** exponent
    return _t(input) ** exponent


def square(input):
    return _t(input).square()


def sqrt(input):
    return _t(input).sqrt()


def exp(input):
    return _t(input).exp()


def log(input):
    return _t(input).log()


def abs(input):
    return _t(input).abs()


def sign(input):
    return _t(input).sign()


def round(input, *, decimals=0):
    return _t(input).round(decimals)


def sin(input):
    return _t(input).sin()


def cos(input):
    return _t(input).cos()


def tan(input):
    return _t(input).tan()


def clamp(input, min=None, max=None):
    return _t(input).clamp(min, max)


clip = clamp


def maximum(input, other):
    return _t(input).maximum(other)


def minimum(input, other):
    return _t(input).minimum(other)


def relu(input):
    return _t(input).relu()


def sigmoid(input):
    return _t(input).sigmoid()


def tanh(input):
    return _t(input).tanh()


def softmax(input, dim):
    return _t(input).softmax(dim)


def log_softmax(input, dim):
    return _t(input).log_softmax(dim)


# --- matrix products ----------------------------------------------------------------------
def matmul(input, other):
    return _t(input) @ other


def mm(input, mat2):
    return _t(input).mm(mat2)


def bmm(input, mat2):
    return _t(input).bmm(mat2)


# --- reductions ---------------------------------------------------------------------------
def sum(input, dim=None, keepdim=False):
    return _t(input).sum(dim, keepdim)


def mean(input, dim=None, keepdim=False):
    return _t(input).mean(dim, keepdim)


def prod(input, dim=None, keepdim=False):
    return _t(input).prod(dim, keepdim)


def var(input, dim=None, keepdim=False, *, unbiased=True, correction=None):
    if correction is not None:
        unbiased = bool(correction)
    return _t(input).var(dim, keepdim, unbiased=unbiased)


def std(input, dim=None, keepdim=False, *, unbiased=True, correction=None):
    return _t(input).std(dim, keepdim, unbiased=unbiased, correction=correction)


def norm(input, p="fro", dim=None, keepdim=False):
    return _t(input).norm(p, dim, keepdim)


def cumsum(input, dim):
    return _t(input).cumsum(dim)


def max(input, dim=None, keepdim=False):
    """The largest value; `max(x, dim)` gives (values, indices); `max(x, y)` with a tensor
    `y` is the elementwise maximum, all as in PyTorch."""
    return _t(input).max(dim, keepdim)


def min(input, dim=None, keepdim=False):
    """The smallest value; `min(x, dim)` gives (values, indices); `min(x, y)` with a tensor
    `y` is the elementwise minimum."""
    return _t(input).min(dim, keepdim)


def argmax(input, dim=None, keepdim=False):
    return _t(input).argmax(dim, keepdim)


def argmin(input, dim=None, keepdim=False):
    return _t(input).argmin(dim, keepdim)


def all(input, dim=None, keepdim=False):
    return _t(input).all(dim, keepdim)


def any(input, dim=None, keepdim=False):
    return _t(input).any(dim, keepdim)


# --- comparisons --------------------------------------------------------------------------
def eq(input, other):
    return _t(input) == other


def ne(input, other):
    return _t(input) != other


def lt(input, other):
    return _t(input) < other


def le(input, other):
    return _t(input) <= other


def gt(input, other):
    return _t(input) > other


def ge(input, other):
    return _t(input) >= other


def equal(input, other):
    """True when both have the same shape and the same values."""
    return _t(input).equal(other)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _t(input).allclose(other, rtol, atol, equal_nan)


def where(condition, input=None, other=None):
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


def reshape(input, shape):
    return _t(input).reshape(shape)


def flatten(input, start_dim=0, end_dim=-1):
    return _t(input).flatten(start_dim, end_dim)


def squeeze(input, dim=None):
    return _t(input).squeeze(dim)


def unsqueeze(input, dim):
    return _t(input).unsqueeze(dim)


def permute(input, dims):
    return _t(input).permute(dims)


def transpose(input, dim0, dim1):
    return _t(input).transpose(dim0, dim1)


def t(input):
    return _t(input).t()


def split(tensor, split_size_or_sections, dim=0):
    return _indexing.split(tensor, split_size_or_sections, dim)


def chunk(input, chunks, dim=0):
    return _indexing.chunk(input, chunks, dim)


def gather(input, dim, index):
    return _indexing.gather(input, dim, index)


def scatter(input, dim, index, src=None, *, value=None):
    return _t(input).scatter(dim, index, src, value=value)


def sort(input, dim=-1, descending=False, stable=False):
    return _indexing.sort(input, dim, descending)


def argsort(input, dim=-1, descending=False):
    return _indexing.sort(input, dim, descending).indices


def topk(input, k, dim=-1, largest=True, sorted=True):
    return _indexing.topk(input, k, dim, largest, sorted)


def masked_fill(input, mask, value):
    return _t(input).masked_fill(mask, value)
