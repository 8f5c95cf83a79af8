"""`RMSprop`: divide the step by a moving root-mean-square of recent gradients."""
import numpy as np

from ._moments import ema_, ema_square_
from .optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop (Hinton, Coursera lecture 6e, 2012), PyTorch's rule exactly.

    ``RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
    centered=False, *, maximize=False, l1=0)``

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
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, *, maximize=False, l1=0.0):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered, maximize=maximize, l1=l1)
        super().__init__(params, defaults)

    def _validate_group(self, group):
        super()._validate_group(group)
        self._check_unit_interval(group, "momentum")
        self._check_nonnegative(group, "alpha")

    def init_state(self, p, group):
        state = {"step": 0, "square_avg": np.zeros_like(p._data)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = np.zeros_like(p._data)
        if group["centered"]:
            state["grad_avg"] = np.zeros_like(p._data)
        return state

    def update(self, p, g, state, group):
        alpha, momentum = group["alpha"], group["momentum"]
        work = self.scratch(p, 1)
        state["step"] += 1
        square_avg = ema_square_(state["square_avg"], g, alpha, work)
        if group["centered"]:
            if "grad_avg" not in state:
                state["grad_avg"] = np.zeros_like(p._data)
            grad_avg = state["grad_avg"]
            ema_(grad_avg, g, alpha, work)
            np.multiply(grad_avg, grad_avg, out=work)
            np.subtract(square_avg, work, out=work)
            np.sqrt(work, out=work)
        else:
            np.sqrt(square_avg, out=work)
        work += group["eps"]
        np.divide(g, work, out=work)
        if momentum > 0:
            if "momentum_buffer" not in state:   # momentum switched on after the first step
                state["momentum_buffer"] = np.zeros_like(p._data)
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += work
            np.multiply(buf, -group["lr"], out=work)
        else:
            work *= -group["lr"]
        p._data += work
