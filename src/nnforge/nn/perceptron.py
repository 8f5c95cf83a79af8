"""Rosenblatt's perceptron (1958): the classic single threshold unit.

It is trained by its own mistake-driven rule, not by gradient descent (its sign activation
has zero derivative almost everywhere): for each sample in turn,
y_hat = sign(w . x + b) and w <- w + lr (y - y_hat) x, b <- b + lr (y - y_hat), with labels
y in {-1, +1}, so the error y - y_hat is 0 or +-2. The rule converges on linearly separable
data (the perceptron convergence theorem) and never on data that are not, such as XOR.
The loop over samples is the algorithm itself: each update changes the next prediction.
"""
from __future__ import annotations

import warnings
from typing import Iterable

import numpy as np
import numpy.typing as npt

from ..autograd import Tensor
from ..random import resolve_generator
from .functional.argument_types import ArrayLike, GeneratorLike, TensorLike
from .module import Module
from .parameter import Parameter


class PerceptronConvergenceWarning(UserWarning):
    """The perceptron still made mistakes after its epoch budget."""


class Perceptron(Module):
    """A single sign unit trained with Rosenblatt's rule.

    Weights start at zero, as in Rosenblatt's machine; the bias is the weight of a constant
    input 1. Calling the module returns the unit's output, +1 where w . x + b > 0 and -1
    elsewhere, as an (N, 1) Tensor without gradient: the same decision as `predict` (a score
    of exactly 0, e.g. every score of an unfitted perceptron, is -1 in both).

    Parameters
    ----------
    in_features : int
        Inputs per sample.
    lr : float
        The rule's step alpha, 1.0.
    max_epochs : int
        Epoch budget, 100.
    generator : numpy Generator, int seed or None
        Shuffles the sample order each epoch when `shuffle` is True.
    shuffle : bool
        Visit the samples in a new random order each epoch (True).

    Attributes
    ----------
    weight, bias : Parameter
        Shapes (1, in_features) and (1,).
    converged_ : bool
        After `fit`: an epoch made no mistake.
    n_epochs_ : int
        Epochs run.
    errors_ : list of int
        Mistakes per epoch.
    classes_ : ndarray
        The label coding given to fit (-1/+1 or 0/1).

    Examples
    --------
    >>> import nnforge
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> unit = nnforge.nn.Perceptron(2, generator=0).fit(X, np.array([0, 0, 0, 1]))   # AND
    >>> unit.converged_, unit.predict(X).tolist()
    (True, [0, 0, 0, 1])
    """

    classes_: np.ndarray
    errors_: list[int]
    converged_: bool
    n_epochs_: int
    message_: str

    def __init__(self, in_features: int, lr: float = 1.0, max_epochs: int = 100,
                 generator: GeneratorLike = None, *, shuffle: bool = True) -> None:
        super().__init__()
        if not isinstance(in_features, (int, np.integer)) or in_features < 1:
            raise ValueError(f"Perceptron: in_features must be a positive integer, got "
                             f"{in_features!r}")
        if not lr > 0:
            raise ValueError(f"Perceptron: lr must be positive, got {lr!r}")
        if not isinstance(max_epochs, (int, np.integer)) or max_epochs < 1:
            raise ValueError(f"Perceptron: max_epochs must be a positive integer, got "
                             f"{max_epochs!r}")
        self.in_features, self.lr, self.max_epochs = int(in_features), lr, int(max_epochs)
        self.generator, self.shuffle = generator, shuffle
        self.weight = Parameter(np.zeros((1, self.in_features), dtype=np.float64),
                                requires_grad=False)
        self.bias = Parameter(np.zeros(1, dtype=np.float64), requires_grad=False)

    def _check_inputs(self, X: ArrayLike) -> np.ndarray:
        array = np.asarray(X._data if isinstance(X, Tensor) else X, dtype=np.float64)
        if array.ndim != 2 or array.shape[1] != self.in_features:
            raise ValueError(f"Perceptron(in_features={self.in_features}): X must have shape "
                             f"(n_samples, {self.in_features}), got {array.shape}")
        return array

    def _encode(self, y: ArrayLike, n: int) -> np.ndarray:
        labels_array = np.asarray(y._data if isinstance(y, Tensor) else y).reshape(-1)
        if labels_array.shape[0] != n:
            raise ValueError(f"Perceptron.fit: X has {n} samples but y has "
                             f"{labels_array.shape[0]}")
        labels = set(np.unique(labels_array).tolist())
        if labels <= {-1, 1}:
            self.classes_ = np.array([-1, 1])
            return labels_array.astype(np.float64)
        if labels <= {0, 1}:
            self.classes_ = np.array([0, 1])
            return np.where(labels_array == 1, 1.0, -1.0)
        raise ValueError(f"Perceptron.fit: labels must be -1/+1 (or 0/1), got "
                         f"{sorted(labels)}")

    def fit(self, X: ArrayLike, y: ArrayLike) -> Perceptron:
        """Run Rosenblatt's rule until an epoch makes no mistake or `max_epochs` pass.

        Warns (PerceptronConvergenceWarning) when the budget runs out with mistakes left:
        the data are then probably not linearly separable. Returns self.
        """
        inputs = self._check_inputs(X)
        targets = self._encode(y, inputs.shape[0])
        rng = resolve_generator(self.generator)
        w = np.zeros(self.in_features + 1)  # last entry: the bias, weight of input 1
        Xb = np.hstack([inputs, np.ones((inputs.shape[0], 1))])
        self.errors_ = []
        self.converged_ = False
        for _ in range(self.max_epochs):
            order: Iterable[int] = \
                rng.permutation(inputs.shape[0]) if self.shuffle else range(inputs.shape[0])
            mistakes = 0
            for i in order:
                predicted = 1.0 if Xb[i] @ w > 0 else -1.0
                error = targets[i] - predicted  # 0 or +-2
                if error:
                    w += self.lr * error * Xb[i]
                    mistakes += 1
            self.errors_.append(mistakes)
            if mistakes == 0:
                self.converged_ = True
                break
        self.n_epochs_ = len(self.errors_)
        self.weight._data[...] = w[:-1]
        self.bias._data[...] = w[-1]
        if not self.converged_:
            self.message_ = (f"Perceptron did not converge in {self.max_epochs} epochs: the "
                             f"last epoch still made {self.errors_[-1]} mistake(s) on "
                             f"{inputs.shape[0]} samples; the data are probably not linearly "
                             f"separable (e.g. XOR), which no single threshold unit can fit")
            warnings.warn(self.message_, PerceptronConvergenceWarning, stacklevel=2)
        else:
            self.message_ = f"Perceptron converged after {self.n_epochs_} epoch(s)"
        return self

    def decision_function(self, X: ArrayLike) -> np.ndarray:
        """w . x + b for each sample (a NumPy array)."""
        return self._check_inputs(X) @ self.weight._data[0] + self.bias._data[0]

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Labels in the coding given to `fit` (-1/+1 or 0/1); a score of exactly 0
        counts as the negative class, as in training."""
        positive = self.decision_function(X) > 0
        low, high = getattr(self, "classes_", np.array([-1, 1]))
        return np.where(positive, high, low)

    def score(self, X: ArrayLike, y: npt.ArrayLike) -> float:
        """Accuracy of `predict(X)` against y."""
        return float(np.mean(self.predict(X) == np.asarray(y).reshape(-1)))

    def forward(self, input: TensorLike) -> Tensor:
        # NOTE: sign(0) = 0 would disagree with predict and with the training rule, which
        # both count a zero score as the negative class.
        score = self.decision_function(input)[:, None]
        return Tensor(np.where(score > 0, 1.0, -1.0))

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, lr={self.lr}, max_epochs={self.max_epochs}"
