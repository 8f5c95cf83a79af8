"""What the doctor's checks examine and what they report: a `Patient` (the model, loss,
optimizer and training arrays of a built run), a `CheckResult` per check, and the small
helpers every check uses to run the patient's model on a few rows.
"""
from __future__ import annotations

import copy
import math
import os
from dataclasses import dataclass, field
from typing import Any, Optional, Union

import numpy as np

from ..autograd import Tensor, no_grad
from ..config.registry import classes
from ..nn import Module, MSELoss
from ..optim.optimizer import Optimizer
from .lr_finder import _prepare_target

__all__ = ["CheckResult", "Patient", "expected_initial_loss"]

PASS, WARN, FAIL = "pass", "warn", "fail"

#: a loss as the checks accept it: the loss object, its class or its registered name
LossLike = Union[Module, type, str]


def _loss_class(loss: LossLike) -> Optional[type]:
    """The class of a loss given as an object, a class or a registered name (or None)."""
    if isinstance(loss, str):
        return classes("loss").get(loss)
    return loss if isinstance(loss, type) else type(loss)


def _target_kind(loss: LossLike) -> Optional[str]:
    return getattr(_loss_class(loss), "target_kind", None)


@dataclass
class CheckResult:
    """One line of the doctor's report: a check's verdict and, unless it passed, the fix.

    Parameters
    ----------
    name : str
        The check, as the report prints it.
    status : str
        ``"pass"``, ``"warn"`` or ``"fail"``.
    message : str
        What the check measured.
    fix : str
        One suggested fix (printed unless the check passed).
    details : dict
        The numbers behind the verdict, for tests and plots.

    Examples
    --------
    >>> result = CheckResult("data: NaN/Inf", "fail", "3 non-finite inputs",
    ...                      "drop or impute those rows")
    >>> print(result.line())
    FAIL  data: NaN/Inf            3 non-finite inputs
          fix: drop or impute those rows
    """

    name: str
    status: str
    message: str
    fix: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        """The report line: status, name and message, then the fix on its own line."""
        text = f"{self.status.upper():4}  {self.name:<24} {self.message}"
        return text + (f"\n      fix: {self.fix}" if self.fix and self.status != PASS else "")


@dataclass
class Patient:
    """What the checks examine: model, loss function, optimizer and training arrays.

    The checks work on deep copies (`copies`), so examining a patient never changes it.

    Parameters
    ----------
    model : Module
        The network to examine.
    loss_fn : Module
        Its loss.
    optimizer : Optimizer
        Its optimizer (the short training experiments step copies of it).
    X, y : numpy.ndarray
        The training inputs and targets.
    batch_size : int
        The run's batch size.
    seed : int
        Chooses the rows the checks look at.
    plot_dir : str or os.PathLike, optional
        Where checks that draw (the LR range test) save their plots.

    Examples
    --------
    >>> import numpy as np
    >>> from nnforge import nn, optim
    >>> model = nn.Linear(2, 3)
    >>> patient = Patient(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
    ...                   np.zeros((6, 2), np.float32), np.array([0, 1, 2, 0, 1, 2]))
    >>> patient.loss_name, patient.lr
    ('CrossEntropyLoss', 0.1)
    >>> [rows.shape for rows in patient.rows(4)]
    [(4, 2), (4,)]
    """

    model: Module
    loss_fn: Module
    optimizer: Optimizer
    X: np.ndarray
    y: np.ndarray
    batch_size: int = 32
    seed: int = 0
    plot_dir: Optional[Union[str, os.PathLike[str]]] = None

    @classmethod
    def from_run(cls, run: Any, plot_dir: Optional[Union[str, os.PathLike[str]]] = None
                 ) -> Patient:
        """From the `Run` that `nnforge.build.build_run(config)` returns."""
        return cls(run.model, run.loss_fn, run.optimizer, np.asarray(run.train.X),
                   np.asarray(run.train.y), run.config.train.batch_size or 32,
                   run.config.seed, plot_dir)

    @property
    def loss_name(self) -> str:
        """The loss's class name, as the messages print it."""
        return type(self.loss_fn).__name__

    @property
    def lr(self) -> float:
        """The learning rate of the optimizer's first parameter group."""
        return float(self.optimizer.param_groups[0]["lr"])

    def copies(self) -> tuple[Module, Optimizer, Module]:
        """Fresh (model, optimizer, loss_fn) copies sharing nothing with the run."""
        return copy.deepcopy((self.model, self.optimizer, self.loss_fn))

    def rows(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The first n rows of a fixed permutation (the same rows for every check)."""
        order = np.random.default_rng(self.seed).permutation(len(self.X))[:n]
        return self.X[order], self.y[order]


def _dtype(model: Module) -> np.dtype:
    return next((p._data.dtype for p in model.parameters()), np.dtype(np.float32))


def _input(model: Module, X: np.ndarray) -> Tensor:
    return Tensor(X.astype(_dtype(model), copy=False) if X.dtype.kind == "f" else X)


def _loss(model: Module, loss_fn: Module, X: np.ndarray, y: np.ndarray, graph: bool = False,
          training: Optional[bool] = None) -> tuple[Tensor, Tensor]:
    """(loss Tensor, output Tensor) of one batch; a graph only when `graph`; the model in
    training mode when `training` (default: as `graph`)."""
    model.train(graph if training is None else training)
    name, dtype = getattr(loss_fn, "target_kind", None), _dtype(model)
    if graph:
        out = model(_input(model, X))
        return loss_fn(out, _prepare_target(y, out, name, dtype)), out
    with no_grad():
        out = model(_input(model, X))
        return loss_fn(out, _prepare_target(y, out, name, dtype)), out


def _output_size(patient: Patient) -> int:
    model = copy.deepcopy(patient.model)
    with no_grad():
        model.eval()
        out = model(_input(model, patient.X[:2]))
    return out.shape[1] if out.ndim > 1 else 1


def expected_initial_loss(loss: LossLike, y: np.ndarray, n_outputs: Optional[int] = None
                          ) -> tuple[Optional[float], Optional[float], str]:
    """(expected, lowest, description): the loss of a freshly initialised model.

    Small random weights give near-uniform outputs, so the loss is ln C for cross-entropy
    over C outputs and ln 2 for binary cross-entropy, whatever the class frequencies;
    `lowest` is the entropy of the real class frequencies (positive rate), which is what
    a model whose last bias is set to the log class priors starts at (equal to ln C only
    when the classes are balanced). For MSE outputs near 0 give E[y^2] (= Var(y) for
    centred targets). None for other losses. `loss`: the loss object, class or name."""
    y, kind = np.asarray(y), _target_kind(loss)
    if kind == "class" and y.dtype.kind in "iu":
        p = np.bincount(y.reshape(-1) - min(int(y.min()), 0)) / y.size
        p = p[p > 0]
        c = max(len(p), n_outputs or 0)
        entropy = float(-(p * np.log(p)).sum())
        return math.log(c), entropy, (f"ln {c} for uniform outputs; the class frequencies' "
                                      f"entropy is {entropy:.4f}")
    if kind == "binary":
        q = float(np.clip(np.mean(y), 1e-12, 1 - 1e-12))
        entropy = -(q * math.log(q) + (1 - q) * math.log(1 - q))
        return math.log(2), entropy, (f"ln 2 for outputs 0.5; the positive rate's entropy is "
                                      f"{entropy:.4f}")
    cls = _loss_class(loss)
    if isinstance(cls, type) and issubclass(cls, MSELoss):
        value = float(np.mean(np.square(y, dtype=np.float64)))
        return value, float(np.var(y)), f"E[y^2] for outputs near 0 (Var(y) = " \
            f"{float(np.var(y)):.4g})"
    return None, None, ""
