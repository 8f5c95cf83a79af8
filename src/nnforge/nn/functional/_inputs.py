"""Shared argument handling of the functional forms: arguments as arrays or Tensors, and the
checks every loss makes (reduction name, matching shapes, numeric weights)."""
from __future__ import annotations

from typing import Optional, Union

import numpy as np

from ...autograd import Tensor
from .argument_types import ArrayLike, TensorLike

_REDUCTIONS = ("mean", "sum", "none")


def _array(x: ArrayLike) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _as_tensor(x: ArrayLike) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor._make(np.asarray(x), False, None)


def _check_reduction(reduction: str, name: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of 'mean', 'sum', 'none', got "
                         f"{reduction!r}")


def _float_like(value: Optional[ArrayLike], reference: np.ndarray, name: str,
                argument: str) -> Optional[np.ndarray]:
    """An optional weight-like argument as an array of the input's float dtype."""
    if value is None:
        return None
    array = _array(value)
    if array.dtype.kind not in "fiub":
        raise TypeError(f"{name}: {argument} must be numeric, got dtype {array.dtype}")
    return array.astype(reference.dtype, copy=False)


def _check_same_shape(input: Union[Tensor, np.ndarray], target: Union[Tensor, np.ndarray],
                      name: str) -> None:
    if input.shape != target.shape:
        raise ValueError(f"{name}: target shape {tuple(target.shape)} must equal the input "
                         f"shape {tuple(input.shape)} (broadcasting them would silently "
                         f"compare every prediction with every target)")


def _reduce(values: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return values.mean()
    if reduction == "sum":
        return values.sum()
    return values


def _same_shape_pair(input: TensorLike, target: ArrayLike, name: str,
                     reduction: str) -> tuple[Tensor, Union[Tensor, np.ndarray]]:
    """(input as a Tensor, target as a Tensor or an array of the input's dtype), checked to
    have one shape: the pair an element-wise loss compares."""
    _check_reduction(reduction, name)
    input = _as_tensor(input)
    if not isinstance(target, Tensor):
        target = np.asarray(target, dtype=input.dtype)
    _check_same_shape(input, target, name)
    return input, target
