"""Embedding lookup: rows of a weight matrix picked by integer indices.

A primitive rather than `weight[indices]` so that the padding row gets no gradient and
the index check names the vocabulary size.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import numpy.typing as npt

from .function import Function


class Embedding(Function):
    """out[..., :] = weight[indices[...], :]; repeated indices add their gradients, and the
    row `padding_idx` (if any) never receives one.

    Examples
    --------
    >>> import nnforge
    >>> from nnforge.nn import functional as F
    >>> weight = nnforge.tensor([[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = F.embedding(nnforge.tensor([1, 2, 1]), weight, padding_idx=0)
    >>> y.sum().backward()
    >>> y, weight.grad
    (tensor([[1., 2.],
            [3., 4.],
            [1., 2.]], grad_fn=<EmbeddingBackward>), tensor([[0., 0.],
            [2., 2.],
            [1., 1.]]))
    """

    @staticmethod
    def forward(ctx: Function, indices: npt.ArrayLike, weight: np.ndarray,
                padding_idx: Optional[int] = None) -> np.ndarray:
        indices = np.asarray(indices)
        if indices.dtype.kind not in "iu":
            raise TypeError(f"embedding(): indices must be integers (int64 like PyTorch), got "
                            f"dtype {indices.dtype}")
        rows = weight.shape[0]
        if indices.size and (indices.min() < 0 or indices.max() >= rows):
            bad = indices[(indices < 0) | (indices >= rows)].flat[0]
            raise IndexError(f"embedding(): index {bad} is out of range for an embedding "
                             f"table of {rows} rows (valid: 0 .. {rows - 1})")
        ctx.indices, ctx.shape, ctx.padding_idx = indices, weight.shape, padding_idx
        return weight[indices]

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> tuple[None, np.ndarray]:
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        np.add.at(out, ctx.indices.reshape(-1), grad.reshape(-1, ctx.shape[1]))
        if ctx.padding_idx is not None:
            out[ctx.padding_idx] = 0
        return None, out
