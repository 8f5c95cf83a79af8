"""Inverted dropout and the random keep-mask it draws."""
from __future__ import annotations

from typing import overload

import numpy as np
import numpy.typing as npt

from ...autograd import Tensor
from ...autograd import dropout as _dropout
from ...random import resolve_generator
from ._inputs import _as_tensor
from .argument_types import ArrayLike, GeneratorLike


@overload
def dropout(input: Tensor, p: float = ..., training: bool = ...,
            generator: GeneratorLike = ...) -> Tensor: ...


@overload
def dropout(input: npt.ArrayLike, p: float = ..., training: bool = ...,
            generator: GeneratorLike = ...) -> ArrayLike: ...


def dropout(input: ArrayLike, p: float = 0.5, training: bool = True,
            generator: GeneratorLike = None) -> ArrayLike:
    """Inverted dropout: in training zero each element with probability `p` and
    scale the kept ones by 1 / (1 - p); otherwise return the input unchanged.

    Draws come from `generator` (a numpy Generator, or None for the library default), so
    a seeded run is repeatable; an int seed makes a fresh Generator, i.e. the same mask
    on every call.
    """
    if not 0 <= p < 1:
        raise ValueError(f"dropout: p (the probability of dropping an element) must be in "
                         f"[0, 1), got {p!r}")
    if not training or p == 0:
        return input
    return _dropout.dropout(_as_tensor(input), p, resolve_generator(generator))


def keep_mask(shape: tuple[int, ...], p: float, rng: np.random.Generator) -> np.ndarray:
    """Boolean array of `shape`, each entry False with probability p (rounded to a multiple
    of 2**-16, so the kept fraction is exact to 1.5e-5).

    Each entry is 16 raw bits of the generator, four entries per 64-bit draw, rather than a
    float per entry: drawing the random numbers was most of dropout's cost."""
    return _dropout.random_bits(tuple(shape), rng) >= _dropout.drop_threshold(p)
