"""`Embedding`: a learned lookup table from integer ids (words, items, categories) to
dense vectors, trained like any other weight.

A one-hot vector times a weight matrix picks one row; the lookup does the same without
building the one-hot matrix.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import numpy.typing as npt

from ..autograd import Tensor
from ..random import resolve_generator
from . import functional as F
from .functional.argument_types import GeneratorLike
from .module import Module
from .parameter import Parameter


class Embedding(Module):
    """A table of `num_embeddings` vectors of size `embedding_dim` (PyTorch's `nn.Embedding`).

    The weight (num_embeddings, embedding_dim) starts N(0, 1), like PyTorch's.
    Shape: integer ids of any shape (*) -> (*, embedding_dim).

    Parameters
    ----------
    num_embeddings : int
        Size of the vocabulary (valid ids are 0 .. num_embeddings - 1).
    embedding_dim : int
        Length of each vector.
    padding_idx : int, optional
        This row starts at zero and never receives a gradient (for padding tokens);
        negative values count from the end.
    max_norm : float, optional
        Rows read in a forward pass whose `norm_type`-norm exceeds it are first rescaled in
        place to that norm.
    norm_type : float
        The p of that norm, 2.0.
    generator : numpy Generator, int seed or None
        Source of the initial weights; None uses the library's seeded default.
    dtype : dtype
        float32 by default.

    Examples
    --------
    >>> import nnforge
    >>> table = nnforge.nn.Embedding(10, 3, padding_idx=0)
    >>> tuple(table(nnforge.tensor([[1, 2], [0, 9]])).shape), table.weight[0].tolist()
    ((2, 2, 3), [0.0, 0.0, 0.0])
    """

    def __init__(self, num_embeddings: int, embedding_dim: int,
                 padding_idx: Optional[int] = None, max_norm: Optional[float] = None,
                 norm_type: float = 2.0, *, generator: GeneratorLike = None,
                 dtype: npt.DTypeLike = np.float32,
                 _weight: Optional[np.ndarray] = None) -> None:
        super().__init__()
        for arg, value in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"Embedding: {arg} must be a positive integer, got {value!r}")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise ValueError(f"Embedding: padding_idx must be within num_embeddings "
                                 f"({self.num_embeddings}), got {padding_idx}")
            padding_idx = int(padding_idx) % self.num_embeddings
        self.padding_idx, self.max_norm, self.norm_type = padding_idx, max_norm, norm_type
        if _weight is None:
            self.weight = Parameter(np.empty((self.num_embeddings, self.embedding_dim),
                                             dtype=dtype))
            self.reset_parameters(generator)
        else:
            if tuple(_weight.shape) != (self.num_embeddings, self.embedding_dim):
                raise ValueError(f"Embedding: weight shape {tuple(_weight.shape)} does not "
                                 f"match ({self.num_embeddings}, {self.embedding_dim})")
            self.weight = Parameter(_weight)

    def reset_parameters(self, generator: GeneratorLike = None) -> None:
        """N(0, 1) entries, and a zero padding row."""
        rng = resolve_generator(generator)
        table = self.weight.numpy()
        table[...] = rng.standard_normal(table.shape)
        if self.padding_idx is not None:
            table[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings: npt.ArrayLike, freeze: bool = True,
                        padding_idx: Optional[int] = None, max_norm: Optional[float] = None,
                        norm_type: float = 2.0) -> Embedding:
        """An Embedding whose table is `embeddings` (2-D, copied); `freeze` keeps it
        fixed during training (weight.requires_grad = False)."""
        array = np.array(embeddings)
        if array.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape "
                             f"{array.shape}")
        if array.dtype.kind != "f":
            array = array.astype(np.float32)
        layer = cls(array.shape[0], array.shape[1], padding_idx, max_norm, norm_type,
                    _weight=array)
        layer.weight.requires_grad = not freeze
        return layer

    def forward(self, input: Tensor) -> Tensor:
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm,
                           self.norm_type)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        return s
