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
from .functional.argument_types import ArrayLike, TensorLike
from .functional.class_losses import _cross_entropy, _nll_loss
from .module import Module
from .state_dict import to_numpy


def _as_buffer(value: Optional[ArrayLike]) -> Optional[np.ndarray]:
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

    def __init__(self, weight: Optional[ArrayLike] = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", _as_buffer(weight))


class MSELoss(_Loss):
    """Mean squared error: mean((x - y)^2), without PyTorch's missing 1/2.

    Input and target must have one shape (broadcasting them would compare every prediction
    with every target).

    Parameters
    ----------
    reduction : {'mean', 'sum', 'none'}
        How the per-element losses combine; 'none' returns them unreduced.

    Examples
    --------
    >>> import nnforge
    >>> nnforge.nn.MSELoss()(nnforge.tensor([1.0, 2.0]), nnforge.tensor([1.0, 4.0])).item()
    2.0
    """

    def forward(self, input: Tensor, target: ArrayLike) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: mean(|x - y|).

    Parameters
    ----------
    reduction : {'mean', 'sum', 'none'}
        How the per-element losses combine; 'none' returns them unreduced.

    Examples
    --------
    >>> import nnforge
    >>> nnforge.nn.L1Loss()(nnforge.tensor([1.0, 2.0]), nnforge.tensor([1.0, 4.0])).item()
    1.0
    """

    def forward(self, input: Tensor, target: ArrayLike) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """Logistic loss for labels y in {-1, +1}: mean(log(1 + e^(-y x))).

    Parameters
    ----------
    reduction : {'mean', 'sum', 'none'}
        How the per-element losses combine; 'none' returns them unreduced.

    Examples
    --------
    >>> import nnforge
    >>> nnforge.nn.SoftMarginLoss()(nnforge.tensor([0.0, 0.0]), nnforge.tensor([1.0, -1.0])).item()
    0.6931...
    """

    target_kind = "sign"
    expects = "logits"

    def forward(self, input: Tensor, target: ArrayLike) -> Tensor:
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy on probabilities in [0, 1]: -(y log p + (1 - y) log(1 - p)).

    Logs are clamped at -100 (as PyTorch does). On raw scores use BCEWithLogitsLoss, which
    is stable.

    Parameters
    ----------
    weight : array_like, optional
        Per-element rescaling, broadcast to the input.
    reduction : {'mean', 'sum', 'none'}
        How the per-element losses combine; 'none' returns them unreduced.

    Examples
    --------
    >>> import nnforge
    >>> nnforge.nn.BCELoss()(nnforge.tensor([0.5, 0.5]), nnforge.tensor([1.0, 0.0])).item()
    0.6931...
    """

    target_kind = "binary"
    expects = "probabilities"

    def forward(self, input: Tensor, target: ArrayLike) -> Tensor:
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Sigmoid + binary cross-entropy in one stable formula, on logits.

    Parameters
    ----------
    weight : array_like, optional
        Per-element rescaling, broadcast to the input.
    reduction : {'mean', 'sum', 'none'}
        How the per-element losses combine; 'none' returns them unreduced.
    pos_weight : array_like, optional
        Multiplies the positive term, one value per class (last dimension); > 1 raises
        recall.

    Examples
    --------
    >>> import nnforge
    >>> loss_fn = nnforge.nn.BCEWithLogitsLoss()
    >>> loss_fn(nnforge.tensor([0.0, 0.0]), nnforge.tensor([1.0, 0.0])).item()
    0.6931...
    """

    target_kind = "binary"
    expects = "logits"

    pos_weight: Optional[np.ndarray]

    def __init__(self, weight: Optional[ArrayLike] = None, reduction: str = "mean",
                 pos_weight: Optional[TensorLike] = None) -> None:
        super().__init__(weight, reduction)
        self.register_buffer("pos_weight", _as_buffer(pos_weight))

    def forward(self, input: Tensor, target: ArrayLike) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross-entropy from logits: log-softmax and NLL fused, stable for logits of any
    size.

    Do not put a Softmax layer before it (it expects logits). Input (N, C),
    (N, C, d1, ...) or (C,); target class indices (N,) / (N, d1, ...) or class
    probabilities of the input's shape. Out-of-range targets raise one message naming the
    value, its position and the valid range.

    Parameters
    ----------
    weight : array_like, optional
        (C,) class weights.
    ignore_index : int
        Targets with this value are skipped, -100.
    reduction : {'mean', 'sum', 'none'}
        How the per-element losses combine; 'none' returns them unreduced.
    label_smoothing : float
        Mix the target with the uniform distribution, 0.0.

    Examples
    --------
    >>> import nnforge
    >>> loss_fn = nnforge.nn.CrossEntropyLoss()
    >>> loss_fn(nnforge.zeros(2, 4), nnforge.tensor([0, 3])).item()
    1.3862...
    """

    target_kind = "class"
    expects = "logits"

    def __init__(self, weight: Optional[ArrayLike] = None, ignore_index: int = -100,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be in [0, 1], got "
                             f"{label_smoothing}")
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input: Tensor, target: ArrayLike) -> Tensor:
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
    """Negative log-likelihood of class indices given log-probabilities.

    LogSoftmax followed by NLLLoss equals CrossEntropyLoss.

    Parameters
    ----------
    weight : array_like, optional
        (C,) class weights.
    ignore_index : int
        Targets with this value are skipped, -100.
    reduction : {'mean', 'sum', 'none'}
        How the per-element losses combine; 'none' returns them unreduced.

    Examples
    --------
    >>> import nnforge
    >>> log_probs = nnforge.tensor([[-0.5, -1.0], [-2.0, -0.25]])
    >>> nnforge.nn.NLLLoss()(log_probs, nnforge.tensor([0, 1])).item()
    0.375
    """

    target_kind = "class"
    expects = "log_probabilities"

    def __init__(self, weight: Optional[ArrayLike] = None, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: ArrayLike) -> Tensor:
        return _nll_loss(input, target, self.weight, self.ignore_index, self.reduction,
                         "NLLLoss")

    def extra_repr(self) -> str:
        parts = [super().extra_repr()] if self.reduction != "mean" else []
        if self.ignore_index != -100:
            parts.append(f"ignore_index={self.ignore_index}")
        return ", ".join(parts)


class SmoothL1Loss(_Loss):
    """Smooth L1 loss: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input -
    target).

    Less sensitive to outliers than MSELoss; beta = 0 is the L1 loss.

    Parameters
    ----------
    reduction : {'mean', 'sum', 'none'}
        How the per-element losses combine; 'none' returns them unreduced.
    beta : float
        Where the quadratic part ends, 1.0.

    Examples
    --------
    >>> import nnforge
    >>> loss_fn = nnforge.nn.SmoothL1Loss(reduction="none")
    >>> loss_fn(nnforge.tensor([0.5, 2.0]), nnforge.tensor([0.0, 0.0])).tolist()
    [0.125, 1.5]
    """

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        if beta < 0:
            raise ValueError(f"SmoothL1Loss: beta must be >= 0, got {beta!r}")
        self.beta = beta

    def forward(self, input: Tensor, target: ArrayLike) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Huber loss: 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta).

    Quadratic near zero and linear for outliers; with delta = 1 it equals SmoothL1Loss.

    Parameters
    ----------
    reduction : {'mean', 'sum', 'none'}
        How the per-element losses combine; 'none' returns them unreduced.
    delta : float
        Where the quadratic part ends, 1.0.

    Examples
    --------
    >>> import nnforge
    >>> loss_fn = nnforge.nn.HuberLoss(reduction="none", delta=2.0)
    >>> loss_fn(nnforge.tensor([0.5, 3.0]), nnforge.tensor([0.0, 0.0])).tolist()
    [0.125, 4.0]
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        if not delta > 0:
            raise ValueError(f"HuberLoss: delta must be > 0, got {delta!r}")
        self.delta = delta

    def forward(self, input: Tensor, target: ArrayLike) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)
