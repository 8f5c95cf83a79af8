"""Losses for real-valued targets: squared and absolute error, and the two robust losses
that are quadratic near zero and linear for outliers (smooth L1 and Huber)."""
from __future__ import annotations

import numpy as np

from ...autograd import Tensor
from ...autograd.elementwise import Where as _Where
from ._inputs import _array, _reduce, _same_shape_pair
from .argument_types import ArrayLike, TensorLike


def mse_loss(input: TensorLike, target: ArrayLike, reduction: str = "mean") -> Tensor:
    """Mean squared error, PyTorch's form: mean of (x - y)^2, no 1/2."""
    input, target = _same_shape_pair(input, target, "mse_loss", reduction)
    diff = input - target
    return _reduce(diff * diff, reduction)


def l1_loss(input: TensorLike, target: ArrayLike, reduction: str = "mean") -> Tensor:
    """Mean absolute error |x - y|; gradient sign(x - y), 0 where they are equal."""
    input, target = _same_shape_pair(input, target, "l1_loss", reduction)
    return _reduce((input - target).abs(), reduction)


def _difference(input: TensorLike, target: ArrayLike, name: str, reduction: str) -> Tensor:
    input, target = _same_shape_pair(input, target, name, reduction)
    return input - target


def _where(condition: np.ndarray, x: Tensor, y: Tensor) -> Tensor:
    return _Where.apply(condition, x, y)


def smooth_l1_loss(input: TensorLike, target: ArrayLike, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, |d| - 0.5 beta elsewhere (d = input - target):
    quadratic near zero, linear for outliers (Girshick's Fast R-CNN loss). beta = 0 is
    the L1 loss."""
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta!r}")
    diff = _difference(input, target, "smooth_l1_loss", reduction)
    size = diff.abs()
    if beta == 0:
        return _reduce(size, reduction)
    quadratic = diff * diff * (0.5 / beta)
    return _reduce(_where(_array(size) < beta, quadratic, size - 0.5 * beta), reduction)


def huber_loss(input: TensorLike, target: ArrayLike, reduction: str = "mean",
               delta: float = 1.0) -> Tensor:
    """0.5 d^2 where |d| < delta, delta (|d| - 0.5 delta) elsewhere (Huber, 1964): the
    smooth L1 loss times delta."""
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta!r}")
    diff = _difference(input, target, "huber_loss", reduction)
    size = diff.abs()
    return _reduce(_where(_array(size) < delta, diff * diff * 0.5, (size - 0.5 * delta) * delta),
                   reduction)
