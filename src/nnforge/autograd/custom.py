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
import numpy as np

from . import grad_mode
from .function import Function as _ArrayFunction
from .function import TensorBase, _version_counter

__all__ = ["Function", "FunctionCtx"]


class FunctionCtx(_ArrayFunction):
    """The `ctx` a custom Function's forward and backward receive; it is also the graph node
    (`grad_fn`) of the outputs."""

    saves_inputs = False   # versions are checked for what save_for_backward names instead

    def save_for_backward(self, *tensors):
        """Keep these tensors (inputs or outputs) for backward; an in-place change to any of
        them before backward is an error."""
        for t in tensors:
            if t is not None and not isinstance(t, TensorBase):
                raise TypeError(f"save_for_backward() takes Tensors (or None), got "
                                f"{type(t).__name__}; store other values as ctx attributes")
        self._to_save = tensors

    @property
    def saved_tensors(self):
        if getattr(self, "_freed", False):
            raise RuntimeError("saved_tensors: the graph was freed by a previous backward; "
                               "pass retain_graph=True to keep it")
        return getattr(self, "_saved", ())

    def mark_non_differentiable(self, *tensors):
        """Outputs that get no gradient (e.g. indices)."""
        self._non_differentiable = {id(t) for t in tensors}

    def mark_dirty(self, *tensors):
        """Accepted for compatibility: inputs changed in place by forward."""
        self._dirty = tensors

    def set_materialize_grads(self, value):
        self._materialize = bool(value)

    @staticmethod
    def backward(ctx, grad):
        """Engine entry: call the user's backward with Tensors, return arrays."""
        make = TensorBase._concrete._make
        with grad_mode.no_grad():
            result = ctx._function.backward(ctx, make(grad, False, None))
        if not isinstance(result, tuple):
            result = (result,)
        if len(result) != len(ctx.parents):
            raise RuntimeError(
                f"{ctx._function.__name__}.backward returned {len(result)} gradient(s), "
                f"expected {len(ctx.parents)} (one per argument of forward, None for those "
                f"without a gradient)")
        grads = []
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

    def name(self):
        return f"{self._function.__name__}Backward"

    def __repr__(self):
        return f"<{self._function.__name__}Backward>"


class Function:
    """Base class of custom differentiable ops: subclass it with static
    ``forward(ctx, *args)`` and ``backward(ctx, *grads)`` and call ``YourOp.apply(...)``.

    `forward` runs with gradient recording off and returns one Tensor. `backward` receives
    the gradient of that output and returns one gradient per argument of forward (None for
    arguments that need none). The ctx offers `save_for_backward`, `saved_tensors`,
    `needs_input_grad` and `mark_non_differentiable`.
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a custom Function must define a static forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("a custom Function must define a static backward(ctx, "
                                  "grad) to be differentiated")

    @classmethod
    def apply(cls, *args, **kwargs):
        if kwargs:
            raise TypeError(f"{cls.__name__}.apply() takes positional arguments only "
                            f"(as in PyTorch)")
        ctx = FunctionCtx()
        ctx._function = cls
        ctx.parents = tuple(
            (a if a._ctx is None else a._ctx)
            if isinstance(a, TensorBase) and a.requires_grad else None for a in args)
        ctx._input_shapes = tuple(a.shape if isinstance(a, TensorBase) else np.shape(a)
                                  for a in args)
        with grad_mode.no_grad():
            out = cls.forward(ctx, *args)
        if isinstance(out, (tuple, list)):
            raise NotImplementedError(f"{cls.__name__}.forward returned {len(out)} outputs; "
                                      f"nnforge's custom Functions support one output Tensor")
        if not isinstance(out, TensorBase):
            raise TypeError(f"{cls.__name__}.forward must return a Tensor, got "
                            f"{type(out).__name__}")
        recording = grad_mode.enabled and any(p is not None for p in ctx.parents)
        if recording and id(out) in getattr(ctx, "_non_differentiable", ()):
            recording = False
        to_save = ctx.__dict__.pop("_to_save", ())
        if not recording:
            ctx._saved = to_save
            return out if not out.requires_grad else out.detach()
        # the output is a fresh Tensor on the same memory, so the user's tensor objects
        # (possibly an input returned as is) keep their own place in the graph
        result = TensorBase._concrete._make(out._data, True, ctx)
        result._version = _version_counter(out)
        ctx.inputs = args
        saved = []
        for t in to_save:
            if t is out:
                t = result
            saved.append(t)
        ctx._saved = tuple(saved)
        ctx._saved_versions = tuple((t, _version_counter(t)[0]) for t in saved
                                    if t is not None)
        return result
