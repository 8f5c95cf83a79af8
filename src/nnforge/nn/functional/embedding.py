"""Table look-ups of integer indices: embedding rows and one-hot rows."""
from __future__ import annotations

from typing import Optional

import numpy as np

from ...autograd import Tensor
from ...autograd.embedding import Embedding as _Embedding
from ._inputs import _array
from .argument_types import ArrayLike


def embedding(input: ArrayLike, weight: Tensor, padding_idx: Optional[int] = None,
              max_norm: Optional[float] = None, norm_type: float = 2.0) -> Tensor:
    """Rows of `weight` (num_embeddings, embedding_dim) picked by the integer `input`
    (any shape): output shape input.shape + (embedding_dim,).

    `padding_idx`: that row gets no gradient. `max_norm`: rows about to be read whose
    `norm_type`-norm exceeds it are first rescaled in place to that norm (as PyTorch does).
    """
    indices = _array(input)
    rows = weight.shape[0]
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise ValueError(f"embedding: padding_idx {padding_idx} is out of range for "
                             f"{rows} embeddings")
        padding_idx = padding_idx % rows
    if max_norm is not None:
        _renorm_rows(weight, indices, max_norm, norm_type)
    return _Embedding.apply(indices, weight, padding_idx=padding_idx)


def _renorm_rows(weight: Tensor, indices: np.ndarray, max_norm: float,
                 norm_type: float) -> None:
    table = _array(weight)
    used = np.unique(indices)
    used = used[(used >= 0) & (used < table.shape[0])]
    norms = np.linalg.norm(table[used], ord=norm_type, axis=1)
    too_long = norms > max_norm
    scale = (max_norm / (norms[too_long] + 1e-7)).astype(table.dtype)
    table[used[too_long]] *= scale[:, None]


def one_hot(tensor: ArrayLike, num_classes: int = -1) -> Tensor:
    """int64 one-hot rows: shape tensor.shape + (num_classes,); -1 uses max + 1."""
    labels = _array(tensor)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expects integer class indices, got dtype {labels.dtype}")
    if num_classes == -1:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"one_hot: class values must be in [0, {num_classes}), got range "
                         f"[{labels.min()}, {labels.max()}]")
    return Tensor._make(np.eye(num_classes, dtype=np.int64)[labels], False, None)
