"""Matrix products split over the kernel threads while the thread plan is on.

What it saves: with the plan on, NumPy's BLAS runs on one thread (its own workers would
spin on the cores the kernels use), so a product left to NumPy would use one core. Here a
large product is cut into one run of rows per thread inside one of numba's parallel
loops, and each run is a BLAS call on its thread (numba's ``np.dot``, through SciPy's
BLAS): one thread pool owns the cores for the kernels and the products alike. With the
plan off, or for small products, NumPy multiplies.
"""
from __future__ import annotations

import numpy as np
from numba import prange

from .. import threads
from ._compile import kernel

SPLIT_FROM = 1 << 20
"""Products of fewer multiply-adds stay on one thread (NumPy's): below this, waking the
other thread costs about as much as the half of the product it takes over."""


@kernel(threads=True)
def _row_products(a: np.ndarray, b: np.ndarray, out: np.ndarray, parts: int) -> None:
    """out = a @ b with the rows of a (and out) cut into `parts` runs, one per thread."""
    rows = a.shape[0]
    for part in prange(parts):
        lo, hi = rows * part // parts, rows * (part + 1) // parts
        np.dot(a[lo:hi], b, out[lo:hi])


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Same contract as nnforge.autograd.linalg.matmul, for 2-D float arrays of one dtype
    while the plan is on (a transposed `a` is copied first, so each run of its rows is
    contiguous); NotImplemented for anything else, so NumPy multiplies."""
    parts = threads.kernel_threads()
    if (parts <= 1 or a.ndim != 2 or b.ndim != 2 or a.dtype != b.dtype
            or a.dtype.kind != "f" or a.dtype.itemsize not in (4, 8)
            or a.shape[0] < 2 * parts or a.shape[1] != b.shape[0]
            or a.size * b.shape[1] < SPLIT_FROM):
        return NotImplemented
    out = np.empty((a.shape[0], b.shape[1]), dtype=a.dtype)
    if not (b.flags.c_contiguous or b.flags.f_contiguous):
        b = np.ascontiguousarray(b)
    _row_products(np.ascontiguousarray(a), b, out, parts)
    return out
