"""Counting a model's parameters: how big a network is, in the numbers a course quotes
(a 784-16-16-10 MLP has 13,002 weights and biases; one unit seeing a 5x5x3 patch has 75
weights)."""
from __future__ import annotations

from typing import Iterable, Protocol, Union, runtime_checkable

import numpy as np
import numpy.typing as npt

from ..autograd import Tensor

__all__ = ["num_parameters"]


@runtime_checkable
class _HasParameters(Protocol):
    """Anything with a `parameters()` method, a Module above all."""

    def parameters(self) -> Iterable[Tensor]: ...


def num_parameters(model: Union[_HasParameters, Iterable[Union[Tensor, npt.ArrayLike]]],
                   trainable_only: bool = False) -> int:
    """The number of scalar parameters of `model`; one shared by two layers counts once.

    Buffers (BatchNorm's running statistics) are not parameters and are never counted.
    Same number as PyTorch's `sum(p.numel() for p in model.parameters())`.

    Parameters
    ----------
    model : Module or iterable of Tensor
        A model, or parameters such as `model.parameters()`.
    trainable_only : bool
        Count only parameters with `requires_grad` (frozen layers excluded).

    Returns
    -------
    int

    Examples
    --------
    >>> import nnforge
    >>> nnforge.nn.num_parameters(nnforge.nn.Linear(784, 16))     # 784 * 16 + 16
    12560
    """
    parameters = model.parameters() if isinstance(model, _HasParameters) else model
    seen: set[int] = set()
    total = 0
    for p in parameters:
        if id(p) in seen or (trainable_only and not getattr(p, "requires_grad", True)):
            continue
        seen.add(id(p))
        total += int(np.size(p._data if isinstance(p, Tensor) else p))
    return total
