"""`Tensor`: a NumPy array that remembers how it was computed, so gradients can flow back.

This module holds the core of the class: its storage, the gradient, the graph and
`backward`, and how a tensor prints and behaves as a Python value. Its other methods come
from one part per topic, each a small class that `Tensor` inherits:

- `tensor_operators.OperatorMethods`: `+ - * / ** @`, comparisons and their named forms;
- `tensor_math.MathMethods`: elementwise maths, activations, reductions, matrix products;
- `tensor_shape.ShapeMethods`: reshape, permute, indexing, gather, sort, split ...;
- `tensor_conversion.ConversionMethods`: dtype, device, NumPy and Python conversions;
- `inplace.InPlaceMethods`: `add_`, `+=`, `t[i] = v` ..., which follow autograd's rules:
  they bump the tensor's version counter, so a backward that needs the old value fails
  loudly instead of computing a wrong gradient.

The methods are thin doors into the ops (`arithmetic`, `elementwise`, `reductions`, `shapes`,
`linalg`, `activations` ...); the maths lives there.

Storage: `_data` is the NumPy array and `_grad` the gradient array. The PyTorch-facing
`.data` and `.grad` are Tensors sharing that memory; `.grad` is cached, so reading it every
step allocates nothing, and nnforge's own hot loops (optimizers, clipping, guards) read
`_grad` directly.
"""
from __future__ import annotations

from typing import Any, Iterator, Mapping, Optional, Union

import numpy as np
import numpy.typing as npt

from . import dtypes as _dtypes
from . import engine as _engine
from . import graphviz as _graphviz
from . import shapes as _shapes
from .device import DeviceLike, to_device
from .dtypes import DTypeLike
from .function import Function, Hook, TensorBase, _version_counter
from .inplace import InPlaceMethods
from .tensor_conversion import ConversionMethods, as_array
from .tensor_math import MathMethods
from .tensor_operators import OperatorMethods
from .tensor_shape import ShapeMethods

__all__ = ["Tensor", "tensor"]

_FROM_NUMPY = _dtypes._FROM_NUMPY


class _HookHandle:
    """Returned by `register_hook`; `remove()` unregisters the hook."""

    def __init__(self, hooks: list[Hook], hook: Hook) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


class Tensor(OperatorMethods, MathMethods, ShapeMethods, ConversionMethods, InPlaceMethods):
    """An n-dimensional array with reverse-mode automatic differentiation.

    Parameters
    ----------
    data : array_like
        The values (copied). Python floats become the default dtype (float32), Python ints
        int64; NumPy arrays keep their dtype.
    requires_grad : bool, default False
        Record the operations on this tensor so `backward()` can fill in its `.grad`.
    dtype : nnforge.dtype, optional
        Convert the values to this dtype.
    device : str or nnforge.device, optional
        Only the CPU exists; any other device is an error.

    Notes
    -----
    `data` is a detached Tensor sharing this tensor's memory; `grad` is None or a Tensor of
    the same shape that `backward()` fills in (and accumulates into, like PyTorch) for leaf
    tensors with `requires_grad=True` and for tensors that called `retain_grad()`.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y
    tensor(14., grad_fn=<SumBackward>)
    >>> y.backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """

    __slots__ = ()             # the fields are declared once, in TensorBase
    __array_priority__ = 1000  # so ndarray <op> Tensor dispatches to Tensor's reflected op

    def __init__(self, data: npt.ArrayLike, requires_grad: bool = False,
                 dtype: Optional[DTypeLike] = None, device: DeviceLike = None) -> None:
        to_device(device)
        array = as_array(data, dtype)
        if requires_grad and array.dtype.kind not in "fc":
            raise TypeError(f"only floating-point tensors can require gradients, got dtype "
                            f"{array.dtype}")
        self._init(array, bool(requires_grad))

    def _init(self, array: np.ndarray, requires_grad: bool) -> None:
        self._data = array
        self._grad = None
        self._grad_view = None
        self.requires_grad = requires_grad
        self._ctx = None
        self._version = None
        self._base = None
        self._hooks = None

    @staticmethod
    def _make(data: Any, requires_grad: bool, ctx: Optional[Function]) -> Tensor:
        """Wrap an op's output array without copying or validating it."""
        t = object.__new__(Tensor)
        t._data = data if type(data) is np.ndarray else np.asarray(data)
        t._grad = None
        t._grad_view = None
        t.requires_grad = requires_grad
        t._ctx = ctx
        t._version = None
        t._base = None
        t._hooks = None
        return t

    # --- storage, gradient and graph ---------------------------------------------------
    @property
    def data(self) -> Tensor:
        """This tensor's values as a Tensor outside the graph, sharing memory; changes made
        through it are invisible to autograd (PyTorch's `.data`). Assigning replaces them."""
        return Tensor._make(self._data, False, None)

    @data.setter
    def data(self, value: Union[TensorBase, npt.ArrayLike]) -> None:
        self._data = value._data if isinstance(value, TensorBase) else np.asarray(value)

    @property
    def grad(self) -> Optional[Tensor]:
        """The gradient (a Tensor, or None before the first backward)."""
        g = self._grad
        if g is None:
            return None
        view = self._grad_view
        if view is None or view._data is not g:
            view = self._grad_view = Tensor._make(g, False, None)
        return view

    @grad.setter
    def grad(self, value: Union[TensorBase, np.ndarray, None]) -> None:
        if value is None:
            self._grad = self._grad_view = None
            return
        array = value._data if isinstance(value, TensorBase) else value
        if not isinstance(array, np.ndarray):
            raise TypeError(f"assigned grad expected to be a Tensor or None but got "
                            f"{type(value).__name__}")
        if array.dtype != self._data.dtype:
            raise RuntimeError(f"assigned grad has data of a different type "
                               f"({_FROM_NUMPY.get(array.dtype, array.dtype)}, expected "
                               f"{self.dtype})")
        if array.shape != self._data.shape:
            raise RuntimeError(f"assigned grad has data of a different size: shape "
                               f"{array.shape}, expected {self._data.shape}")
        self._grad = array
        self._grad_view = value if isinstance(value, Tensor) else None

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def grad_fn(self) -> Optional[Function]:
        """The graph node that produced this tensor (None for a leaf)."""
        return self._ctx

    @property
    def _version_value(self) -> int:
        return 0 if self._version is None else self._version[0]

    def detach(self) -> Tensor:
        """A tensor sharing the data (and the version counter) but cut from the graph."""
        t = Tensor._make(self._data, False, None)
        t._version = _version_counter(self)
        return t

    def detach_(self) -> Tensor:
        self._ctx = None
        self.requires_grad = False
        return self

    def clone(self) -> Tensor:
        return _shapes.Clone.apply(self)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if not self.is_leaf:
            raise RuntimeError("requires_grad_(): only leaf tensors can change requires_grad; "
                               "use detach() first")
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients, "
                               f"got {self.dtype}")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> Tensor:
        """Keep `.grad` on this non-leaf tensor after backward (for inspection)."""
        if self._ctx is not None:
            self._ctx.retained = self
        return self

    @property
    def retains_grad(self) -> bool:
        return self._ctx is not None and self._ctx.retained is self

    def register_hook(self, hook: Hook) -> _HookHandle:
        """Call `hook(grad)` when this tensor's gradient is computed; a non-None return value
        replaces the gradient. Returns a handle whose `remove()` undoes it."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require "
                               "gradient")
        if self._ctx is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            if self._ctx.hooks is None:
                self._ctx.hooks = []
            hooks = self._ctx.hooks
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def backward(self, gradient: Optional[npt.ArrayLike] = None,
                 retain_graph: Optional[bool] = None, create_graph: bool = False,
                 inputs: Any = None, grad: Optional[npt.ArrayLike] = None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` (see `engine.backward`)."""
        if create_graph:
            raise NotImplementedError("backward(create_graph=True): nnforge does not build "
                                      "graphs of the backward pass")
        _engine.backward(self, gradient if gradient is not None else grad,
                         bool(retain_graph))

    def graph(self, path: Optional[str] = None, names: Optional[Mapping[str, Tensor]] = None,
              grads: bool = True) -> str:
        """Graphviz DOT text of the graph that produced this tensor, values and gradients on
        the nodes (see `autograd.graphviz`); with `path`, also write it (PNG when the `dot`
        program is installed, else the .dot text). Call before backward()."""
        dot = _graphviz.to_dot(self, names=names, grads=grads)
        if path is not None:
            _graphviz.render(dot, path)
        return dot

    # --- printing and Python protocols ----------------------------------------------------
    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="tensor(")
        extra = ""
        if self._data.dtype not in (_dtypes.default_float(), np.int64, np.bool_):
            extra += f", dtype={self.dtype}"
        if self._ctx is not None:
            extra += f", grad_fn={self._ctx!r}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return format(self._data.item(), spec)
        if spec:
            raise TypeError(f"unsupported format string {spec!r} passed to Tensor.__format__ "
                            f"(only one-element tensors format like numbers)")
        return repr(self)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        for i in range(len(self)):
            yield self[i]

    def __bool__(self) -> bool:
        return bool(self._data)

    __hash__ = object.__hash__


TensorBase._concrete = Tensor   # lets the ops build Tensors (see function.TensorBase)


def tensor(data: npt.ArrayLike, *, dtype: Optional[DTypeLike] = None,
           device: DeviceLike = None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """Build a leaf tensor, copying `data` (PyTorch's `torch.tensor`).

    Examples
    --------
    >>> import nnforge
    >>> nnforge.tensor([[1, 2], [3, 4]])
    tensor([[1, 2],
            [3, 4]])
    >>> nnforge.tensor(0.5, dtype=nnforge.float64, requires_grad=True)
    tensor(0.5, dtype=nnforge.float64, requires_grad=True)
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device)
