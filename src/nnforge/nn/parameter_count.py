"""Counting a model's parameters: how big a network is, in the numbers a course quotes
(a 784-16-16-10 MLP has 13,002 weights and biases; one unit seeing a 5x5x3 patch has 75
weights)."""
import numpy as np

from ..autograd import Tensor

__all__ = ["num_parameters"]


def num_parameters(model, trainable_only=False):
    """The number of scalar parameters of `model` (a Module, or an iterable of Parameters /
    Tensors such as `model.parameters()`); a parameter shared by two layers counts once.

    trainable_only: count only parameters with `requires_grad` (frozen layers excluded).
    Buffers (BatchNorm's running statistics) are not parameters and are never counted.
    Same number as PyTorch's `sum(p.numel() for p in model.parameters())`.
    """
    parameters = model.parameters() if hasattr(model, "parameters") else model
    seen, total = set(), 0
    for p in parameters:
        if id(p) in seen or (trainable_only and not getattr(p, "requires_grad", True)):
            continue
        seen.add(id(p))
        total += int(np.size(p._data if isinstance(p, Tensor) else p))
    return total
