"""Loss layers, PyTorch's names, arguments and defaults.

Each holds its configuration (reduction, class weights...) and calls one function of
`nn.functional`. Call as `loss_fn(input, target)`; `reduction` is 'mean' (default),
'sum' or 'none' (per-element losses).
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from ..autograd import Tensor
from . import functional as F
from .functional._inputs import _check_reduction
from .functional.argument_types import TensorLike
from .functional.class_losses import _cross_entropy, _nll_loss
from .module import Module
from .state_dict import to_numpy


def _as_buffer(value: Optional[TensorLike]) -> Optional[np.ndarray]:
    """A weight argument as an array: float arrays keep their dtype, the rest float32."""
    if value is None:
        return None
    array = np.array(to_numpy(value))
    return array if array.dtype.kind == "f" else array.astype(np.float32)


class _Loss(Module):
    """Base of the losses: a reduction, and what the loss expects of its inputs.

    ``target_kind`` says what the targets are: ``"class"`` (integer class indices),
    ``"binary"`` (0/1 floats), ``"real"`` (real values) or ``"sign"`` (-1/+1 floats).
    ``expects`` says what the model's output should be: ``"logits"``, ``"probabilities"``,
    ``"log_probabilities"`` or ``"values"``. The Trainer, the guards, the doctor and the
    command line read these instead of the class name, so a new loss declares them once.
    """

    target_kind = "real"
    expects = "values"

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        _check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""


class _WeightedLoss(_Loss):
    """Base of the losses that take a `weight` (kept as a buffer, so it is saved)."""

    weight: Optional[np.ndarray]

    def __init__(self, weight: Optional[TensorLike] = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", _as_buffer(weight))


class MSELoss(_Loss):
    """Mean squared error: mean((x - y)^2). Input and target must have one shape."""

    def forward(self, input: Tensor, target: TensorLike) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: mean(|x - y|)."""

    def forward(self, input: Tensor, target: TensorLike) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """Logistic loss for labels y in {-1, +1}: mean(log(1 + e^(-y x)))."""

    target_kind = "sign"
    expects = "logits"

    def forward(self, input: Tensor, target: TensorLike) -> Tensor:
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy on probabilities in [0, 1]: -(y log p + (1 - y) log(1 - p)),
    logs clamped at -100 (PyTorch). On raw scores use BCEWithLogitsLoss, which is stable.
    weight: optional per-element rescaling, broadcast to the input."""

    target_kind = "binary"
    expects = "probabilities"

    def forward(self, input: Tensor, target: TensorLike) -> Tensor:
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Sigmoid + binary cross-entropy in one stable formula.

    weight: per-element rescaling, broadcast to the input; pos_weight: multiplies the
    positive term, one value per class (last dimension), > 1 raises recall.
    """

    target_kind = "binary"
    expects = "logits"

    pos_weight: Optional[np.ndarray]

    def __init__(self, weight: Optional[TensorLike] = None, reduction: str = "mean",
                 pos_weight: Optional[TensorLike] = None) -> None:
        super().__init__(weight, reduction)
        self.register_buffer("pos_weight", _as_buffer(pos_weight))

    def forward(self, input: Tensor, target: TensorLike) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross-entropy from logits: log-softmax and NLL fused, stable for
    logits of any size. Do not put a Softmax layer before it (it expects logits).

    weight: (C,) class weights; ignore_index: targets with this value are skipped (-100);
    label_smoothing: mix the target with the uniform distribution (0.0). Input (N, C),
    (N, C, d1, ...) or (C,); target class indices (N,) / (N, d1, ...) or class
    probabilities of the input's shape. Out-of-range targets raise one message naming
    the value, its position and the valid range.
    """

    target_kind = "class"
    expects = "logits"

    def __init__(self, weight: Optional[TensorLike] = None, ignore_index: int = -100,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be in [0, 1], got "
                             f"{label_smoothing}")
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input: Tensor, target: TensorLike) -> Tensor:
        return _cross_entropy(input, target, self.weight, self.ignore_index,
                              self.reduction, self.label_smoothing, "CrossEntropyLoss")

    def extra_repr(self) -> str:
        parts = [super().extra_repr()] if self.reduction != "mean" else []
        if self.ignore_index != -100:
            parts.append(f"ignore_index={self.ignore_index}")
        if self.label_smoothing:
            parts.append(f"label_smoothing={self.label_smoothing}")
        return ", ".join(parts)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices given log-probabilities; LogSoftmax
    followed by NLLLoss equals CrossEntropyLoss. weight: (C,); ignore_index: -100."""

    target_kind = "class"
    expects = "log_probabilities"

    def __init__(self, weight: Optional[TensorLike] = None, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: TensorLike) -> Tensor:
        return _nll_loss(input, target, self.weight, self.ignore_index, self.reduction,
                         "NLLLoss")

    def extra_repr(self) -> str:
        parts = [super().extra_repr()] if self.reduction != "mean" else []
        if self.ignore_index != -100:
            parts.append(f"ignore_index={self.ignore_index}")
        return ", ".join(parts)


class SmoothL1Loss(_Loss):
    """Smooth L1 loss: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input -
    target); less sensitive to outliers than MSELoss. beta: 1.0."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        if beta < 0:
            raise ValueError(f"SmoothL1Loss: beta must be >= 0, got {beta!r}")
        self.beta = beta

    def forward(self, input: Tensor, target: TensorLike) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Huber loss: 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta); quadratic near
    zero and linear for outliers. delta: 1.0 (then it equals SmoothL1Loss)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        if not delta > 0:
            raise ValueError(f"HuberLoss: delta must be > 0, got {delta!r}")
        self.delta = delta

    def forward(self, input: Tensor, target: TensorLike) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)
