"""The `Function` base class of nnforge's own ops: forward and backward side by side, on
plain NumPy arrays.

A Function instance is also the graph node (the "context"): `apply` runs `forward` on the
inputs' arrays and, when any input requires grad, records on the node the edges to the
nodes that produced its inputs (`next_functions`) and the versions of the inputs it saved,
so that `backward` can refuse to use a value changed in place since (see `Tensor._bump`).

Courses write custom ops against Tensors instead: that is `nnforge.autograd.Function`
(`autograd/custom.py`), built on this class.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, ClassVar, Optional, Sequence, Union

import numpy as np
import numpy.typing as npt

from . import grad_mode

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["Function", "TensorBase", "AccumulateGrad", "unbroadcast", "normalize_dims",
           "normalize_dim"]

Shape = tuple[int, ...]
# What a backward returns for each input of forward: an array, or None where none flows.
Gradient = Optional[np.ndarray]
# Dimensions as ops accept them: one, several, or None for all.
Dims = Union[int, np.integer, Sequence[int], None]
Hook = Callable[["Tensor"], Optional["Tensor"]]


class TensorBase:
    """What every Tensor is an instance of: the storage every part of `Tensor` works on.

    It lets the ops recognise and build Tensors without importing the module that defines
    `Tensor` (which imports the ops), so imports point one way: tensor -> ops -> function.
    The parts of `Tensor` (operators, maths, shapes, conversions, in-place methods) are
    subclasses of it, so each sees the fields below (stored in slots, declared here once);
    `tensor.py` combines them and records the result as `_concrete`.

    Examples
    --------
    >>> import nnforge
    >>> from nnforge.autograd.function import TensorBase
    >>> isinstance(nnforge.tensor([1.0]), TensorBase)
    True
    """

    __slots__ = ("_data", "_grad", "_grad_view", "requires_grad", "_ctx", "_version", "_base",
                 "_hooks", "__weakref__")
    _concrete: ClassVar[type[Tensor]]     # the Tensor class, set where it is defined
    _data: np.ndarray                      # the values
    _grad: Optional[np.ndarray]            # the gradient, once a backward reached it
    _grad_view: Optional[Tensor]           # the cached Tensor that `.grad` returns
    requires_grad: bool
    _ctx: Optional[Function]               # the node that made this tensor (None: a leaf)
    _version: Optional[list[int]]          # in-place change counter, shared by views
    _base: Optional[TensorBase]            # the tensor a view looks into
    _hooks: Optional[list[Hook]]           # a leaf's gradient hooks

    if TYPE_CHECKING:
        @staticmethod
        def _make(data: Any, requires_grad: bool, ctx: Optional[Function]) -> Tensor:
            """Wrap an op's output array (defined on `Tensor`)."""


# What may stand where an op takes a tensor: a tensor, a number or an array.
Operand = Union[TensorBase, npt.ArrayLike]


def _version_counter(t: TensorBase) -> list[int]:
    """The tensor's version counter (a one-element list shared by views), created on demand."""
    counter = t._version
    if counter is None:
        counter = t._version = [0]
    return counter


class AccumulateGrad:
    """The graph node that stores a gradient into a leaf tensor's `.grad` (in
    `next_functions`, as in PyTorch; `variable` is the leaf).

    Examples
    --------
    >>> import nnforge
    >>> w = nnforge.tensor([2.0], requires_grad=True)
    >>> node, _ = (w * 3).grad_fn.next_functions[0]
    >>> node, node.variable is w
    (<AccumulateGrad>, True)
    """

    __slots__ = ("variable",)
    next_functions = ()

    def __init__(self, variable: TensorBase) -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self) -> int:
        return id(self.variable)

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


class Function:
    """Base class of every differentiable op.

    Subclasses define two static methods:

    - ``forward(ctx, *args, **kwargs) -> ndarray`` receives NumPy arrays in place of Tensors
      (other arguments unchanged) and may store what backward needs on ``ctx``;
    - ``backward(ctx, grad) -> grad or tuple of grads`` returns one gradient per positional
      argument of ``forward`` (``None`` for arguments without one), already reduced to that
      argument's shape.

    Class flags tell the version check what backward reads: ``saves_inputs`` (default True:
    changing an input in place before backward is an error) and ``saves_output`` (changing
    the output in place is). ``is_view`` marks ops whose output may share the input's memory
    (reshape, indexing, transpose): the output then shares the input's version counter.

    Examples
    --------
    An op for y = 3x, forward and backward side by side:

    >>> import numpy as np, nnforge
    >>> from nnforge.autograd.function import Function
    >>> class Triple(Function):
    ...     saves_inputs = False          # backward needs no input value
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         return 3 * x
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         return 3 * grad
    >>> x = nnforge.tensor([1.0, 2.0], requires_grad=True)
    >>> y = Triple.apply(x)
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([3., 6.], grad_fn=<TripleBackward>), tensor([3., 3.]))
    """

    saves_inputs: ClassVar[bool] = True
    saves_output: ClassVar[bool] = False
    is_view: ClassVar[bool] = False
    inputs: Sequence[Any] = ()
    parents: tuple[Union[Function, TensorBase, None], ...] = ()
    hooks: Optional[list[Hook]] = None
    retained: Optional[TensorBase] = None
    saved: tuple[Any, ...]           # what save_for_backward kept
    _freed = False
    _saved_versions: Sequence[tuple[TensorBase, int]] = ()
    _output_version: Optional[tuple[list[int], int]] = None

    if TYPE_CHECKING:
        # A node is also its op's notebook: forward stores what backward needs under any
        # attribute name (ctx.shape, ctx.mask ...), so the type checker allows any name.
        def __getattr__(self, name: str) -> Any: ...

        def __setattr__(self, name: str, value: Any) -> None: ...

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        arrays = []
        requires_grad = False
        for a in args:
            if isinstance(a, TensorBase):
                arrays.append(a._data)
                if a.requires_grad:
                    requires_grad = True
            else:
                arrays.append(a)
        ctx = cls()
        out = cls.forward(ctx, *arrays, **kwargs)
        make = TensorBase._concrete._make
        if requires_grad and grad_mode.enabled:
            result = make(out, True, ctx)
            ctx.record(args, result)
        else:
            result = make(out, False, None)
        if cls.is_view:
            ctx.share_view(args[0], result)
        return result

    def record(self, args: Sequence[Any], result: TensorBase) -> None:
        """Remember the graph edges of this node and the versions backward will check."""
        self.inputs = args
        parents: list[Union[Function, TensorBase, None]] = []
        saved: Optional[list[tuple[TensorBase, int]]] = [] if self.saves_inputs else None
        for a in args:
            if isinstance(a, TensorBase):
                parents.append((a if a._ctx is None else a._ctx) if a.requires_grad else None)
                if saved is not None:
                    counter = a._version
                    saved.append((a, 0 if counter is None else counter[0]))
            else:
                parents.append(None)
        self.parents = tuple(parents)
        if saved:
            self._saved_versions = saved
        if self.saves_output:
            self._output_version = (_version_counter(result), 0)

    @staticmethod
    def share_view(source: Any, result: TensorBase) -> None:
        """Let a view output share its input's version counter (and remember its base)."""
        if isinstance(source, TensorBase) and np.may_share_memory(result._data, source._data):
            result._version = _version_counter(source)
            result._base = source if source._base is None else source._base

    def check_versions(self) -> None:
        """Raise when a value saved for backward was changed in place after the forward."""
        for tensor, expected in self._saved_versions:
            counter = tensor._version
            if counter is not None and counter[0] != expected:
                raise _modified_error(self, "an input", counter[0], expected)
        if self._output_version is not None:
            counter, expected = self._output_version
            if counter[0] != expected:
                raise _modified_error(self, "its output", counter[0], expected)

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """Which positional inputs of this node want a gradient."""
        return tuple(p is not None for p in self.parents)

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """One ``(node, 0)`` pair per input: the node that produced it, an `AccumulateGrad`
        for a leaf that requires grad, or None (PyTorch's layout)."""
        return tuple((AccumulateGrad(p) if isinstance(p, TensorBase) else p, 0)
                     for p in self.parents)

    def save_for_backward(self, *values: Any) -> None:
        self.saved = values

    def name(self) -> str:
        return f"{type(self).__name__}Backward0"

    def __repr__(self) -> str:
        return f"<{type(self).__name__}Backward>"


def _modified_error(node: Function, what: str, version: int, expected: int) -> RuntimeError:
    return RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: {what} of {node.name()} is at version {version}; expected "
        f"version {expected} instead. Use an out-of-place operation (or clone() the tensor "
        f"before changing it in place).")


def unbroadcast(grad: np.ndarray, shape: Shape) -> np.ndarray:
    """Sum `grad` over the axes NumPy broadcasting added or stretched to reach `shape`."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def normalize_dims(dim: Dims, ndim: int) -> tuple[int, ...]:
    """Turn an int, a sequence of ints or None into a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, (int, np.integer)) else dim
    if ndim == 0:  # PyTorch accepts dim 0 or -1 on a 0-d tensor and reduces over nothing
        for d in dims:
            if d not in (0, -1):
                raise IndexError(f"dimension {d} is out of range for a 0-d tensor (only 0 "
                                 f"or -1 are accepted)")
        return ()
    axes = []
    for d in dims:
        if not -ndim <= d < ndim:
            raise IndexError(
                f"dimension {d} is out of range for a tensor with {ndim} dimension(s)")
        axes.append(int(d) % ndim)
    return tuple(sorted(set(axes)))


def normalize_dim(dim: int, ndim: int, name: str) -> int:
    """One dimension as a non-negative axis, with an error naming the op."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{name}(): dim must be an int, got {type(dim).__name__}")
    size = max(ndim, 1)
    if not -size <= dim < size:
        raise IndexError(f"{name}(): dim {dim} is out of range for a tensor with {ndim} "
                         f"dimension(s)")
    return int(dim) % size
