"""`nnforge.autograd.Function`: custom differentiable ops written the way courses teach them,
with `forward(ctx, *args)` and `backward(ctx, *grads)` that see Tensors.

    class Exp(nnforge.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            y, = ctx.saved_tensors
            return grad * y

    y = Exp.apply(x)

nnforge's own ops are written on NumPy arrays for speed (`autograd/function.py`); this class
is the Tensor-facing door onto the same graph: `apply` runs the user's forward with gradient
recording off, and records one graph node whose backward calls the user's backward.
"""
from __future__ import annotations

from typing import Any, Optional, Union

import numpy as np

from . import grad_mode
from .function import Function as _ArrayFunction
from .function import TensorBase, _version_counter

__all__ = ["Function", "FunctionCtx"]


class _Packet:
    """Gradients of several outputs of one node on their way to it: {output index: array}.
    The engine adds up the gradients reaching a node with `+`, which merges packets."""

    __slots__ = ("parts",)

    def __init__(self, parts: dict[int, np.ndarray]) -> None:
        self.parts = parts

    def __add__(self, other: _Packet) -> _Packet:
        parts = dict(self.parts)
        for i, g in other.parts.items():
            parts[i] = parts[i] + g if i in parts else g
        return _Packet(parts)


class _OutputSlot(_ArrayFunction):
    """The graph node of output `index` of a custom Function with several outputs: it hands
    its gradient on to the Function's node, labelled with the output's index."""

    saves_inputs = False

    def __init__(self, node: FunctionCtx, index: int) -> None:
        self.parents = (node,)
        self.index = index

    @staticmethod
    def backward(ctx: _ArrayFunction, grad: np.ndarray) -> tuple[_Packet]:
        return (_Packet({ctx.index: grad}),)

    def name(self) -> str:
        node = self.parents[0] if self.parents else None
        return node.name() if isinstance(node, _ArrayFunction) else "OutputSlot"

    def __repr__(self) -> str:
        return f"<{self.name()} output {self.index}>" if not self._freed else "<freed>"


class FunctionCtx(_ArrayFunction):
    """The `ctx` a custom Function's forward and backward receive; it is also the graph node
    (`grad_fn`) of the outputs.

    Examples
    --------
    >>> import nnforge
    >>> class Scale(nnforge.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x, factor):
    ...         ctx.factor = factor
    ...         return x * factor
    ...
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         return grad * ctx.factor, None
    >>> x = nnforge.tensor([1.0, 2.0], requires_grad=True)
    >>> y = Scale.apply(x, 10.0)
    >>> y.grad_fn, y.grad_fn.needs_input_grad
    (<ScaleBackward>, (True, False))
    >>> y.sum().backward()
    >>> x.grad
    tensor([10., 10.])
    """

    saves_inputs = False   # versions are checked for what save_for_backward names instead

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep these tensors (inputs or outputs) for backward; an in-place change to any of
        them before backward is an error."""
        for t in tensors:
            if t is not None and not isinstance(t, TensorBase):
                raise TypeError(f"save_for_backward() takes Tensors (or None), got "
                                f"{type(t).__name__}; store other values as ctx attributes")
        self._to_save = tensors

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        if getattr(self, "_freed", False):
            raise RuntimeError("saved_tensors: the graph was freed by a previous backward; "
                               "pass retain_graph=True to keep it")
        return getattr(self, "_saved", ())

    def mark_non_differentiable(self, *tensors: TensorBase) -> None:
        """Outputs that get no gradient (e.g. indices)."""
        self._non_differentiable = {id(t) for t in tensors}

    def mark_dirty(self, *tensors: TensorBase) -> None:
        """Accepted for compatibility: inputs changed in place by forward."""
        self._dirty = tensors

    def set_materialize_grads(self, value: bool) -> None:
        self._materialize = bool(value)

    @staticmethod
    def backward(ctx: _ArrayFunction, grad: Union[np.ndarray, _Packet]) -> tuple[Any, ...]:
        """Engine entry: call the user's backward with Tensors, return arrays."""
        make = TensorBase._concrete._make
        if isinstance(grad, _Packet):          # several outputs: one gradient each
            grads_out = [make(grad.parts[i] if i in grad.parts else np.zeros(shape, dtype),
                              False, None)
                         for i, (shape, dtype) in enumerate(ctx._output_layout)]
        else:
            grads_out = [make(grad, False, None)]
        with grad_mode.no_grad():
            result = ctx._function.backward(ctx, *grads_out)
        if not isinstance(result, tuple):
            result = (result,)
        if len(result) != len(ctx.parents):
            raise RuntimeError(
                f"{ctx._function.__name__}.backward returned {len(result)} gradient(s), "
                f"expected {len(ctx.parents)} (one per argument of forward, None for those "
                f"without a gradient)")
        grads: list[Optional[np.ndarray]] = []
        for i, (g, parent) in enumerate(zip(result, ctx.parents)):
            if g is None or parent is None:
                grads.append(None)
                continue
            array = g._data if isinstance(g, TensorBase) else np.asarray(g)
            expected = ctx._input_shapes[i]
            if array.shape != expected:
                try:
                    array = np.broadcast_to(array, expected)
                except ValueError:
                    raise RuntimeError(
                        f"{ctx._function.__name__}.backward: gradient {i} has shape "
                        f"{array.shape}, expected the input's shape {expected}") from None
            grads.append(array)
        return tuple(grads)

    def name(self) -> str:
        return f"{self._function.__name__}Backward"

    def __repr__(self) -> str:
        return f"<{self._function.__name__}Backward>"


class Function:
    """Base class of custom differentiable ops: subclass it with static
    ``forward(ctx, *args)`` and ``backward(ctx, *grads)`` and call ``YourOp.apply(...)``.

    `forward` runs with gradient recording off and returns a Tensor or a tuple of Tensors.
    `backward` receives one gradient per output (zeros for outputs that got none) and returns
    one gradient per argument of forward (None for arguments that need none). The ctx
    offers `save_for_backward`, `saved_tensors`, `needs_input_grad` and
    `mark_non_differentiable`.

    Examples
    --------
    >>> import nnforge
    >>> class Cube(nnforge.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         x, = ctx.saved_tensors
    ...         return grad * 3 * x ** 2
    >>> x = nnforge.tensor([1.0, 2.0], requires_grad=True)
    >>> y = Cube.apply(x)
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([1., 8.], grad_fn=<CubeBackward>), tensor([ 3., 12.]))
    """

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a custom Function must define a static forward(ctx, ...)")

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        raise NotImplementedError("a custom Function must define a static backward(ctx, "
                                  "grad) to be differentiated")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        if kwargs:
            raise TypeError(f"{cls.__name__}.apply() takes positional arguments only "
                            f"(as in PyTorch)")
        ctx = FunctionCtx()
        ctx._function = cls
        ctx.parents = tuple(
            (a if a._ctx is None else a._ctx)
            if isinstance(a, TensorBase) and a.requires_grad else None for a in args)
        ctx._input_shapes = tuple(a._data.shape if isinstance(a, TensorBase) else np.shape(a)
                                  for a in args)
        with grad_mode.no_grad():
            out = cls.forward(ctx, *args)
        multiple = isinstance(out, (tuple, list))
        outputs = tuple(out) if multiple else (out,)
        for o in outputs:
            if not isinstance(o, TensorBase):
                raise TypeError(f"{cls.__name__}.forward must return Tensors, got "
                                f"{type(o).__name__}")
        skip = getattr(ctx, "_non_differentiable", ())
        recording = grad_mode.enabled and any(p is not None for p in ctx.parents)
        to_save = ctx.__dict__.pop("_to_save", ())
        if not recording or all(id(o) in skip for o in outputs):
            ctx._saved = to_save
            plain = tuple(o.detach() if o.requires_grad else o for o in outputs)
            return plain if multiple else plain[0]
        # each output is a fresh Tensor on the same memory, so the user's tensor objects
        # (possibly an input returned as is) keep their own place in the graph
        make = TensorBase._concrete._make
        ctx._output_layout = tuple((o.shape, o._data.dtype) for o in outputs)
        results = []
        for i, o in enumerate(outputs):
            if id(o) in skip:
                results.append(o.detach())
                continue
            result = make(o._data, True, _OutputSlot(ctx, i) if multiple else ctx)
            result._version = _version_counter(o)
            results.append(result)
        ctx.inputs = args
        replaced = {id(o): r for o, r in zip(outputs, results)}
        saved = tuple(None if t is None else replaced.get(id(t), t) for t in to_save)
        ctx._saved = saved
        ctx._saved_versions = tuple((t, _version_counter(t)[0]) for t in saved
                                    if t is not None)
        return tuple(results) if multiple else results[0]
