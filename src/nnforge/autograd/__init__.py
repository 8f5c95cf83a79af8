"""The autograd engine: `Tensor`, the ops it records and the reverse pass over them.

Imports nothing else of nnforge except the NumPy-only `nnforge.random` (for `uniform_` and
`normal_`). Inside, imports point one way: tensor -> ops -> function.
"""
from typing import Any, Union

import numpy.typing as npt

from . import dtypes
from .custom import Function, FunctionCtx
from .device import device
from .elementwise import Where
from .engine import grad
from .function import Function as ArrayFunction
from .function import unbroadcast
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck
from .shapes import cat, stack
from .tensor import Tensor, tensor


def Variable(data: Union[Tensor, npt.ArrayLike], requires_grad: bool = False) -> Tensor:
    """What old PyTorch code wraps tensors in: since PyTorch 0.4 simply the tensor itself
    (with `requires_grad` set when asked)."""
    t = data if isinstance(data, Tensor) else Tensor(data)
    return t.requires_grad_(True) if requires_grad else t


def where(condition: Union[Tensor, npt.ArrayLike], x: Any, y: Any) -> Tensor:
    """Elementwise choice: x where `condition` is true, else y (PyTorch's dtype promotion
    between x and y)."""
    condition = condition._data if isinstance(condition, Tensor) else condition
    return Where.apply(condition, x, y)


__all__ = ["ArrayFunction", "Function", "FunctionCtx", "GradcheckError", "Tensor", "cat",
           "device", "dtypes", "enable_grad", "grad", "gradcheck", "inference_mode",
           "is_grad_enabled", "no_grad", "set_grad_enabled", "stack", "tensor",
           "unbroadcast", "Variable", "where"]
