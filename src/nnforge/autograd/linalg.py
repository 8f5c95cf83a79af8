"""Matrix products: `@` with NumPy's matmul semantics (1-D, 2-D and batched operands) and
the fused affine map used by `Linear`."""
from __future__ import annotations

from typing import Optional

import numpy as np

from ..backend import dispatch
from .function import Function, Gradient, unbroadcast


@dispatch("matmul")
def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b. The numba backend splits a 2-D product over the kernel threads while the
    thread plan of nnforge.threads is on (NumPy's BLAS then runs on one thread)."""
    return np.matmul(a, b)


class MatMul(Function):
    """z = x @ y; batch dimensions broadcast, 1-D operands are promoted and squeezed.

    Examples
    --------
    >>> import nnforge
    >>> x = nnforge.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> w = nnforge.tensor([[1.0], [1.0]], requires_grad=True)
    >>> y = x @ w
    >>> y.sum().backward()
    >>> y, x.grad, w.grad
    (tensor([[3.],
            [7.]], grad_fn=<MatMulBackward>), tensor([[1., 1.],
            [1., 1.]]), tensor([[4.],
            [6.]]))
    """

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x, y)
        try:
            return np.matmul(x, y)
        except ValueError:
            raise ValueError(f"matmul: shapes {np.shape(x)} and {np.shape(y)} are not aligned "
                             f"(the last dimension of the first must equal the second-to-last "
                             f"of the second)") from None

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> tuple[Gradient, Gradient]:
        x, y = ctx.saved
        needs = ctx.needs_input_grad
        x2 = x[None, :] if x.ndim == 1 else x
        y2 = y[:, None] if y.ndim == 1 else y
        g = grad
        if y.ndim == 1:  # restore the squeezed dimensions: the column first, then the row
            g = g[..., None]
        if x.ndim == 1:
            g = g[..., None, :]
        gx = gy = None
        if needs[0]:
            gx = np.matmul(g, np.swapaxes(y2, -1, -2))
            gx = unbroadcast(gx, x2.shape).reshape(x.shape)
        if needs[1]:
            gy = np.matmul(np.swapaxes(x2, -1, -2), g)
            gy = unbroadcast(gy, y2.shape).reshape(y.shape)
        return gx, gy


class Linear(Function):
    """y = x W^T + b for x of shape (*, in_features), W of shape (out, in).

    One primitive rather than matmul + transpose + add: the backward is two GEMMs and a
    column sum on 2-D views, with no broadcast bookkeeping (measured in bench/mlp.py).

    Examples
    --------
    >>> import nnforge
    >>> from nnforge.nn import functional as F
    >>> x = nnforge.tensor([[1.0, 2.0]], requires_grad=True)
    >>> w = nnforge.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], requires_grad=True)
    >>> b = nnforge.tensor([0.0, 0.0, 1.0], requires_grad=True)
    >>> y = F.linear(x, w, b)
    >>> y.sum().backward()
    >>> y, x.grad, b.grad
    (tensor([[1., 2., 4.]], grad_fn=<LinearBackward>), tensor([[2., 2.]]), tensor([1., 1., 1.]))
    """

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, weight: np.ndarray,
                bias: Optional[np.ndarray] = None) -> np.ndarray:
        ctx.save_for_backward(x, weight)
        ctx.has_bias = bias is not None
        out = matmul(x, weight.T)
        if bias is not None:
            out += bias
        return out

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> tuple[Gradient, Gradient, Gradient]:
        x, weight = ctx.saved
        needs = ctx.needs_input_grad
        g2 = grad.reshape(-1, grad.shape[-1])
        gx = matmul(grad, weight) if needs[0] else None
        gw = matmul(g2.T, x.reshape(-1, x.shape[-1])) if needs[1] else None
        gb = g2.sum(axis=0) if ctx.has_bias and needs[2] else None
        return gx, gw, gb
