"""The maths methods of `Tensor`: elementwise functions, activations, reductions and matrix
products, one part of the class that `tensor.py` assembles.

Each method is a door into an op (`elementwise`, `trig`, `activations`, `reductions`,
`indexing`, `linalg`); reductions accept both PyTorch's (`dim`, `keepdim`) and NumPy's
(`axis`, `keepdims`) spellings, so `np.sum(t)` works too.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Sequence, Union, overload

import numpy as np

from . import activations as _activations
from . import elementwise as _elementwise
from . import indexing as _indexing
from . import linalg as _linalg
from . import reductions as _reductions
from . import trig as _trig
from .function import Dims, Operand, TensorBase
from .indexing import ValuesIndices

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["MathMethods"]


def _array_of(x: Any) -> Any:
    return x._data if isinstance(x, TensorBase) else x


def _reduction_args(dim: Dims, axis: Dims, keepdim: bool, keepdims: Optional[bool],
                    out: Any = None) -> tuple[Dims, bool]:
    """Accept both PyTorch (`dim`, `keepdim`) and NumPy (`axis`, `keepdims`) spellings
    (NumPy's `np.sum(t)` and friends call the method with `out=None`)."""
    if out is not None:
        raise TypeError("out= is not supported: reductions return a new tensor")
    if axis is not None:
        if dim is not None:
            raise TypeError("pass either dim= or axis=, not both")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    return dim, bool(keepdim)


def _numpy_axes(dim: Dims) -> Union[int, tuple[int, ...], None]:
    """`dim` as NumPy's `axis=`: None, an int, or a tuple (NumPy refuses a list)."""
    if dim is None or isinstance(dim, (int, np.integer)):
        return None if dim is None else int(dim)
    return tuple(dim)


def _check_ndim(name: str, tensors: Sequence[Any], ndim: int) -> None:
    shapes = [np.shape(t) for t in tensors]
    for shape in shapes:
        if len(shape) != ndim:
            raise ValueError(f"{name}(): expects {ndim}-D tensors, got shapes {shapes}")


class MathMethods(TensorBase):
    """The maths part of `Tensor`: elementwise functions, activations, reductions and
    matrix products.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([[1.0, -2.0], [3.0, 0.5]], requires_grad=True)
    >>> x.relu().sum(dim=1)
    tensor([1. , 3.5], grad_fn=<SumBackward>)
    >>> x.max(dim=1)
    ValuesIndices(values=tensor([1., 3.], grad_fn=<MaxBackward>), indices=tensor([0, 0]))
    >>> x.abs().mean().backward()
    >>> x.grad
    tensor([[ 0.25, -0.25],
            [ 0.25,  0.25]])
    """

    __slots__ = ()

    # --- elementwise ----------------------------------------------------------------------
    def exp(self) -> Tensor:
        return _elementwise.Exp.apply(self)

    def log(self) -> Tensor:
        return _elementwise.Log.apply(self)

    def sqrt(self) -> Tensor:
        return _elementwise.Sqrt.apply(self)

    def abs(self) -> Tensor:
        return _elementwise.Abs.apply(self)

    def sign(self) -> Tensor:
        return self._make(np.sign(self._data), False, None)

    def clamp(self, min: Optional[Operand] = None, max: Optional[Operand] = None) -> Tensor:
        return _elementwise.Clamp.apply(self, min=_array_of(min), max=_array_of(max))

    clip = clamp

    def maximum(self, other: Operand) -> Tensor:
        return _elementwise.Maximum.apply(self, other)

    def minimum(self, other: Operand) -> Tensor:
        return _elementwise.Minimum.apply(self, other)

    def sin(self) -> Tensor:
        return _trig.Sin.apply(self)

    def cos(self) -> Tensor:
        return _trig.Cos.apply(self)

    def tan(self) -> Tensor:
        return _trig.Tan.apply(self)

    def square(self) -> Tensor:
        return _elementwise.Mul.apply(self, self)

    def round(self, decimals: int = 0) -> Tensor:
        """Round half to even, like PyTorch; no gradient flows (it is zero almost
        everywhere)."""
        return self._make(np.round(self._data, decimals), False, None)

    # --- activations ------------------------------------------------------------------
    def relu(self) -> Tensor:
        return _activations.ReLU.apply(self)

    def sigmoid(self) -> Tensor:
        return _activations.Sigmoid.apply(self)

    def tanh(self) -> Tensor:
        return _activations.Tanh.apply(self)

    def softmax(self, dim: int = -1) -> Tensor:
        return _activations.Softmax.apply(self, dim=dim)

    def log_softmax(self, dim: int = -1) -> Tensor:
        return _activations.LogSoftmax.apply(self, dim=dim)

    # --- reductions -------------------------------------------------------------------
    def sum(self, dim: Dims = None, keepdim: bool = False, *, axis: Dims = None,
            keepdims: Optional[bool] = None, out: Any = None) -> Tensor:
        dim, keepdim = _reduction_args(dim, axis, keepdim, keepdims, out)
        return _reductions.Sum.apply(self, dim=dim, keepdim=keepdim)

    def mean(self, dim: Dims = None, keepdim: bool = False, *, axis: Dims = None,
             keepdims: Optional[bool] = None, out: Any = None) -> Tensor:
        dim, keepdim = _reduction_args(dim, axis, keepdim, keepdims, out)
        return _reductions.Mean.apply(self, dim=dim, keepdim=keepdim)

    def var(self, dim: Dims = None, keepdim: bool = False, *, unbiased: bool = True,
            correction: Optional[int] = None, axis: Dims = None,
            keepdims: Optional[bool] = None, out: Any = None) -> Tensor:
        dim, keepdim = _reduction_args(dim, axis, keepdim, keepdims, out)
        if correction is not None:
            unbiased = bool(correction)
        centred = self - self.mean(dim, keepdim=True)
        shape = self._data.shape
        count = self._data.size if dim is None else int(np.prod(
            [shape[d] for d in np.atleast_1d(dim)]))
        return (centred * centred).sum(dim, keepdim=keepdim) / max(count - int(unbiased), 1)

    def std(self, dim: Dims = None, keepdim: bool = False, *, unbiased: bool = True,
            correction: Optional[int] = None, axis: Dims = None,
            keepdims: Optional[bool] = None, out: Any = None) -> Tensor:
        return self.var(dim, keepdim, unbiased=unbiased, correction=correction, axis=axis,
                        keepdims=keepdims, out=out) ** 0.5

    @overload
    def max(self, dim: Union[int, np.integer], keepdim: bool = False) -> ValuesIndices: ...

    @overload
    def max(self, dim: Union[Sequence[int], TensorBase, None] = None, keepdim: bool = False,
            *, axis: Dims = None, keepdims: Optional[bool] = None, out: Any = None) -> Tensor: ...

    def max(self, dim: Union[Dims, np.integer, TensorBase] = None, keepdim: bool = False, *,
            axis: Dims = None, keepdims: Optional[bool] = None,
            out: Any = None) -> Union[Tensor, ValuesIndices]:
        """The largest value; with one `dim`, the named pair (values, indices) like PyTorch
        (NumPy's `axis=` spelling gives the values alone); with a tensor, the elementwise
        maximum."""
        if isinstance(dim, TensorBase):
            return self.maximum(dim)
        return self._extreme(True, dim, keepdim, axis, keepdims, out)

    @overload
    def min(self, dim: Union[int, np.integer], keepdim: bool = False) -> ValuesIndices: ...

    @overload
    def min(self, dim: Union[Sequence[int], TensorBase, None] = None, keepdim: bool = False,
            *, axis: Dims = None, keepdims: Optional[bool] = None, out: Any = None) -> Tensor: ...

    def min(self, dim: Union[Dims, np.integer, TensorBase] = None, keepdim: bool = False, *,
            axis: Dims = None, keepdims: Optional[bool] = None,
            out: Any = None) -> Union[Tensor, ValuesIndices]:
        """The smallest value; with one `dim`, the named pair (values, indices) like PyTorch;
        with a tensor, the elementwise minimum."""
        if isinstance(dim, TensorBase):
            return self.minimum(dim)
        return self._extreme(False, dim, keepdim, axis, keepdims, out)

    def _extreme(self, largest: bool, dim: Any, keepdim: bool, axis: Dims,
                 keepdims: Optional[bool], out: Any) -> Union[Tensor, ValuesIndices]:
        """max or min over `dim`: a (values, indices) pair for one dim in PyTorch's spelling,
        else the values."""
        numpy_spelling = axis is not None
        dim, keepdim = _reduction_args(dim, axis, keepdim, keepdims, out)
        if isinstance(dim, (int, np.integer)) and not numpy_spelling:
            return _indexing.extremum(self, dim, keepdim, largest=largest)
        return (_reductions.Max if largest else _reductions.Min).apply(self, dim=dim,
                                                                       keepdim=keepdim)

    def argmax(self, dim: Optional[int] = None, keepdim: bool = False) -> Tensor:
        out = np.argmax(self._data, axis=dim)
        if keepdim and dim is not None:
            out = np.expand_dims(out, dim)
        return self._make(np.asarray(out, dtype=np.int64), False, None)

    def argmin(self, dim: Optional[int] = None, keepdim: bool = False) -> Tensor:
        out = np.argmin(self._data, axis=dim)
        if keepdim and dim is not None:
            out = np.expand_dims(out, dim)
        return self._make(np.asarray(out, dtype=np.int64), False, None)

    def all(self, dim: Dims = None, keepdim: bool = False, *, axis: Dims = None,
            keepdims: Optional[bool] = None, out: Any = None) -> Tensor:
        dim, keepdim = _reduction_args(dim, axis, keepdim, keepdims, out)
        values = np.all(self._data, axis=_numpy_axes(dim), keepdims=keepdim)
        return self._make(np.asarray(values), False, None)

    def any(self, dim: Dims = None, keepdim: bool = False, *, axis: Dims = None,
            keepdims: Optional[bool] = None, out: Any = None) -> Tensor:
        dim, keepdim = _reduction_args(dim, axis, keepdim, keepdims, out)
        values = np.any(self._data, axis=_numpy_axes(dim), keepdims=keepdim)
        return self._make(np.asarray(values), False, None)

    def prod(self, dim: Optional[int] = None, keepdim: bool = False) -> Tensor:
        return _reductions.Prod.apply(self, dim=dim, keepdim=keepdim)

    def cumsum(self, dim: int) -> Tensor:
        return _reductions.Cumsum.apply(self, dim=dim)

    def norm(self, p: Union[float, str] = 2, dim: Dims = None,
             keepdim: bool = False) -> Tensor:
        if p == "fro":
            p = 2
        return _reductions.Norm.apply(self, p=p, dim=dim, keepdim=keepdim)

    # --- matrix products and comparisons of whole tensors ----------------------------------
    def mm(self, other: Operand) -> Tensor:
        """Matrix product of two 2-D tensors (no broadcasting, unlike matmul)."""
        _check_ndim("mm", (self, other), 2)
        return _linalg.MatMul.apply(self, other)

    def bmm(self, other: Operand) -> Tensor:
        """Batched matrix product of two 3-D tensors (b, n, m) @ (b, m, p)."""
        _check_ndim("bmm", (self, other), 3)
        other_shape = np.shape(_array_of(other))
        if self._data.shape[0] != other_shape[0]:
            raise ValueError(f"bmm(): batch sizes differ: {self._data.shape} and "
                             f"{other_shape}")
        return _linalg.MatMul.apply(self, other)

    def equal(self, other: Operand) -> bool:
        """True when both tensors have the same shape and values."""
        mine, theirs = self._data, np.asarray(other)
        return mine.shape == theirs.shape and bool(np.array_equal(mine, theirs))

    def allclose(self, other: Operand, rtol: float = 1e-05, atol: float = 1e-08,
                 equal_nan: bool = False) -> bool:
        return bool(np.allclose(self._data, np.asarray(other), rtol=rtol, atol=atol,
                                equal_nan=equal_nan))
