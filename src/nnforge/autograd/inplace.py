"""Ops that exist for in-place methods: fill, copy, masked fill, diagonal fill and indexed
assignment (`t[index] = v`), plus PyTorch's rule for which results may be written into a
tensor of a given dtype.

`InPlaceMethods` gives `Tensor` its in-place methods. Without graph recording they write
straight into the array with NumPy (`p -= lr * p.grad` under `no_grad` costs one ufunc call);
when autograd must record the change, they run the op out of place, write the result back
into the tensor's memory and make the tensor the op's output in the graph
(`_record_inplace`). Every change bumps the version counter that saved values are checked
against at backward.
"""
import numpy as np

from . import activations as _activations
from . import dtypes as _dtypes
from . import elementwise as _elementwise
from . import grad_mode as _grad_mode
from . import shapes as _shapes
from .dtypes import from_numpy_dtype
from .function import Function, TensorBase, unbroadcast
from .. import random as _random

__all__ = ["InPlaceMethods", "Fill", "CopyFrom", "MaskedFill", "FillDiagonal", "SetItem",
           "can_cast", "cast_error"]


def _make(data, requires_grad, ctx):
    return TensorBase._concrete._make(data, requires_grad, ctx)


def _array_of(x):
    return x._data if isinstance(x, TensorBase) else x


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


class InPlaceMethods:
    """The in-place half of `Tensor` (`+=`, `add_`, `zero_`, `t[i] = v` ...)."""

    __slots__ = ()

    def _bump(self):
        counter = self._version
        if counter is None:
            self._version = [1]
        else:
            counter[0] += 1

    def _check_inplace(self, recording):
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

    def _recording(self, *others):
        if not _grad_mode.enabled:
            return False
        if self.requires_grad:
            return True
        return any(isinstance(o, TensorBase) and o.requires_grad for o in others)

    def _record_inplace(self, op, *args, **kwargs):
        """Run `op` out of place, write the result into this tensor's memory and make this
        tensor the op's output in the graph (its old node becomes the op's input)."""
        source = self
        if op.saves_inputs:   # the op keeps the old values for backward: give it a copy
            source = _make(self._data.copy(), self.requires_grad, self._ctx)
        result = op.apply(source, *args, **kwargs)
        self._write(result._data)
        if result.requires_grad:
            node = result._ctx
            self._ctx = node
            self.requires_grad = True
            if op.saves_output:
                node._output_version = (self._version, self._version[0])
        return self

    def _write(self, values):
        if not can_cast(values.dtype, self._data.dtype):
            raise cast_error(values.dtype, self._data.dtype)
        np.copyto(self._data, values, casting="unsafe")
        self._bump()

    def _binary_(self, op, ufunc, other):
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

    def _unary_(self, op, compute, floating=False, **kwargs):
        if self._recording():
            self._check_inplace(True)
            return self._record_inplace(op, **kwargs)
        self._check_inplace(False)
        if floating and self._data.dtype.kind not in "fc":
            raise cast_error(_dtypes.default_float(), self._data.dtype)
        compute(self._data)
        self._bump()
        return self

    def __iadd__(self, other):
        return self._binary_(_elementwise.Add, np.add, other)

    def __isub__(self, other):
        return self._binary_(_elementwise.Sub, np.subtract, other)

    def __imul__(self, other):
        return self._binary_(_elementwise.Mul, np.multiply, other)

    def __itruediv__(self, other):
        return self._binary_(_elementwise.Div, np.true_divide, other)

    def __ipow__(self, other):
        return self._binary_(_elementwise.Pow, np.power, other)

    def add_(self, other, alpha=1):
        return self.__iadd__(other if alpha == 1 else other * alpha)

    def sub_(self, other, alpha=1):
        return self.__isub__(other if alpha == 1 else other * alpha)

    def mul_(self, other):
        return self.__imul__(other)

    def div_(self, other):
        return self.__itruediv__(other)

    def pow_(self, exponent):
        return self.__ipow__(exponent)

    def neg_(self):
        return self._unary_(_elementwise.Neg, lambda a: np.negative(a, out=a))

    def abs_(self):
        return self._unary_(_elementwise.Abs, lambda a: np.abs(a, out=a))

    def exp_(self):
        return self._unary_(_elementwise.Exp, lambda a: np.exp(a, out=a), floating=True)

    def log_(self):
        return self._unary_(_elementwise.Log, lambda a: np.log(a, out=a), floating=True)

    def sqrt_(self):
        return self._unary_(_elementwise.Sqrt, lambda a: np.sqrt(a, out=a), floating=True)

    def tanh_(self):
        return self._unary_(_activations.Tanh, lambda a: np.tanh(a, out=a), floating=True)

    def sigmoid_(self):
        def compute(a):
            a[...] = _activations.Sigmoid.forward(Scratch(), a)
        return self._unary_(_activations.Sigmoid, compute, floating=True)

    def relu_(self):
        return self._unary_(_activations.ReLU, lambda a: np.maximum(a, 0, out=a))

    def clamp_(self, min=None, max=None):
        low, high = _array_of(min), _array_of(max)
        if low is None and high is None:
            raise ValueError("clamp_(): at least one of min and max must be given")
        return self._unary_(_elementwise.Clamp, lambda a: np.clip(a, low, high, out=a),
                            min=low, max=high)

    clip_ = clamp_

    def clamp_min_(self, min):
        return self.clamp_(min=min)

    def clamp_max_(self, max):
        return self.clamp_(max=max)

    def zero_(self):
        return self.fill_(0)

    def fill_(self, value):
        value = _array_of(value)
        return self._unary_(Fill, lambda a: a.fill(value), value=value)

    def copy_(self, src, non_blocking=False):
        """Copy `src`'s values (broadcast, cast to this dtype) into this tensor."""
        if self._recording(src):
            self._check_inplace(True)
            return self._record_inplace(CopyFrom, src)
        self._check_inplace(False)
        np.copyto(self._data, _array_of(src), casting="unsafe")
        self._bump()
        return self

    def masked_fill_(self, mask, value):
        mask = _bool_mask(mask, "masked_fill_")
        value = _array_of(value)
        return self._unary_(MaskedFill, lambda a: np.copyto(a, value, where=mask),
                            mask=mask, value=value)

    def masked_fill(self, mask, value):
        return MaskedFill.apply(self, mask=_bool_mask(mask, "masked_fill"),
                                value=_array_of(value))

    def fill_diagonal_(self, fill_value, wrap=False):
        return self._unary_(FillDiagonal,
                            lambda a: np.fill_diagonal(a, fill_value, wrap=wrap),
                            value=fill_value, wrap=wrap)

    def _random_(self, draw):
        if self._data.dtype.kind not in "fc":
            raise TypeError(f"random fill of a tensor of dtype {self.dtype}: expected a "
                            "floating-point tensor")
        self._check_inplace(False)
        self._data[...] = draw(self._data.shape)
        self._bump()
        if self._ctx is not None:   # new values that do not depend on the old ones
            self.detach_()
        return self

    def uniform_(self, a=0.0, b=1.0, generator=None):
        """Fill with draws from U(a, b) (the library's seeded generator by default)."""
        rng = _random.resolve_generator(generator)
        return self._random_(lambda shape: rng.uniform(a, b, shape))

    def normal_(self, mean=0.0, std=1.0, generator=None):
        """Fill with draws from N(mean, std^2) (the library's seeded generator by default)."""
        rng = _random.resolve_generator(generator)
        return self._random_(lambda shape: rng.normal(mean, std, shape))

    def bernoulli_(self, p=0.5, generator=None):
        rng = _random.resolve_generator(generator)
        return self._random_(lambda shape: rng.random(shape) < p)

    def exponential_(self, lambd=1.0, generator=None):
        rng = _random.resolve_generator(generator)
        return self._random_(lambda shape: rng.exponential(1.0 / lambd, shape))

    def __setitem__(self, index, value):
        index = _shapes._plain_index(index)
        if self._recording(value):
            self._check_inplace(True)
            self._record_inplace(SetItem, value, index=index)
            return
        self._check_inplace(False)
        self._data[index] = _array_of(value)
        self._bump()


def _bool_mask(mask, owner):
    """The mask as a bool array; like PyTorch, other dtypes are refused rather than cast."""
    mask = np.asarray(_array_of(mask))
    if mask.dtype != np.bool_:
        raise TypeError(f"{owner}(): mask must be a bool tensor, got dtype {mask.dtype}")
    return mask
