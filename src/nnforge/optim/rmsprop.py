"""`RMSprop`: divide the step by a moving root-mean-square of recent gradients."""
from __future__ import annotations

import numpy as np

from ..autograd import Tensor
from ..backend import dispatch
from ._moments import ema_, ema_square_
from .optimizer import Optimizer, ParamGroup, Params, State

__all__ = ["RMSprop", "rmsprop_step"]


class RMSprop(Optimizer):
    r"""RMSprop (Hinton, Coursera lecture 6e, 2012), PyTorch's rule exactly.

    With ``g = grad + weight_decay * w``::

        v <- alpha*v + (1 - alpha)*g**2
        c <- alpha*c + (1 - alpha)*g                 (centered only; Graves 2013)
        s <- sqrt(v - c**2) if centered else sqrt(v), then s <- s + eps
        b <- momentum*b + g/s;  w <- w - lr*b        (momentum > 0)
        w <- w - lr * g/s                            (momentum = 0)

    Notes: Hinton's slides (and the lecture) use decay 0.9 and lr 1e-3 and no eps;
    PyTorch's defaults are alpha = 0.99, lr = 1e-2, with eps added after the square root and
    no bias correction (the first steps are larger than Adam's). The class is spelled
    ``RMSprop`` (lower-case p) as in PyTorch.

    Parameters
    ----------
    params : iterable of Tensors or of dicts
        The parameters, or parameter groups with options of their own (see `Optimizer`).
    lr : float, default 1e-2
    alpha : float, default 0.99
        The decay of the moving average of g**2.
    eps : float, default 1e-8
    weight_decay : float, default 0
    momentum : float in [0, 1), default 0
    centered : bool, default False
        Divide by an estimate of the gradient's standard deviation instead of its RMS.
    maximize : bool, default False
    l1 : float, default 0

    Examples
    --------
    Without bias correction the first step is large: ``v = 0.01 * g**2``, so each
    coordinate moves by ``lr / sqrt(0.01) = 10 * lr``:

    >>> import nnforge
    >>> w = nnforge.tensor([1.0, -2.0], requires_grad=True)
    >>> optimizer = RMSprop([w], lr=0.01)
    >>> (w * w).sum().backward()
    >>> optimizer.step()
    >>> print(w.numpy().round(4))
    [ 0.9 -1.9]
    """

    def __init__(self, params: Params, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, *, maximize: bool = False, l1: float = 0.0) -> None:
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered, maximize=maximize, l1=l1)
        super().__init__(params, defaults)

    def _validate_group(self, group: ParamGroup) -> None:
        super()._validate_group(group)
        self._check_unit_interval(group, "momentum")
        self._check_nonnegative(group, "alpha")

    def init_state(self, p: Tensor, group: ParamGroup) -> State:
        state = {"step": 0, "square_avg": np.zeros_like(p._data)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = np.zeros_like(p._data)
        if group["centered"]:
            state["grad_avg"] = np.zeros_like(p._data)
        return state

    def update(self, p: Tensor, g: np.ndarray, state: State, group: ParamGroup) -> None:
        state["step"] += 1
        if group["centered"] and "grad_avg" not in state:
            state["grad_avg"] = np.zeros_like(p._data)
        if group["momentum"] > 0 and "momentum_buffer" not in state:   # switched on later
            state["momentum_buffer"] = np.zeros_like(p._data)
        rmsprop_step(p._data, g, state["square_avg"],
                     state["grad_avg"] if group["centered"] else None,
                     state["momentum_buffer"] if group["momentum"] > 0 else None,
                     self.scratch(p, 1), lr=group["lr"], alpha=group["alpha"],
                     eps=group["eps"], momentum=group["momentum"])


@dispatch("rmsprop_step")
def rmsprop_step(param: np.ndarray, grad: np.ndarray, square_avg: np.ndarray,
                 grad_avg: np.ndarray | None, momentum_buffer: np.ndarray | None,
                 work: np.ndarray, *, lr: float, alpha: float, eps: float,
                 momentum: float) -> None:
    """One RMSprop update of `param` in place (centered when `grad_avg` is given)."""
    ema_square_(square_avg, grad, alpha, work)       # v <- alpha*v + (1 - alpha)*g**2
    if grad_avg is not None:                         # s <- sqrt(v - c**2)
        ema_(grad_avg, grad, alpha, work)            # c <- alpha*c + (1 - alpha)*g
        np.multiply(grad_avg, grad_avg, out=work)
        np.subtract(square_avg, work, out=work)
        np.sqrt(work, out=work)
    else:                                            # s <- sqrt(v)
        np.sqrt(square_avg, out=work)
    work += eps
    np.divide(grad, work, out=work)                  # g / (s + eps)
    if momentum_buffer is not None:                  # b <- momentum*b + g/(s + eps)
        momentum_buffer *= momentum
        momentum_buffer += work
        np.multiply(momentum_buffer, -lr, out=work)
    else:
        work *= -lr
    param += work                                    # w <- w - lr*(b or g/(s + eps))
