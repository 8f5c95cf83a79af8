"""`Adadelta`: Adagrad without the ever-shrinking step, units matched by a second EMA."""
from __future__ import annotations

import numpy as np

from ..autograd import Tensor
from ._moments import ema_square_, rms_
from .optimizer import Optimizer, ParamGroup, Params, State

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012), PyTorch's rule exactly.

    With ``g = grad + weight_decay * w``::

        E[g^2]  <- rho*E[g^2] + (1 - rho)*g**2
        delta   <- sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps) * g
        E[dx^2] <- rho*E[dx^2] + (1 - rho)*delta**2
        w       <- w - lr * delta

    Notes: the paper has no learning rate (lr = 1 reproduces it) and uses rho = 0.95;
    PyTorch defaults to rho = 0.9 and lets ``lr`` scale the step. eps sits *inside* both
    square roots (unlike Adam/RMSprop); it also starts the updates, since E[dx^2] begins at 0.
    The lecture describes the idea (a moving window instead of Adagrad's full sum).

    Parameters
    ----------
    params : iterable of Tensors or of dicts
        The parameters, or parameter groups with options of their own (see `Optimizer`).
    lr : float, default 1.0
    rho : float in [0, 1], default 0.9
        The decay of both moving averages.
    eps : float, default 1e-6
    weight_decay : float, default 0
    maximize : bool, default False
    l1 : float, default 0

    Examples
    --------
    The first step is ``sqrt(eps) / sqrt(0.1 * g**2 + eps) * g``, about 0.0032 for any
    large gradient: the step's size comes from eps until updates accumulate.

    >>> import nnforge
    >>> w = nnforge.tensor([1.0, -2.0], requires_grad=True)
    >>> optimizer = Adadelta([w])
    >>> (w * w).sum().backward()
    >>> optimizer.step()
    >>> print(w.numpy().round(4))
    [ 0.9968 -1.9968]
    """

    scratch_arrays = 2

    def __init__(self, params: Params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, *, maximize: bool = False, l1: float = 0.0) -> None:
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        l1=l1)
        super().__init__(params, defaults)

    def _validate_group(self, group: ParamGroup) -> None:
        super()._validate_group(group)
        self._check_unit_interval(group, "rho", closed=True)

    def init_state(self, p: Tensor, group: ParamGroup) -> State:
        return {"step": 0, "square_avg": np.zeros_like(p._data),
                "acc_delta": np.zeros_like(p._data)}

    def update(self, p: Tensor, g: np.ndarray, state: State, group: ParamGroup) -> None:
        rho, eps = group["rho"], group["eps"]
        delta, work = self.scratch(p, 1), self.scratch(p, 2)
        state["step"] += 1
        ema_square_(state["square_avg"], g, rho, work)
        rms_(delta, state["acc_delta"], eps, eps_inside=True)
        rms_(work, state["square_avg"], eps, eps_inside=True)
        delta /= work
        delta *= g
        ema_square_(state["acc_delta"], delta, rho, work)
        delta *= -group["lr"]
        p._data += delta
