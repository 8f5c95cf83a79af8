"""`Adam` and `AdamW`: adaptive moment estimation, with coupled or decoupled weight decay."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Tensor
from ..backend import dispatch
from ..errors import ArgumentError
from ._moments import bias_correction, ema_, ema_square_
from .optimizer import Optimizer, ParamGroup, Params, State

__all__ = ["Adam", "AdamW", "adam_step"]


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), PyTorch's rule exactly.

    With ``g = grad + weight_decay * w`` and step count ``t`` (from 1)::

        m <- b1*m + (1 - b1)*g            v <- b2*v + (1 - b2)*g**2
        v_max <- max(v_max, v)            (amsgrad; Reddi, Kale & Kumar 2018)
        w <- w - lr/(1 - b1**t) * m / (sqrt(v or v_max)/sqrt(1 - b2**t) + eps)

    Notes where PyTorch differs from the paper and the lecture:

    * the lecture writes Adam without bias correction or eps; without the correction
      the first step with g = 1 is about 3.16*lr instead of lr;
    * the paper adds eps to sqrt(v_hat); PyTorch does too, but applies the correction
      as above (algebraically equal to the paper's ``m_hat/(sqrt(v_hat) + eps)``);
    * PyTorch's AMSGrad keeps the maximum of the *uncorrected* v and bias-corrects it;
    * ``weight_decay`` here is L2 added to the gradient, which the adaptive scaling then
      distorts — use `AdamW` for decoupled decay.

    The state has PyTorch's keys (``step``, ``exp_avg``, ``exp_avg_sq``, and
    ``max_exp_avg_sq`` with amsgrad), so `state_dict` is PyTorch's as it is. The update is
    `adam_step`; with the numba backend it runs as one fused compiled loop.

    Parameters
    ----------
    params : iterable of Tensors or of dicts
        The parameters, or parameter groups with options of their own (see `Optimizer`).
    lr : float, default 1e-3
    betas : (float, float), default (0.9, 0.999)
        Decay rates of the moving averages of g and g**2, each in [0, 1).
    eps : float, default 1e-8
    weight_decay : float, default 0
        Coupled L2 (added to the gradient); `AdamW` decouples it.
    amsgrad : bool, default False
    maximize : bool, default False
    l1 : float, default 0

    Examples
    --------
    Bias correction makes the first step ``lr`` times the sign of the gradient:

    >>> import nnforge
    >>> w = nnforge.tensor([1.0, -2.0], requires_grad=True)
    >>> optimizer = Adam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> optimizer.step()
    >>> print(w.numpy().round(4))
    [ 0.9 -1.9]
    >>> sorted(optimizer.state[w])
    ['exp_avg', 'exp_avg_sq', 'step']
    """

    def __init__(self, params: Params, lr: float = 1e-3,
                 betas: tuple[float, float] | list[float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 l1: float = 0.0) -> None:
        defaults = dict(lr=lr, betas=tuple(betas) if isinstance(betas, list) else betas,
                        eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        l1=l1)
        super().__init__(params, defaults)

    def _validate_group(self, group: ParamGroup) -> None:
        super()._validate_group(group)
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ArgumentError("betas",
                                f"{type(self).__name__}(betas={betas!r}): betas must be a pair "
                                f"(beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            if isinstance(beta, bool) or not isinstance(beta, (int, float)) \
                    or not 0.0 <= beta < 1.0:
                raise ArgumentError("betas",
                                    f"{type(self).__name__}(betas={tuple(betas)!r}): betas[{i}] "
                                    f"must be in [0, 1), got {beta!r}")

    def init_state(self, p: Tensor, group: ParamGroup) -> State:
        state = {"step": 0, "exp_avg": np.zeros_like(p._data),
                 "exp_avg_sq": np.zeros_like(p._data)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = np.zeros_like(p._data)
        return state

    def update(self, p: Tensor, g: np.ndarray, state: State, group: ParamGroup) -> None:
        beta1, beta2 = group["betas"]
        state["step"] += 1
        if group["amsgrad"] and "max_exp_avg_sq" not in state:   # switched on after step 1
            state["max_exp_avg_sq"] = np.zeros_like(p._data)
        adam_step(p._data, g, state["exp_avg"], state["exp_avg_sq"],
                  state.get("max_exp_avg_sq") if group["amsgrad"] else None,
                  self.scratch(p, 1), lr=group["lr"], beta1=beta1, beta2=beta2,
                  eps=group["eps"], step=state["step"])

    def import_options(self, saved: dict[str, Any]) -> dict[str, Any]:
        """Saved options back in memory: `betas` is saved as a list and used as a pair."""
        if "betas" in saved:
            saved = dict(saved, betas=tuple(saved["betas"]))
        return saved

    def import_state(self, saved: State, p: Tensor, group: ParamGroup) -> State:
        if {"grad_sum", "sq_grad_sum", "scale1", "scale2"} <= set(saved):
            # checkpoints of earlier versions kept exp_avg / (1 - beta1) and
            # exp_avg_sq / (1 - beta2) ("discounted sums")
            state = {"step": int(saved["step"]), "exp_avg": saved["grad_sum"] * saved["scale1"],
                     "exp_avg_sq": saved["sq_grad_sum"] * saved["scale2"]}
            if "max_sq_grad_sum" in saved:
                state["max_exp_avg_sq"] = saved["max_sq_grad_sum"] * saved["scale2"]
            return state
        missing = sorted({"step", "exp_avg", "exp_avg_sq"} - set(saved))
        if missing:
            raise ValueError(f"{type(self).__name__}.load_state_dict: a parameter's saved state "
                             f"lacks {missing} (has {sorted(saved)}); was it saved by another "
                             "optimizer?")
        return dict(saved, step=int(saved["step"]))


@dispatch("adam_step")
def adam_step(param: np.ndarray, grad: np.ndarray, exp_avg: np.ndarray,
              exp_avg_sq: np.ndarray, max_exp_avg_sq: np.ndarray | None, work: np.ndarray, *,
              lr: float, beta1: float, beta2: float, eps: float, step: int) -> None:
    """One Adam update of `param` in place (`work`: a scratch array shaped like it)."""
    ema_(exp_avg, grad, beta1, work)                 # m <- b1*m + (1 - b1)*g
    ema_square_(exp_avg_sq, grad, beta2, work)       # v <- b2*v + (1 - b2)*g**2
    v = exp_avg_sq
    if max_exp_avg_sq is not None:                   # amsgrad: the largest v so far
        v = np.maximum(max_exp_avg_sq, v, out=max_exp_avg_sq)
    # w <- w - lr * m_hat / (sqrt(v_hat) + eps), m_hat = m/(1 - b1**t), v_hat = v/(1 - b2**t)
    np.divide(v, bias_correction(beta2, step), out=work)
    np.sqrt(work, out=work)
    work += eps
    np.divide(exp_avg, work, out=work)
    work *= -lr / bias_correction(beta1, step)
    param += work


class AdamW(Adam):
    r"""AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay.

    Before the Adam step (on the raw gradient, without L2 in it)::

        w <- w * (1 - lr * weight_decay)

    so the decay shrinks every weight at the same rate whatever its gradient history — unlike
    L2-in-the-gradient, which Adam's per-coordinate scaling weakens for weights with large
    gradients. The paper scales decay by a schedule multiplier ``eta_t``; PyTorch (and
    nnforge) multiply by the current lr instead, so decay follows any LR schedule.

    Parameters
    ----------
    params, lr, betas, eps, amsgrad, maximize, l1
        As for `Adam`.
    weight_decay : float, default 1e-2
        The decoupled decay rate: each step multiplies the weights by ``1 - lr*weight_decay``.

    Examples
    --------
    The decay shrinks the weights by ``1 - 0.1*0.1 = 0.99``, then Adam's first step moves
    them by ``lr``:

    >>> import nnforge
    >>> w = nnforge.tensor([1.0, -2.0], requires_grad=True)
    >>> optimizer = AdamW([w], lr=0.1, weight_decay=0.1)
    >>> (w * w).sum().backward()
    >>> optimizer.step()
    >>> print(w.numpy().round(4))
    [ 0.89 -1.88]
    """

    decoupled_weight_decay = True

    def __init__(self, params: Params, lr: float = 1e-3,
                 betas: tuple[float, float] | list[float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 l1: float = 0.0) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize, l1=l1)
