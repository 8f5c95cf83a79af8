"""`Adam` and `AdamW`: adaptive moment estimation, with coupled or decoupled weight decay."""
import numpy as np

from ._moments import bias_correction, bias_correction_sqrt, ema_, ema_square_
from .optimizer import Optimizer

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), PyTorch's rule exactly (catalogue F12).

    ``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
    *, maximize=False, l1=0)``

    With ``g = grad + weight_decay * w`` and step count ``t`` (from 1)::

        m <- b1*m + (1 - b1)*g            v <- b2*v + (1 - b2)*g**2
        v_max <- max(v_max, v)            (amsgrad; Reddi, Kale & Kumar 2018)
        w <- w - lr/(1 - b1**t) * m / (sqrt(v or v_max)/sqrt(1 - b2**t) + eps)

    Notes where PyTorch differs from the paper and the lecture:

    * the lecture (S3) writes Adam without bias correction or eps; without the correction
      the first step with g = 1 is about 3.16*lr instead of lr (catalogue N30);
    * the paper adds eps to sqrt(v_hat); PyTorch does too, but applies the correction
      as above (algebraically equal to the paper's ``m_hat/(sqrt(v_hat) + eps)``);
    * PyTorch's AMSGrad keeps the maximum of the *uncorrected* v and bias-corrects it;
    * ``weight_decay`` here is L2 added to the gradient, which the adaptive scaling then
      distorts — use `AdamW` for decoupled decay.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, maximize=False, l1=0.0):
        defaults = dict(lr=lr, betas=tuple(betas) if isinstance(betas, list) else betas,
                        eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        l1=l1)
        super().__init__(params, defaults)

    def _validate_group(self, group):
        super()._validate_group(group)
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{type(self).__name__}(betas={betas!r}): betas must be a pair "
                             f"(beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            if isinstance(beta, bool) or not isinstance(beta, (int, float)) \
                    or not 0.0 <= beta < 1.0:
                raise ValueError(f"{type(self).__name__}(betas={tuple(betas)!r}): betas[{i}] "
                                 f"must be in [0, 1), got {beta!r}")

    def init_state(self, p, group):
        state = {"step": 0, "exp_avg": np.zeros_like(p.data),
                 "exp_avg_sq": np.zeros_like(p.data)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = np.zeros_like(p.data)
        return state

    def update(self, p, g, state, group):
        beta1, beta2 = group["betas"]
        work = self.scratch(p, 1)
        state["step"] += 1
        step = state["step"]
        ema_(state["exp_avg"], g, beta1, work)
        ema_square_(state["exp_avg_sq"], g, beta2, work)
        second = state["exp_avg_sq"]
        if group["amsgrad"]:
            if "max_exp_avg_sq" not in state:   # amsgrad switched on after the first step
                state["max_exp_avg_sq"] = np.zeros_like(p.data)
            second = state["max_exp_avg_sq"]
            np.maximum(second, state["exp_avg_sq"], out=second)
        step_size = group["lr"] / bias_correction(beta1, step)
        np.sqrt(second, out=work)
        work /= bias_correction_sqrt(beta2, step)
        work += group["eps"]
        np.divide(state["exp_avg"], work, out=work)
        work *= -step_size
        p.data += work


class AdamW(Adam):
    r"""AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay.

    ``AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False,
    *, maximize=False, l1=0)``

    Before the Adam step (on the raw gradient, without L2 in it)::

        w <- w * (1 - lr * weight_decay)

    so the decay shrinks every weight at the same rate whatever its gradient history — unlike
    L2-in-the-gradient, which Adam's per-coordinate scaling weakens for weights with large
    gradients. The paper scales decay by a schedule multiplier ``eta_t``; PyTorch (and
    nnforge) multiply by the current lr instead, so decay follows any LR schedule.
    """

    decoupled_weight_decay = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, l1=0.0):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize, l1=l1)
