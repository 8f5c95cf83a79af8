"""Batch normalization with PyTorch's functional signature."""
from __future__ import annotations

from typing import Optional, Union

import numpy as np

from ...autograd import Tensor
from ...autograd.normalization import BatchNorm as _BatchNormFn
from .argument_types import TensorLike


def batch_norm(input: TensorLike, running_mean: Union[None, Tensor, np.ndarray],
               running_var: Union[None, Tensor, np.ndarray], weight: Optional[Tensor] = None,
               bias: Optional[Tensor] = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    """Functional batch norm with PyTorch's signature.

    In training mode (or when running statistics are None) the batch statistics normalize
    and the given running arrays are updated in place with `momentum`; otherwise the
    running statistics normalize.
    """
    return _BatchNormFn.apply(input, weight, bias, running_mean=_array_or_none(running_mean),
                              running_var=_array_or_none(running_var), training=bool(training),
                              momentum=momentum, eps=eps, layer="batch_norm")


def _array_or_none(value: Union[None, Tensor, np.ndarray]) -> Optional[np.ndarray]:
    if value is None:
        return None
    return value._data if isinstance(value, Tensor) else value
