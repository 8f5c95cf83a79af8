"""The autograd engine: `Tensor`, the ops it records and the reverse pass over them.

Imports nothing else of nnforge (the bottom layer; see docs/design.md)."""
from .tensor import Tensor, tensor  # first: the ops modules import Tensor from it
from .function import Function, unbroadcast
from .grad_mode import enable_grad, is_grad_enabled, no_grad
from .gradcheck import GradcheckError, gradcheck
from .shapes import cat, stack
from .elementwise import Where


def where(condition, x, y):
    """Elementwise choice: x where `condition` is true, else y."""
    condition = condition.data if isinstance(condition, Tensor) else condition
    return Where.apply(condition, x, y)


__all__ = ["Function", "GradcheckError", "Tensor", "cat", "enable_grad", "gradcheck",
           "is_grad_enabled", "no_grad", "stack", "tensor", "unbroadcast", "where"]
