"""Gradient clipping: rescale all gradients by their global norm, or clamp each value.

Same results as ``torch.nn.utils.clip_grad_norm_`` / ``clip_grad_value_``; call between
``loss.backward()`` and ``optimizer.step()``. Gradients are modified in place.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Union

import numpy as np

from ..autograd import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "total_grad_norm"]

Parameters = Union[Tensor, Iterable[Tensor]]


def _grads(parameters: Parameters, caller: str) -> list[np.ndarray]:
    tensors = [parameters] if isinstance(parameters, Tensor) else parameters
    grads = []
    for i, p in enumerate(tensors):
        if not isinstance(p, Tensor):
            raise TypeError(f"{caller}: parameters must be Tensors, but item {i} is a "
                            f"{type(p).__name__}")
        if p._grad is not None:
            grads.append(p._grad)
    return grads


def _vector_norm(values: np.ndarray, norm_type: float) -> float:
    """The p-norm of a flat array for p in (0, inf], plus p = 0 (count of non-zeros) and
    -inf (smallest magnitude), as torch.linalg.vector_norm."""
    magnitude = np.abs(values)
    if norm_type == math.inf:
        return float(magnitude.max()) if magnitude.size else 0.0
    if norm_type == -math.inf:
        return float(magnitude.min()) if magnitude.size else math.inf
    if norm_type == 0:
        return float(np.count_nonzero(magnitude))
    if norm_type == 2:
        return float(math.sqrt(np.dot(magnitude.ravel(), magnitude.ravel())))
    return float(np.sum(magnitude ** norm_type) ** (1.0 / norm_type))


def total_grad_norm(parameters: Parameters, norm_type: float = 2.0) -> float:
    """The norm of all gradients together, as if concatenated into one vector (float)."""
    return _total_norm(_grads(parameters, "total_grad_norm"), float(norm_type))


def _total_norm(grads: list[np.ndarray], norm_type: float) -> float:
    if not grads:
        return 0.0
    norms = np.array([_vector_norm(g, norm_type) for g in grads], dtype=np.float64)
    return _vector_norm(norms, norm_type)


def clip_grad_norm_(parameters: Parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> Tensor:
    """Scale all gradients by ``min(1, max_norm / (total_norm + 1e-6))``, in place.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensors
        Parameters whose ``grad`` is clipped (those with ``grad is None`` are skipped).
    max_norm : float
        Largest allowed global norm.
    norm_type : float, default 2.0
        The p of the p-norm; ``math.inf`` for the largest absolute value.
    error_if_nonfinite : bool, default False
        Raise ``RuntimeError`` when the total norm is NaN or infinite (otherwise the gradients
        become NaN, as in PyTorch).

    Returns
    -------
    Tensor
        The total norm of the gradients *before* clipping, 0-d float64 (PyTorch returns a
        tensor too; use ``float(...)`` or ``.item()``).

    Examples
    --------
    The gradient of ``sum(w**2) / 2`` is ``w = (3, 4)``, of norm 5; clipped to norm 1 it
    becomes (0.6, 0.8):

    >>> import nnforge
    >>> w = nnforge.tensor([3.0, 4.0], requires_grad=True)
    >>> ((w * w).sum() / 2).backward()
    >>> float(clip_grad_norm_([w], max_norm=1.0))
    5.0
    >>> print(w.grad.numpy().round(4))
    [0.6 0.8]
    """
    max_norm = float(max_norm)
    norm_type = float(norm_type)
    grads = _grads(parameters, "clip_grad_norm_")
    if not grads:
        return Tensor(np.array(0.0))
    total = _total_norm(grads, norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                           f"gradients is {total}, so they cannot be clipped; set "
                           "error_if_nonfinite=False to clip anyway")
    coefficient = min(max_norm / (total + 1e-6), 1.0)
    for g in grads:
        g *= coefficient
    return Tensor(np.array(total))


def clip_grad_value_(parameters: Parameters, clip_value: float) -> None:
    """Clamp every gradient value into ``[-clip_value, clip_value]``, in place."""
    clip_value = float(clip_value)
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_(clip_value={clip_value}): clip_value must be "
                         ">= 0")
    for g in _grads(parameters, "clip_grad_value_"):
        np.clip(g, -clip_value, clip_value, out=g)

