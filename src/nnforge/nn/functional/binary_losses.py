"""Losses for two-class (and multi-label) targets: binary cross-entropy on probabilities or
on logits, and the soft-margin loss for labels in {-1, +1}."""
from __future__ import annotations

from typing import Optional, Union

import numpy as np

from ...autograd import Tensor
from ...autograd import losses as _losses
from ...mistake_warnings import LabelMismatchWarning, guard_warn
from .activations import softplus
from ._inputs import (_array, _check_reduction, _check_same_shape, _float_like,
                      _reduce, _same_shape_pair)
from .argument_types import ArrayLike, TensorLike
from .class_losses import _guard_logits


def _binary_pair(input: TensorLike, target: ArrayLike, weight: Optional[ArrayLike],
                 name: str, reduction: str
                 ) -> tuple[np.ndarray, Union[Tensor, np.ndarray], Optional[np.ndarray]]:
    """(input array, target in the input's dtype, weight broadcast to the input or None)."""
    _check_reduction(reduction, name)
    data = _array(input)
    target_data = _array(target)
    if target_data.dtype.kind not in "fiub":
        raise TypeError(f"{name}: target must be numeric, got dtype {target_data.dtype}")
    _check_same_shape(data, target_data, name)
    checked: Union[Tensor, np.ndarray]
    if not isinstance(target, Tensor) or target_data.dtype != data.dtype:
        checked = target_data.astype(data.dtype, copy=False)
    else:
        checked = target
    weights = _float_like(weight, data, name, "weight")
    if weights is not None and weights.shape != data.shape:
        weights = np.broadcast_to(weights, data.shape)
    return data, checked, weights


def binary_cross_entropy(input: TensorLike, target: ArrayLike,
                         weight: Optional[ArrayLike] = None, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy on probabilities; logs clamped to >= -100 like PyTorch.
    Prefer `binary_cross_entropy_with_logits` on raw scores."""
    name = "binary_cross_entropy"
    data, checked, weights = _binary_pair(input, target, weight, name, reduction)
    if data.size and (data.min() < 0 or data.max() > 1):
        raise ValueError(f"{name}: input must hold probabilities in [0, 1], got values in "
                         f"[{data.min()}, {data.max()}]; pass logits to "
                         f"binary_cross_entropy_with_logits / BCEWithLogitsLoss instead")
    return _losses.BinaryCrossEntropy.apply(input, checked, weight=weights, reduction=reduction)


def binary_cross_entropy_with_logits(input: TensorLike, target: ArrayLike,
                                     weight: Optional[ArrayLike] = None,
                                     reduction: str = "mean",
                                     pos_weight: Optional[TensorLike] = None) -> Tensor:
    """Sigmoid + binary cross-entropy in one stable formula:
    max(z, 0) - z y + log(1 + e^-|z|); `pos_weight` scales the positive term per class."""
    name = "binary_cross_entropy_with_logits"
    data, checked, weights = _binary_pair(input, target, weight, name, reduction)
    _guard_logits(input, name)
    target_data = _array(checked)
    if target_data.size and (target_data.min() < 0 or target_data.max() > 1):
        guard_warn(LabelMismatchWarning,
                   f"{name}: targets must be 0/1 labels or probabilities in [0, 1], got "
                   f"values in [{target_data.min():g}, {target_data.max():g}]; for more than "
                   "two classes use CrossEntropyLoss with one output per class", stacklevel=3)
    positive = _float_like(pos_weight, data, name, "pos_weight")
    return _losses.BinaryCrossEntropyWithLogits.apply(
        input, checked, weight=weights, pos_weight=positive, reduction=reduction)


def soft_margin_loss(input: TensorLike, target: ArrayLike, reduction: str = "mean") -> Tensor:
    """Logistic loss for labels y in {-1, +1}: log(1 + e^(-y x)), computed as a
    stable softplus so large margins neither overflow nor lose precision."""
    input, target = _same_shape_pair(input, target, "soft_margin_loss", reduction)
    return _reduce(softplus(-(input * target), threshold=np.inf), reduction)
