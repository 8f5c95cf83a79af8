"""`MaxNormConstraint`: the max-norm weight constraint as a Trainer callback."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..optim.constraints import MaxNorm
from .callbacks import Callback

__all__ = ["MaxNormConstraint"]


class MaxNormConstraint(Callback):
    """After every update, scale each unit's incoming weight vector back to norm at most
    `max_value` (see `optim.max_norm_`).

    Parameters
    ----------
    max_value : float, default 3.0
    dim : int, default 0
        The axis indexing the units (0 for Linear and Conv weights).
    parameters : iterable of Tensors, optional
        What to constrain; default: every weight with two or more axes of the trainer's model.

    ``largest_norm`` holds the largest unit norm seen before the last application.

    Examples
    --------
    Dropout's usual partner, ``Trainer(..., callbacks=[MaxNormConstraint(3.0)])``:

    >>> MaxNormConstraint(3.0)
    MaxNormConstraint(max_value=3, dim=0)
    """

    def __init__(self, max_value: float = 3.0, dim: int = 0,
                 parameters: Iterable[Any] | None = None) -> None:
        self.constraint = MaxNorm(max_value, dim)
        self.parameters = None if parameters is None else list(parameters)
        self.largest_norm: float | None = None

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        target = self.parameters if self.parameters is not None else self.trainer.model
        self.largest_norm = self.constraint(target)

    def __repr__(self) -> str:
        return (f"MaxNormConstraint(max_value={self.constraint.max_value:g}, "
                f"dim={self.constraint.dim})")
