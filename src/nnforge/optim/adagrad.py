"""`Adagrad`: per-coordinate learning rates from the running sum of squared gradients."""
from __future__ import annotations

import numpy as np

from ..autograd import Tensor
from .optimizer import Optimizer, ParamGroup, Params, State

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad (Duchi, Hazan & Singer, 2011), PyTorch's rule exactly.

    With ``g = grad + weight_decay * w`` and step count ``t`` (from 1)::

        clr <- lr / (1 + (t - 1) * lr_decay)
        G   <- G + g**2                   (G starts at initial_accumulator_value)
        w   <- w - clr * g / (sqrt(G) + eps)

    Notes: the lecture writes ``w - lr*g/sqrt(G)`` with no eps and no decay; PyTorch adds
    eps *after* the square root and an optional inverse-time decay of the step (``lr_decay``).
    The effective step only shrinks, which is why training can stall; Adadelta and
    RMSprop replace the sum by a moving average.

    Difference from PyTorch: PyTorch fills the accumulator from the *constructor's*
    ``initial_accumulator_value`` even for a parameter group that sets its own; nnforge uses
    the group's value (identical when groups do not override it).

    Parameters
    ----------
    params : iterable of Tensors or of dicts
        The parameters, or parameter groups with options of their own (see `Optimizer`).
    lr : float, default 1e-2
    lr_decay : float, default 0
    weight_decay : float, default 0
    initial_accumulator_value : float, default 0
        The starting value of the running sum G.
    eps : float, default 1e-10
    maximize : bool, default False
    l1 : float, default 0

    Examples
    --------
    On the first step ``G = g**2``, so each coordinate moves by ``lr``; the second step
    is smaller, since G only grows:

    >>> import nnforge
    >>> w = nnforge.tensor([1.0, -2.0], requires_grad=True)
    >>> optimizer = Adagrad([w], lr=0.1)
    >>> for _ in range(2):
    ...     optimizer.zero_grad()
    ...     (w * w).sum().backward()
    ...     optimizer.step()
    ...     print(w.numpy().round(4))
    [ 0.9 -1.9]
    [ 0.8331 -1.8311]
    """

    def __init__(self, params: Params, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, *, maximize: bool = False, l1: float = 0.0) -> None:
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps,
                        maximize=maximize, l1=l1)
        super().__init__(params, defaults)

    def _validate_group(self, group: ParamGroup) -> None:
        super()._validate_group(group)
        self._check_nonnegative(group, "lr_decay")
        self._check_nonnegative(group, "initial_accumulator_value")

    def init_state(self, p: Tensor, group: ParamGroup) -> State:
        return {"step": 0,
                "sum": np.full_like(p._data, group["initial_accumulator_value"])}

    def update(self, p: Tensor, g: np.ndarray, state: State, group: ParamGroup) -> None:
        work = self.scratch(p, 1)
        state["step"] += 1
        clr = group["lr"] / (1.0 + (state["step"] - 1) * group["lr_decay"])
        np.multiply(g, g, out=work)
        state["sum"] += work
        np.sqrt(state["sum"], out=work)
        work += group["eps"]
        np.divide(g, work, out=work)
        work *= -clr
        p._data += work
