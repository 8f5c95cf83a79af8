"""Weight constraints applied after each update: the max-norm constraint of dropout training.

Srivastava et al. (2014) bound the norm of the incoming weight vector of every unit by a
constant c: after each update, a unit whose vector grew longer than c is scaled back onto the
ball of radius c. With the constraint a network can use a learning rate large enough to
explore well without its weights blowing up; it is what lets dropout nets train fast.
Keras calls it the `max_norm(c)` constraint; `torch.renorm(w, 2, 0, c)` is the same operation.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Union, cast

import numpy as np

from ..autograd import Tensor

if TYPE_CHECKING:   # optim sits below nn: a model is only read through named_parameters
    from ..nn.module import Module

__all__ = ["MaxNorm", "constrained_weights", "max_norm_", "unit_norms"]

#: added to a norm before dividing by it, as in torch.renorm and Keras
EPS = 1e-7

#: What a constraint applies to: a Module (its weights), a Tensor or Tensors.
Constrained = Union["Module", Tensor, Iterable[Tensor]]


def _check(max_value: float, dim: int, caller: str) -> tuple[float, int]:
    if isinstance(max_value, bool) or not isinstance(max_value, (int, float, np.number)) \
            or not math.isfinite(max_value) or max_value <= 0:
        raise ValueError(f"{caller}(max_value={max_value!r}): expected a positive finite "
                         "number, the largest norm a unit's weight vector may have")
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{caller}(dim={dim!r}): expected an integer, the axis that indexes "
                        "the units (0 for Linear and Conv weights, whose shape starts with "
                        "out_features / out_channels)")
    return float(max_value), int(dim)


def unit_norms(weight: Tensor | np.ndarray, dim: int = 0) -> np.ndarray:
    """The Euclidean norm of each unit's weight vector: one value per index along `dim`,
    taken over all the other axes (row norms of a Linear weight, filter norms of a Conv
    weight)."""
    array = weight._data if isinstance(weight, Tensor) else np.asarray(weight)
    if array.ndim == 0:
        return np.abs(array).reshape(1)
    axis = dim % array.ndim
    other = tuple(a for a in range(array.ndim) if a != axis)
    return np.sqrt(np.sum(np.square(array, dtype=np.float64), axis=other))


def constrained_weights(module: Module) -> list[Tensor]:
    """The parameters a max-norm constraint applies to in `module`: every weight with two
    or more axes (Linear, Conv, RNN matrices), not the biases nor normalization scales."""
    return [p for name, p in module.named_parameters()
            if p._data.ndim >= 2 and name.rsplit(".", 1)[-1].startswith("weight")]


def _parameters(parameters: Constrained, caller: str) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        return [parameters]
    if hasattr(parameters, "named_parameters"):           # a Module
        return constrained_weights(cast("Module", parameters))
    params = list(parameters)
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{caller}: expected a Module, a Tensor or Tensors, but item {i} "
                            f"is a {type(p).__name__}")
    return params


def max_norm_(parameters: Constrained, max_value: float = 3.0, dim: int = 0) -> float:
    """Scale every unit whose weight vector is longer than `max_value` back to that length,
    in place; shorter ones are left exactly as they are.

    Parameters
    ----------
    parameters : Module, Tensor or iterable of Tensors
        A Module constrains all its weights with two or more axes (`constrained_weights`);
        Tensors given explicitly are all constrained.
    max_value : float, default 3.0
        The radius c (Srivastava et al. used 3-4 on MNIST).
    dim : int, default 0
        The axis indexing the units: for a Linear weight (out_features, in_features) unit i's
        incoming vector is row i, so dim=0; the same for Conv weights (out, in, kh, kw). This
        is torch.renorm's `dim`; Keras's `axis` is the opposite (the axes summed over).

    A unit with norm n > c is multiplied by c / (n + 1e-7), as torch.renorm does. Keras
    multiplies every unit by min(n, c) / (n + 1e-7), which also shrinks the units inside the
    ball by a relative 1e-7 / n; the two agree to that precision.

    Returns
    -------
    float
        The largest unit norm found before the constraint, to watch how hard the
        constraint is pulling.
    """
    max_value, dim = _check(max_value, dim, "max_norm_")
    largest = 0.0
    for p in _parameters(parameters, "max_norm_"):
        array = p._data
        if array.ndim == 0 or array.size == 0:
            continue
        if not -array.ndim <= dim < array.ndim:
            raise ValueError(f"max_norm_(dim={dim}): a parameter of shape {array.shape} has "
                             f"no axis {dim}")
        norms = unit_norms(array, dim)
        largest = max(largest, float(norms.max()))
        too_long = norms > max_value
        if not too_long.any():
            continue
        scale = np.where(too_long, max_value / (norms + EPS), 1.0).astype(array.dtype)
        shape = [1] * array.ndim
        shape[dim % array.ndim] = -1
        np.multiply(array, scale.reshape(shape), out=array)
    return largest


class MaxNorm:
    """A reusable max-norm constraint: ``MaxNorm(3.0)(model)`` after each
    ``optimizer.step()`` (the `train.MaxNormConstraint` callback does it for the Trainer).

    Calling it returns the largest unit norm seen before the constraint.

    Parameters
    ----------
    max_value : float, default 3.0
        The largest norm a unit's weight vector may have.
    dim : int, default 0
        The axis indexing the units (see `max_norm_`).

    Examples
    --------
    The first unit's weights (norm 5) are scaled back onto the unit ball, the second's
    (norm 0.5) stay as they are:

    >>> import nnforge
    >>> weight = nnforge.tensor([[3.0, 4.0], [0.3, 0.4]])
    >>> constraint = MaxNorm(1.0)
    >>> constraint(weight)
    5.0
    >>> print(weight.numpy().round(4))
    [[0.6 0.8]
     [0.3 0.4]]
    """

    def __init__(self, max_value: float = 3.0, dim: int = 0) -> None:
        self.max_value, self.dim = _check(max_value, dim, "MaxNorm")

    def __call__(self, parameters: Constrained) -> float:
        return max_norm_(parameters, self.max_value, self.dim)

    def __repr__(self) -> str:
        return f"MaxNorm(max_value={self.max_value:g}, dim={self.dim})"
