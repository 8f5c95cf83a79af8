"""Dropout: randomly zero activations during training.

nnforge uses *inverted* dropout, as PyTorch does: `p` is the probability of dropping
(some courses use p for the keep probability), kept values are scaled by 1 / (1 - p)
during training, and evaluation mode is the identity. The classic variant instead
leaves training unscaled and multiplies the outgoing weights by the keep probability
q = 1 - p at test time. Both give every unit the same expected input in training and at
test time: with a mask m ~ Bernoulli(q), E[m x / q] = x (inverted) and E[m x] = q x
(classic, matched at test time by q x). Inverted dropout needs no change to the weights
and leaves the evaluation network untouched, so a trained model can be exported as is.
"""
from __future__ import annotations

from typing import NamedTuple, Optional

import numpy as np

from ..autograd import Tensor, no_grad
from ..random import resolve_generator
from . import functional as F
from .functional._inputs import _as_tensor
from .functional.argument_types import GeneratorLike, TensorLike
from .module import Module


class Dropout(Module):
    """Zero each element with probability `p` in training mode, scaling the kept ones by
    1 / (1 - p); the identity in eval mode (`model.eval()`).

    In eval mode a Tensor input comes back as the same object, an array-like as a Tensor
    viewing it (the same kind of output as in training mode). This is the inverted form; the
    classic "multiply the weights by the keep probability at test time" has the same
    expectations (see the module docstring). Shape: any -> same.

    Parameters
    ----------
    p : float
        Drop probability in [0, 1), 0.5 by default (Hinton et al. 2012 use 0.5 for hidden
        and 0.2 for input layers).
    generator : numpy Generator, int seed or None
        Source of the masks; None uses the library's seeded default at call time.

    Examples
    --------
    >>> import nnforge
    >>> layer = nnforge.nn.Dropout(0.5)
    >>> sorted(set(layer(nnforge.ones(100)).tolist()))
    [0.0, 2.0]
    >>> layer.eval()(nnforge.ones(3)).tolist()
    [1.0, 1.0, 1.0]
    """

    mode_dependent = True

    def __init__(self, p: float = 0.5, *, generator: GeneratorLike = None) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p < 1:
            raise ValueError(f"Dropout: p (the probability of dropping a unit) must be a "
                             f"number in [0, 1), got {p!r}; p = 1 would drop everything")
        self.p = float(p)
        # NOTE: resolve an int seed once; resolving it per call would repeat one mask.
        # None stays None so the library default (nnforge.manual_seed) is used at call time.
        self.generator = None if generator is None else resolve_generator(generator)

    def forward(self, input: TensorLike) -> Tensor:
        # NOTE: an array-like becomes a Tensor (no copy) in every mode, so switching to
        # eval() does not change what kind of object comes back; a Tensor in eval mode is
        # returned as the very same object, as in PyTorch.
        return F.dropout(_as_tensor(input), self.p, self.training, self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class MCDropoutPrediction(NamedTuple):
    """Monte-Carlo dropout summary, returned by `mc_dropout_predict`.

    Attributes
    ----------
    mean, std : ndarray
        Mean and standard deviation of the outputs over the stochastic passes.
    entropy : ndarray or None
        Predictive entropy of the mean distribution (None when the outputs are not
        probabilities).

    Examples
    --------
    >>> import nnforge
    >>> model = nnforge.nn.Sequential(nnforge.nn.Linear(4, 3), nnforge.nn.Dropout(0.5))
    >>> summary = nnforge.nn.mc_dropout_predict(model, nnforge.ones(2, 4), mc_samples=5)
    >>> summary.mean.shape, summary.std.shape, summary.entropy.shape
    ((2, 3), (2, 3), (2,))
    """

    mean: np.ndarray
    std: np.ndarray
    entropy: Optional[np.ndarray]


_OUTPUTS = ("softmax", "sigmoid", None)


def mc_dropout_predict(model: Module, input: TensorLike, mc_samples: int = 20,
                       output: Optional[str] = "softmax") -> MCDropoutPrediction:
    """Monte-Carlo dropout (Gal & Ghahramani 2016): keep dropout on at test time, run
    `mc_samples` stochastic forward passes and summarize their spread.

    Only Dropout layers are switched to training mode (BatchNorm and the rest stay in eval
    mode), no graph is built, and every module's mode is restored afterwards.

    Parameters
    ----------
    model : Module
        A model with at least one Dropout layer.
    input : Tensor or ndarray
        One batch of inputs.
    mc_samples : int
        Number of stochastic passes, 20.
    output : {'softmax', 'sigmoid', None}
        What the outputs are: logits of C classes along the last dimension, binary
        logits, or (None) raw regression outputs.

    Returns
    -------
    MCDropoutPrediction
        (mean, std, entropy) as NumPy arrays; mean and std over probabilities when
        `output` is set, entropy None for regression.
    """
    if not isinstance(mc_samples, (int, np.integer)) or mc_samples < 1:
        raise ValueError(f"mc_dropout_predict: mc_samples must be a positive integer, got "
                         f"{mc_samples!r}")
    if output not in _OUTPUTS:
        raise ValueError(f"mc_dropout_predict: output must be 'softmax', 'sigmoid' or None, "
                         f"got {output!r}")
    modes = [(m, m.training) for m in model.modules()]
    dropouts = [m for m, _ in modes if isinstance(m, Dropout)]
    if not dropouts:
        raise ValueError(f"mc_dropout_predict: {type(model).__name__} has no Dropout layer, "
                         f"so every pass would give the same prediction")
    model.eval()
    for layer in dropouts:
        layer.training = True
    try:
        with no_grad():
            stacked = np.stack([_probabilities(model(input), output)
                                for _ in range(int(mc_samples))])
    finally:
        for module, training in modes:
            module.training = training
    mean, std = stacked.mean(axis=0), stacked.std(axis=0)
    return MCDropoutPrediction(mean, std, _entropy(mean, output))


def _probabilities(out: TensorLike, output: Optional[str]) -> np.ndarray:
    """One pass's outputs as an array, through softmax or sigmoid when `output` says so."""
    values = out._data if isinstance(out, Tensor) else np.asarray(out)
    if output == "softmax":
        return F.softmax(values, dim=-1)._data
    if output == "sigmoid":
        return F.sigmoid(values)._data
    return values


def _entropy(mean: np.ndarray, output: Optional[str]) -> Optional[np.ndarray]:
    """Entropy of the mean predictive distribution (None for raw regression outputs)."""
    if output is None:
        return None
    tiny = np.finfo(mean.dtype).tiny
    if output == "softmax":
        return -(mean * np.log(np.maximum(mean, tiny))).sum(axis=-1)
    return -(mean * np.log(np.maximum(mean, tiny))
             + (1 - mean) * np.log(np.maximum(1 - mean, tiny)))
