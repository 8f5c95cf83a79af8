"""Matrix products split over the kernel threads while the thread plan is on.

What they save: with the plan on, OpenBLAS runs on one thread (its own workers would spin
on the cores the kernels use), so a product left to NumPy would use one core. These
kernels cut each product into as many parts as there are threads, inside one of numba's
parallel loops, and each part is a BLAS call on its thread (numba's ``np.dot``, through
SciPy's BLAS): one thread pool owns both cores for the kernels and the products alike.
With the plan off they are NumPy's matmul.
"""
from __future__ import annotations

import numpy as np
from numba import prange

from .. import threads
from ._compile import kernel


@kernel(threads=True)
def _plane_products(a: np.ndarray, a_stride: int, b: np.ndarray, b_stride: int,
                    out: np.ndarray, out_stride: int, m: int, k: int, n: int,
                    transposed: int) -> None:
    """out[i] = a[i] @ b[i], (m, k) @ (k, n), for 16 planes of flat buffers (plane i of x
    starts at i * x_stride), where `transposed` 1 means plane i of a is stored as its
    (k, m) transpose and 2 that plane i of b is stored as its (n, k) transpose."""
    for i in prange(16):
        c = out[i * out_stride:i * out_stride + m * n].reshape(m, n)
        if transposed == 1:
            at = a[i * a_stride:i * a_stride + k * m].reshape(k, m)
            np.dot(at.T, b[i * b_stride:i * b_stride + k * n].reshape(k, n), c)
        elif transposed == 2:
            bt = b[i * b_stride:i * b_stride + n * k].reshape(n, k)
            np.dot(a[i * a_stride:i * a_stride + m * k].reshape(m, k), bt.T, c)
        else:
            np.dot(a[i * a_stride:i * a_stride + m * k].reshape(m, k),
                   b[i * b_stride:i * b_stride + k * n].reshape(k, n), c)


@kernel(threads=True)
def _row_products(a: np.ndarray, b: np.ndarray, out: np.ndarray, parts: int) -> None:
    """out = a @ b with the rows of a (and out) cut into `parts` runs, one per thread."""
    rows = a.shape[0]
    for part in prange(parts):
        lo, hi = rows * part // parts, rows * (part + 1) // parts
        np.dot(a[lo:hi], b, out[lo:hi])


def plane_products(a: np.ndarray, a_stride: int, b: np.ndarray, b_stride: int,
                   out: np.ndarray, out_stride: int, shape: tuple[int, int, int],
                   transposed: int = 0) -> None:
    """The 16 products of a Winograd convolution (see `_plane_products`): one BLAS call
    per plane on each kernel thread while the plan is on, else NumPy's matmul."""
    m, k, n = shape
    if threads.kernel_threads() > 1:
        _plane_products(a, a_stride, b, b_stride, out, out_stride, m, k, n, transposed)
        return
    view = _stack_view
    A = view(a, a_stride, (k, m) if transposed == 1 else (m, k))
    B = view(b, b_stride, (n, k) if transposed == 2 else (k, n))
    np.matmul(A.transpose(0, 2, 1) if transposed == 1 else A,
              B.transpose(0, 2, 1) if transposed == 2 else B, out=view(out, out_stride, (m, n)))


def _stack_view(flat: np.ndarray, stride: int, shape: tuple[int, int]) -> np.ndarray:
    """The 16 planes of `flat` as a (16, *shape) view."""
    size = flat.itemsize
    return np.lib.stride_tricks.as_strided(flat, (16, *shape),
                                           (stride * size, shape[1] * size, size))


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b for 2-D float arrays of one dtype, the rows split over the kernel threads
    while the plan is on (a must then be C-contiguous: a transposed view is copied);
    NotImplemented for anything else, so NumPy multiplies."""
    parts = threads.kernel_threads()
    if (parts <= 1 or a.ndim != 2 or b.ndim != 2 or a.dtype != b.dtype
            or a.dtype.kind != "f" or a.shape[0] < 2 * parts or a.shape[1] != b.shape[0]):
        return NotImplemented
    out = np.empty((a.shape[0], b.shape[1]), dtype=a.dtype)
    if not (b.flags.c_contiguous or b.flags.f_contiguous):
        b = np.ascontiguousarray(b)
    _row_products(np.ascontiguousarray(a), b, out, parts)
    return out
