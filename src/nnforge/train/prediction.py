"""Predictions of a trained model in chunks: plain outputs (eval mode, no graph) and
Monte-Carlo dropout summaries. Rows are independent, so chunking gives exactly what one
big batch would, with bounded memory."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd import Tensor, no_grad
from ..data import ArrayData
from ..nn.dropout import MCDropoutPrediction, mc_dropout_predict

__all__ = ["prediction_inputs", "forward_in_chunks", "mc_dropout_in_chunks"]

ToInput = Callable[[np.ndarray], Tensor]


def prediction_inputs(x: Any) -> np.ndarray:
    """The input array of `x`: an array, the X of an (X, y) pair, or an ArrayData's X."""
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, ArrayData):
        return x.X
    if isinstance(x, tuple) and len(x) == 2:
        return x[0]
    return np.asarray(x)


def _chunks(X: np.ndarray, batch_size: int | None) -> list[np.ndarray]:
    size = len(X) if batch_size is None else int(batch_size)
    return [np.asarray(X[i:i + size]) for i in range(0, len(X), size)]


def forward_in_chunks(model: Any, X: np.ndarray, batch_size: int | None,
                      to_input: ToInput) -> np.ndarray:
    """`model`'s outputs for the rows of `X`, `batch_size` rows at a time, without a graph
    (the caller chooses the mode).

    Examples
    --------
    >>> import numpy as np
    >>> from nnforge import nn, tensor
    >>> out = forward_in_chunks(nn.Identity(), np.arange(5.0).reshape(5, 1), 2, tensor)
    >>> out[:, 0].tolist()
    [0.0, 1.0, 2.0, 3.0, 4.0]
    """
    with no_grad():
        return np.concatenate([model(to_input(chunk))._data for chunk in _chunks(X, batch_size)])


def mc_dropout_in_chunks(model: Any, X: np.ndarray, batch_size: int | None, mc_samples: int,
                         output: str | None, to_input: ToInput) -> MCDropoutPrediction:
    """`nn.mc_dropout_predict` over the rows of `X`, `batch_size` rows at a time."""
    parts = [mc_dropout_predict(model, to_input(chunk), mc_samples=mc_samples, output=output)
             for chunk in _chunks(X, batch_size)]
    mean = np.concatenate([p.mean for p in parts])
    std = np.concatenate([p.std for p in parts])
    entropy = None if output is None else np.concatenate([p.entropy for p in parts])
    return MCDropoutPrediction(mean, std, entropy)
