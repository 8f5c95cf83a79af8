"""Inverted dropout as one op: keep each element with probability 1 - p and scale it by
1 / (1 - p), so every unit's expected value is the same in training and evaluation.

The random draw is separate from the arithmetic: `random_bits` takes 16 raw bits of the
generator per element (four per 64-bit draw, far cheaper than a float each), an element
is kept when its bits reach `drop_threshold(p)`, and `apply_mask` multiplies. Every
backend receives the same bits, so a seeded run drops the same elements and gives the same
numbers, bit for bit, whichever backend runs `apply_mask`. The backward is the same
multiplication applied to the gradient, reading the saved bits (2 bytes an element rather
than a float mask).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..backend import dispatch
from .function import Function

if TYPE_CHECKING:
    from .tensor import Tensor


def random_bits(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """16 random bits (uint16) per element of `shape`, drawn from `rng`."""
    size = int(np.prod(shape))
    return rng.bit_generator.random_raw(-(-size // 4)).view(np.uint16)[:size].reshape(shape)


def drop_threshold(p: float) -> np.uint16:
    """Bits below this value drop their element: the probability is p rounded to a multiple
    of 2**-16 (the kept fraction is exact to 1.5e-5)."""
    return np.uint16(min(round(p * 65536), 65535))


@dispatch("dropout_apply_mask")
def apply_mask(x: np.ndarray, bits: np.ndarray, threshold: np.uint16,
               scale: np.floating) -> np.ndarray:
    """x * scale where the element is kept (bits >= threshold), x * 0 where it is dropped.

    `scale` has x's dtype. Used for the forward (x = the input) and the backward (x = the
    gradient): the derivative of x -> x * mask is the mask.
    """
    mask = (bits >= threshold).astype(x.dtype)
    mask *= scale
    return x * mask


class Dropout(Function):
    """x * mask with mask = (bits >= threshold) / (1 - p); keywords `bits`, `threshold`,
    `scale` (1 / (1 - p) in x's dtype).

    Examples
    --------
    >>> import numpy as np
    >>> import nnforge
    >>> bits = np.array([0, 40000, 65535], dtype=np.uint16)
    >>> x = nnforge.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = Dropout.apply(x, bits=bits, threshold=drop_threshold(0.5), scale=np.float32(2))
    >>> y.sum().backward()
    >>> y.numpy(), x.grad.numpy()
    (array([0., 4., 6.], dtype=float32), array([0., 2., 2.], dtype=float32))
    """

    saves_inputs = False
    bits: np.ndarray
    threshold: np.uint16
    scale: np.floating

    @staticmethod
    def forward(ctx: Dropout, x: np.ndarray, *, bits: np.ndarray,
                threshold: np.uint16, scale: np.floating) -> np.ndarray:
        ctx.bits, ctx.threshold, ctx.scale = bits, threshold, scale
        return apply_mask(x, bits, threshold, scale)

    @staticmethod
    def backward(ctx: Dropout, grad: np.ndarray) -> np.ndarray:
        return apply_mask(grad, ctx.bits, ctx.threshold, ctx.scale)


def dropout(input: Tensor, p: float, rng: np.random.Generator) -> Tensor:
    """Training-mode inverted dropout of `input` (0 <= p < 1) with masks drawn from `rng`.

    A float input keeps its dtype; any other input is computed in float32.
    """
    if input.dtype.kind != "f":
        input = input.float()
    dtype = input.dtype
    return Dropout.apply(input, bits=random_bits(input.shape, rng), threshold=drop_threshold(p),
                         scale=dtype.type(1.0 / (1.0 - p)))
