"""`SGD`: (stochastic) gradient descent with optional momentum, dampening and Nesterov.

Full-batch GD, single-sample SGD and mini-batch SGD are all this class:
what differs is the batch the gradient came from (``batch_size=None | 1 | m`` in the loader).
"""
from __future__ import annotations

import numpy as np

from ..autograd import Tensor
from ..backend import dispatch
from ..errors import ArgumentError
from .optimizer import Optimizer, ParamGroup, Params, State

__all__ = ["SGD", "sgd_step"]


class SGD(Optimizer):
    r"""Stochastic gradient descent, PyTorch's rule exactly.

    With ``g = grad + weight_decay * w`` (``-grad`` first when ``maximize``)::

        b <- g                                   (first step)
        b <- momentum * b + (1 - dampening) * g  (later steps)
        d <- g + momentum * b   if nesterov  else  b       (d = g when momentum = 0)
        w <- w - lr * d

    **Momentum, PyTorch's form vs the lecture's.** The lecture (Polyak's heavy ball)
    keeps a *velocity* ``v <- mu*v - alpha*g; w <- w + v``. PyTorch keeps a *buffer* of
    gradients ``b <- mu*b + g; w <- w - alpha*b``. With a constant learning rate they are the
    same method (``v = -alpha*b``: multiply the buffer recursion by ``-alpha``). They differ
    when alpha changes between steps (a schedule): the lecture's velocity remembers the old
    learning rates (``v`` carries ``alpha_old * g_old``), PyTorch's buffer does not — after a
    change, every past gradient is rescaled by the new alpha at once. nnforge follows PyTorch
    so trajectories and checkpoints match it.

    **Nesterov.** Sutskever et al. (2013) evaluate the gradient at the look-ahead point
    ``w + mu*v``. PyTorch's ``nesterov=True`` is the equivalent form written on the
    look-ahead variable, ``w <- w - alpha*(g + mu*b)``; the iterates are the look-ahead points,
    so one-step numbers differ from the lecture's form while the method is the
    same. It requires ``momentum > 0`` and ``dampening == 0``.

    **Weight decay** is coupled (added to the gradient, so it passes through the momentum
    buffer): the gradient of ``weight_decay/2 * ||w||^2``. See `Optimizer` for the lecture's
    ``w(1 - 2*alpha*lambda)`` form and for the ``l1`` group option.

    Papers: Robbins & Monro (1951); Polyak (1964); Sutskever, Martens, Dahl & Hinton (2013).

    Parameters
    ----------
    params : iterable of Tensors or of dicts
        The parameters, or parameter groups with options of their own (see `Optimizer`).
    lr : float, default 1e-3
    momentum : float in [0, 1), default 0
    dampening : float, default 0
    weight_decay : float, default 0
        Coupled L2: ``weight_decay * w`` is added to the gradient.
    nesterov : bool, default False
    maximize : bool, default False
        Ascend the objective instead (the gradient is negated first).
    l1 : float, default 0
        The L1 term: ``l1 * sign(w)`` is added to the gradient.

    Examples
    --------
    One step on ``sum(w**2)``, whose gradient is ``2*w``: ``w <- w - 0.1 * 2*w``.

    >>> import nnforge
    >>> w = nnforge.tensor([1.0, -2.0], requires_grad=True)
    >>> optimizer = SGD([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> optimizer.step()
    >>> print(w.numpy().round(4))
    [ 0.8 -1.6]

    With momentum the second step adds 0.9 of the first to the new gradient:

    >>> w = nnforge.tensor([1.0, -2.0], requires_grad=True)
    >>> optimizer = SGD([w], lr=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     optimizer.zero_grad()
    ...     (w * w).sum().backward()
    ...     optimizer.step()
    >>> print(w.numpy().round(4))
    [ 0.46 -0.92]
    """

    def __init__(self, params: Params, lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False, l1: float = 0.0) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        l1=l1)
        super().__init__(params, defaults)

    def _validate_group(self, group: ParamGroup) -> None:
        super()._validate_group(group)
        self._check_unit_interval(group, "momentum")
        self._check_number(group, "dampening")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ArgumentError("nesterov",
                                f"SGD(nesterov=True): Nesterov momentum requires momentum > 0 and "
                                f"dampening = 0, got momentum={group['momentum']!r} and "
                                f"dampening={group['dampening']!r}")

    def init_state(self, p: Tensor, group: ParamGroup) -> State:
        return {}  # the momentum buffer is created from the first gradient, as in PyTorch

    def update(self, p: Tensor, g: np.ndarray, state: State, group: ParamGroup) -> None:
        momentum = group["momentum"]
        buf = state.get("momentum_buffer")
        first = momentum != 0 and buf is None
        if first:
            buf = state["momentum_buffer"] = np.empty_like(p._data)
        sgd_step(p._data, g, buf if momentum != 0 else None, self.scratch(p, 1),
                 lr=group["lr"], momentum=momentum, dampening=group["dampening"],
                 nesterov=group["nesterov"], first=first)


@dispatch("sgd_step")
def sgd_step(param: np.ndarray, grad: np.ndarray, momentum_buffer: np.ndarray | None,
             work: np.ndarray, *, lr: float, momentum: float, dampening: float, nesterov: bool,
             first: bool) -> None:
    """One SGD update of `param` in place; `first`: the buffer is new (it becomes g)."""
    direction = grad
    if momentum_buffer is not None:
        buf = momentum_buffer
        if first:
            np.copyto(buf, grad)                     # b <- g
        else:                                        # b <- momentum*b + (1 - dampening)*g
            buf *= momentum
            np.multiply(grad, 1.0 - dampening, out=work)
            buf += work
        if nesterov:                                 # d <- g + momentum*b
            np.multiply(buf, momentum, out=work)
            work += grad
            direction = work
        else:
            direction = buf
    np.multiply(direction, -lr, out=work)            # w <- w - lr*d
    param += work
