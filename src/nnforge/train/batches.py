"""How a batch a loader yields becomes the Tensors a model and a loss take: inputs in the
model's floating dtype, targets shaped and typed for the loss."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Tensor

__all__ = ["batch_array", "input_tensor", "target_tensor", "model_dtype"]


def batch_array(batch_part: Any) -> np.ndarray:
    """A batch's inputs or targets as an array: a DataLoader's Tensors are unwrapped
    without copying.

    Examples
    --------
    >>> from nnforge import tensor
    >>> batch_array(tensor([1.0, 2.0])).tolist(), batch_array([3, 4]).tolist()
    ([1.0, 2.0], [3, 4])
    """
    return batch_part._data if isinstance(batch_part, Tensor) else np.asarray(batch_part)


def input_tensor(xb: np.ndarray | Tensor, dtype: np.dtype) -> Tensor:
    """The inputs `xb` as a Tensor without a graph; floating inputs are cast to `dtype`."""
    xb = batch_array(xb)
    if xb.dtype.kind == "f" and xb.dtype != dtype:
        xb = xb.astype(dtype)
    # NOTE: Tensor(xb) would copy the batch; loaders hand out fresh arrays and no op
    # writes into its inputs, so wrap it as it is.
    return Tensor._make(np.asarray(xb), False, None)


def target_tensor(yb: np.ndarray | Tensor, out: Tensor, dtype: np.dtype,
                  target_kind: str | None) -> Tensor:
    """The targets `yb` as the loss expects them next to the output `out`.

    `target_kind` is the loss's declared kind of target (None: not an nnforge loss).

    Examples
    --------
    >>> import numpy as np
    >>> from nnforge import tensor
    >>> y = target_tensor(np.array([0, 1]), tensor([[0.3], [0.7]]), np.dtype(np.float32),
    ...                   "binary")
    >>> y.shape, y.dtype
    ((2, 1), nnforge.float32)
    """
    yb = batch_array(yb)
    # NOTE: an (N,) regression target against (N, 1) outputs would broadcast to (N, N)
    # inside MSELoss; give it the output's trailing unit dimension instead. Integer 0/1
    # labels meet losses that need float targets (BCEWithLogitsLoss ...) as floats.
    if yb.dtype.kind in "biu" and target_kind not in (None, "class"):
        yb = yb.astype(dtype)
    if yb.dtype.kind == "f":
        if yb.dtype != dtype:
            yb = yb.astype(dtype)
        if out.ndim == yb.ndim + 1 and out.shape[-1] == 1:
            yb = yb[..., None]
    return Tensor(yb)


def model_dtype(model: Any) -> np.dtype:
    """The floating dtype of the model's parameters (float32 without any): inputs are cast
    to it."""
    for p in model.parameters():
        if p._data.dtype.kind == "f":
            return p._data.dtype
    return np.dtype(np.float32)
