"""Dropout's mask multiplication as one compiled loop (the reference is `apply_mask` in
nnforge.autograd.dropout).

What it saves: the reference makes three passes and two temporaries (compare the bits
with the threshold, cast the boolean mask to floats and scale it, multiply); the kernel
reads the input and the bits once and writes the output once. It multiplies by exactly the
same factor (scale or 0) as the reference, so the two agree bit for bit.
"""
from __future__ import annotations

import numpy as np

from ._compile import kernel, same_float_arrays


@kernel
def _apply_mask(x: np.ndarray, bits: np.ndarray, threshold: np.uint16, scale: np.floating,
                zero: np.floating, out: np.ndarray) -> None:
    for k in range(x.size):
        out[k] = x[k] * (scale if bits[k] >= threshold else zero)


def apply_mask(x: np.ndarray, bits: np.ndarray, threshold: np.uint16,
               scale: np.floating) -> np.ndarray:
    """Same contract as nnforge.autograd.dropout.apply_mask."""
    x = np.asarray(x)
    if (not same_float_arrays(x) or bits.dtype != np.uint16 or bits.shape != x.shape
            or not bits.flags.c_contiguous):
        return NotImplemented
    out = np.empty_like(x)
    f = x.dtype.type
    _apply_mask(x.reshape(-1), bits.reshape(-1), np.uint16(threshold), f(scale), f(0),
                out.reshape(-1))
    return out
