"""The `Function` base class: one differentiable op, forward and backward side by side.

A Function instance is also the graph node (the "context"): `apply` runs `forward` on plain
NumPy arrays, and when any input requires grad it records the inputs on the node so that
the engine can call `backward` later.
"""
import numpy as np

from . import grad_mode
from .tensor import Tensor


class Function:
    """Base class of every differentiable op.

    Subclasses define two static methods:

    - ``forward(ctx, *args, **kwargs) -> ndarray`` receives NumPy arrays in place of Tensors
      (other arguments unchanged) and may store what backward needs on ``ctx``;
    - ``backward(ctx, grad) -> grad or tuple of grads`` returns one gradient per positional
      argument of ``forward`` (``None`` for arguments without one), already reduced to that
      argument's shape.
    """

    inputs = ()

    @classmethod
    def apply(cls, *args, **kwargs):
        arrays = []
        requires_grad = False
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a.data)
                requires_grad = requires_grad or a.requires_grad
            else:
                arrays.append(a)
        ctx = cls()
        out = cls.forward(ctx, *arrays, **kwargs)
        if requires_grad and grad_mode.enabled:
            ctx.inputs = args
            return Tensor._make(out, True, ctx)
        return Tensor._make(out, False, None)

    @staticmethod
    def forward(ctx, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def needs_input_grad(self):
        """Which positional inputs of this node want a gradient."""
        return tuple(isinstance(a, Tensor) and a.requires_grad for a in self.inputs)

    def save_for_backward(self, *values):
        self.saved = values

    def __repr__(self):
        return f"<{type(self).__name__}Backward>"


def unbroadcast(grad, shape):
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


def normalize_dims(dim, ndim):
    """Turn an int, a sequence of ints or None into a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        dim = (dim,)
    if ndim == 0:  # PyTorch accepts dim 0 or -1 on a 0-d tensor and reduces over nothing
        for d in dim:
            if d not in (0, -1):
                raise IndexError(f"dimension {d} is out of range for a 0-d tensor (only 0 "
                                 f"or -1 are accepted)")
        return ()
    axes = []
    for d in dim:
        if not -ndim <= d < ndim:
            raise IndexError(
                f"dimension {d} is out of range for a tensor with {ndim} dimension(s)")
        axes.append(int(d) % ndim)
    return tuple(sorted(set(axes)))
