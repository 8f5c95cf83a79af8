"""The in-place methods of `Tensor` (`+=`, `add_`, `zero_`, `t[i] = v` ...), one part of the
class that `tensor.py` assembles; the ops written for them (fill, copy, masked fill,
indexed assignment) are in `inplace_ops`.

Without graph recording they write straight into the array with NumPy (`p -= lr * p.grad`
under `no_grad` costs one ufunc call); when autograd must record the change, they run the
op out of place, write the result back into the tensor's memory and make the tensor the
op's output in the graph (`_record_inplace`). Every change bumps the version counter that
saved values are checked against at backward.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

import numpy as np

from . import activations as _activations
from . import dtypes as _dtypes
from . import elementwise as _elementwise
from . import grad_mode as _grad_mode
from . import shapes as _shapes
from .dtypes import from_numpy_dtype
from .function import Function, Operand, TensorBase
from .inplace_ops import (CopyFrom, Fill, FillDiagonal, MaskedFill, SetItem, can_cast,
                          cast_error)
from .tensor_operators import scaled
from .. import random as _random

if TYPE_CHECKING:
    from typing_extensions import Self

    from .tensor import Tensor

__all__ = ["InPlaceMethods", "Fill", "CopyFrom", "MaskedFill", "FillDiagonal", "SetItem",
           "can_cast", "cast_error"]


def _array_of(x: Any) -> Any:
    return x._data if isinstance(x, TensorBase) else x


class InPlaceMethods(TensorBase):
    """The in-place part of `Tensor` (`+=`, `add_`, `zero_`, `t[i] = v` ...).

    Examples
    --------
    >>> import nnforge
    >>> w = nnforge.tensor([1.0, 2.0], requires_grad=True)
    >>> with nnforge.no_grad():
    ...     w -= 0.5 * w          # an optimizer's step: no graph, no copy
    >>> w
    tensor([0.5, 1. ], requires_grad=True)
    >>> h = w * 2
    >>> h[0] = 0.0                # recorded: no gradient flows through the replaced place
    >>> h.sum().backward()
    >>> w.grad
    tensor([0., 2.])
    """

    __slots__ = ()

    def _bump(self) -> None:
        counter = self._version
        if counter is None:
            self._version = [1]
        else:
            counter[0] += 1

    def _check_inplace(self, recording: bool) -> None:
        """Refuse the in-place changes autograd cannot follow."""
        if not _grad_mode.enabled:
            return
        if self.requires_grad and self._ctx is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation. "
                "Change parameters inside `with nnforge.no_grad():` (or change `.data`).")
        base = self._base
        if base is not None and (recording or base.requires_grad):
            if base.requires_grad and base._ctx is None:
                raise RuntimeError(
                    "a view of a leaf Variable that requires grad is being used in an in-place "
                    "operation. Change it inside `with nnforge.no_grad():`.")
            raise RuntimeError(
                "nnforge cannot record an in-place change of a view (a slice, reshape or "
                "transpose) of a tensor that is part of the graph; change the tensor itself "
                "(t[index] = value) or clone() the view first.")

    def _recording(self, *others: Any) -> bool:
        if not _grad_mode.enabled:
            return False
        if self.requires_grad:
            return True
        return any(isinstance(o, TensorBase) and o.requires_grad for o in others)

    def _record_inplace(self, op: type[Function], *args: Any, **kwargs: Any) -> Self:
        """Run `op` out of place, write the result into this tensor's memory and make this
        tensor the op's output in the graph (its old node becomes the op's input)."""
        source: TensorBase = self
        if op.saves_inputs:   # the op keeps the old values for backward: give it a copy
            source = self._make(self._data.copy(), self.requires_grad, self._ctx)
        result = op.apply(source, *args, **kwargs)
        self._write(result._data)
        if result.requires_grad:
            node = result._ctx
            self._ctx = node
            self.requires_grad = True
            if op.saves_output and node is not None and self._version is not None:
                node._output_version = (self._version, self._version[0])
        return self

    def _write(self, values: np.ndarray) -> None:
        if not can_cast(values.dtype, self._data.dtype):
            raise cast_error(values.dtype, self._data.dtype)
        np.copyto(self._data, values, casting="unsafe")
        self._bump()

    def _binary_(self, op: type[Function], ufunc: np.ufunc, other: Operand) -> Self:
        if self._recording(other):
            self._check_inplace(True)
            return self._record_inplace(op, other)
        self._check_inplace(False)
        data, value = self._data, _array_of(other)
        if type(value) is not np.ndarray or value.dtype != data.dtype:
            target = _dtypes.result_type(data, value)
            if ufunc is np.true_divide and target.kind not in "fc":
                target = _dtypes.default_float()
            if not can_cast(target, data.dtype):
                raise cast_error(target, data.dtype)
        ufunc(data, value, out=data, casting="unsafe")
        self._bump()
        return self

    def _unary_(self, op: type[Function], compute: Callable[[np.ndarray], Any],
                floating: bool = False, **kwargs: Any) -> Self:
        if self._recording():
            self._check_inplace(True)
            return self._record_inplace(op, **kwargs)
        self._check_inplace(False)
        if floating and self._data.dtype.kind not in "fc":
            raise cast_error(_dtypes.default_float(), self._data.dtype)
        compute(self._data)
        self._bump()
        return self

    def __iadd__(self, other: Operand) -> Self:
        return self._binary_(_elementwise.Add, np.add, other)

    def __isub__(self, other: Operand) -> Self:
        return self._binary_(_elementwise.Sub, np.subtract, other)

    def __imul__(self, other: Operand) -> Self:
        return self._binary_(_elementwise.Mul, np.multiply, other)

    def __itruediv__(self, other: Operand) -> Self:
        return self._binary_(_elementwise.Div, np.true_divide, other)

    def __ipow__(self, other: Operand) -> Self:
        return self._binary_(_elementwise.Pow, np.power, other)

    def add_(self, other: Operand, alpha: float = 1) -> Self:
        return self.__iadd__(scaled(other, alpha))

    def sub_(self, other: Operand, alpha: float = 1) -> Self:
        return self.__isub__(scaled(other, alpha))

    def mul_(self, other: Operand) -> Self:
        return self.__imul__(other)

    def div_(self, other: Operand) -> Self:
        return self.__itruediv__(other)

    def pow_(self, exponent: Operand) -> Self:
        return self.__ipow__(exponent)

    def neg_(self) -> Self:
        return self._unary_(_elementwise.Neg, lambda a: np.negative(a, out=a))

    def abs_(self) -> Self:
        return self._unary_(_elementwise.Abs, lambda a: np.abs(a, out=a))

    def exp_(self) -> Self:
        return self._unary_(_elementwise.Exp, lambda a: np.exp(a, out=a), floating=True)

    def log_(self) -> Self:
        return self._unary_(_elementwise.Log, lambda a: np.log(a, out=a), floating=True)

    def sqrt_(self) -> Self:
        return self._unary_(_elementwise.Sqrt, lambda a: np.sqrt(a, out=a), floating=True)

    def tanh_(self) -> Self:
        return self._unary_(_activations.Tanh, lambda a: np.tanh(a, out=a), floating=True)

    def sigmoid_(self) -> Self:
        def compute(a: np.ndarray) -> None:
            a[...] = _activations.Sigmoid.forward(_activations.Sigmoid(), a)
        return self._unary_(_activations.Sigmoid, compute, floating=True)

    def relu_(self) -> Self:
        return self._unary_(_activations.ReLU, lambda a: np.maximum(a, 0, out=a))

    def clamp_(self, min: Optional[Operand] = None, max: Optional[Operand] = None) -> Self:
        low, high = _array_of(min), _array_of(max)
        if low is None and high is None:
            raise ValueError("clamp_(): at least one of min and max must be given")
        return self._unary_(_elementwise.Clamp, lambda a: np.clip(a, low, high, out=a),
                            min=low, max=high)

    clip_ = clamp_

    def clamp_min_(self, min: Operand) -> Self:
        return self.clamp_(min=min)

    def clamp_max_(self, max: Operand) -> Self:
        return self.clamp_(max=max)

    def zero_(self) -> Self:
        return self.fill_(0)

    def fill_(self, value: Operand) -> Self:
        value = _array_of(value)
        return self._unary_(Fill, lambda a: a.fill(value), value=value)

    def copy_(self, src: Operand, non_blocking: bool = False) -> Self:
        """Copy `src`'s values (broadcast, cast to this dtype) into this tensor."""
        if self._recording(src):
            self._check_inplace(True)
            return self._record_inplace(CopyFrom, src)
        self._check_inplace(False)
        np.copyto(self._data, _array_of(src), casting="unsafe")
        self._bump()
        return self

    def masked_fill_(self, mask: Operand, value: Operand) -> Self:
        where = _bool_mask(mask, "masked_fill_")
        fill = _array_of(value)
        return self._unary_(MaskedFill, lambda a: np.copyto(a, fill, where=where),
                            mask=where, value=fill)

    def masked_fill(self, mask: Operand, value: Operand) -> Tensor:
        return MaskedFill.apply(self, mask=_bool_mask(mask, "masked_fill"),
                                value=_array_of(value))

    def fill_diagonal_(self, fill_value: float, wrap: bool = False) -> Self:
        return self._unary_(FillDiagonal,
                            lambda a: np.fill_diagonal(a, fill_value, wrap=wrap),
                            value=fill_value, wrap=wrap)

    def _random_(self, draw: Callable[[tuple[int, ...]], Any]) -> Self:
        if self._data.dtype.kind not in "fc":
            raise TypeError(f"random fill of a tensor of dtype "
                            f"{from_numpy_dtype(self._data.dtype)}: expected a "
                            "floating-point tensor")
        self._check_inplace(False)
        self._data[...] = draw(self._data.shape)
        self._bump()
        if self._ctx is not None:   # new values that do not depend on the old ones
            self._ctx = None
            self.requires_grad = False
        return self

    def uniform_(self, a: float = 0.0, b: float = 1.0,
                 generator: Optional[np.random.Generator] = None) -> Self:
        """Fill with draws from U(a, b) (the library's seeded generator by default)."""
        rng = _random.resolve_generator(generator)
        return self._random_(lambda shape: rng.uniform(a, b, shape))

    def normal_(self, mean: float = 0.0, std: float = 1.0,
                generator: Optional[np.random.Generator] = None) -> Self:
        """Fill with draws from N(mean, std^2) (the library's seeded generator by default)."""
        rng = _random.resolve_generator(generator)
        return self._random_(lambda shape: rng.normal(mean, std, shape))

    def bernoulli_(self, p: float = 0.5,
                   generator: Optional[np.random.Generator] = None) -> Self:
        rng = _random.resolve_generator(generator)
        return self._random_(lambda shape: rng.random(shape) < p)

    def exponential_(self, lambd: float = 1.0,
                     generator: Optional[np.random.Generator] = None) -> Self:
        rng = _random.resolve_generator(generator)
        return self._random_(lambda shape: rng.exponential(1.0 / lambd, shape))

    def __setitem__(self, index: Any, value: Operand) -> None:
        index = _shapes._plain_index(index)
        if self._recording(value):
            self._check_inplace(True)
            self._record_inplace(SetItem, value, index=index)
            return
        self._check_inplace(False)
        self._data[index] = _array_of(value)
        self._bump()


def _bool_mask(mask: Any, owner: str) -> np.ndarray:
    """The mask as a bool array; like PyTorch, other dtypes are refused rather than cast."""
    mask = np.asarray(_array_of(mask))
    if mask.dtype != np.bool_:
        raise TypeError(f"{owner}(): mask must be a bool tensor, got dtype {mask.dtype}")
    return mask
