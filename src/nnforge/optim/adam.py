"""`Adam` and `AdamW`: adaptive moment estimation, with coupled or decoupled weight decay."""
import math

import numpy as np

from ..errors import ArgumentError
from ._moments import bias_correction, cache_sized_parts
from .optimizer import Optimizer

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), PyTorch's rule exactly.

    ``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
    *, maximize=False, l1=0)``

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

    How the state is kept: as the discounted sums ``u = sum_k b1**(t-k) g_k = m/(1 - b1)``
    and ``s = sum_k b2**(t-k) g_k**2 = v/(1 - b2)`` (keys ``grad_sum`` and ``sq_grad_sum``).
    Updating a sum is ``u <- b1*u + g``, one multiply and one add where the average needs a
    third pass for the ``(1 - b1)`` factor; with the constants folded into ``eps`` and the
    step size a whole update makes ten passes over the parameter's memory instead of
    thirteen, which is most of its cost (bench/RESULTS.md). `state_dict` converts to
    PyTorch's ``exp_avg``/``exp_avg_sq`` (``state_dict(native=True)``, which checkpoints
    use, keeps the sums so a resumed run is bit-identical), and betas changed between steps (a one-cycle
    schedule) rescale the sums so the result is still PyTorch's recurrence.
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
            raise ArgumentError("betas",
                                f"{type(self).__name__}(betas={betas!r}): betas must be a pair "
                                f"(beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            if isinstance(beta, bool) or not isinstance(beta, (int, float)) \
                    or not 0.0 <= beta < 1.0:
                raise ArgumentError("betas",
                                    f"{type(self).__name__}(betas={tuple(betas)!r}): betas[{i}] "
                                    f"must be in [0, 1), got {beta!r}")

    def init_state(self, p, group):
        beta1, beta2 = group["betas"]
        state = {"step": 0, "grad_sum": np.zeros_like(p._data),
                 "sq_grad_sum": np.zeros_like(p._data), "scale1": 1.0 - beta1,
                 "scale2": 1.0 - beta2}
        if group["amsgrad"]:
            state["max_sq_grad_sum"] = np.zeros_like(p._data)
        return state

    def update(self, p, g, state, group):
        beta1, beta2 = group["betas"]
        state["step"] += 1
        step = state["step"]
        scale1, scale2 = 1.0 - beta1, 1.0 - beta2
        old1, old2 = state["scale1"], state["scale2"]
        second = None
        if group["amsgrad"]:
            second = state.get("max_sq_grad_sum")
            if second is None:   # amsgrad switched on after the first step
                second = state["max_sq_grad_sum"] = np.zeros_like(p._data)
            elif old2 != scale2:
                second *= old2 / scale2
        state["scale1"], state["scale2"] = scale1, scale2
        # sqrt(v_hat) = k * sqrt(w) with k = sqrt((1 - b2) / (1 - b2**t)); k moves into eps
        # and the step size, so the update costs four passes after the square root.
        k = math.sqrt(scale2 / bias_correction(beta2, step))
        coefficients = (beta1 if old1 == scale1 else beta1 * old1 / scale1,
                        beta2 if old2 == scale2 else beta2 * old2 / scale2,
                        group["eps"] / k,
                        -group["lr"] * scale1 / (bias_correction(beta1, step) * k))
        arrays = (p._data, g, state["grad_sum"], state["sq_grad_sum"], second,
                  self.scratch(p, 1))
        for part in cache_sized_parts(arrays):
            _adam_kernel(*part, *coefficients)

    def export_state(self, state, group):
        scale1, scale2 = state["scale1"], state["scale2"]
        saved = {"step": state["step"], "exp_avg": state["grad_sum"] * scale1,
                 "exp_avg_sq": state["sq_grad_sum"] * scale2}
        if "max_sq_grad_sum" in state:
            saved["max_exp_avg_sq"] = state["max_sq_grad_sum"] * scale2
        return saved

    def import_options(self, saved):
        """Saved options back in memory: `betas` is saved as a list and used as a pair."""
        if "betas" in saved:
            saved = dict(saved, betas=tuple(saved["betas"]))
        return saved

    def import_state(self, saved, p, group):
        if {"grad_sum", "sq_grad_sum", "scale1", "scale2"} <= set(saved):   # native form
            return dict(saved, step=int(saved["step"]))
        missing = sorted({"step", "exp_avg", "exp_avg_sq"} - set(saved))
        if missing:
            raise ValueError(f"{type(self).__name__}.load_state_dict: a parameter's saved state "
                             f"lacks {missing} (has {sorted(saved)}); was it saved by another "
                             "optimizer?")
        beta1, beta2 = group["betas"]
        scale1, scale2 = 1.0 - beta1, 1.0 - beta2
        state = {"step": int(saved["step"]), "grad_sum": saved["exp_avg"] / scale1,
                 "sq_grad_sum": saved["exp_avg_sq"] / scale2, "scale1": scale1,
                 "scale2": scale2}
        if "max_exp_avg_sq" in saved:
            state["max_sq_grad_sum"] = saved["max_exp_avg_sq"] / scale2
        return state


def _adam_kernel(param, g, u, w, w_max, work, decay1, decay2, eps, step_size):
    """The ten passes of one update, on whole arrays or on matching slices of them."""
    u *= decay1
    u += g
    w *= decay2
    np.multiply(g, g, out=work)
    w += work
    if w_max is not None:
        np.maximum(w_max, w, out=w_max)
        w = w_max
    np.sqrt(w, out=work)
    work += eps
    np.divide(u, work, out=work)
    work *= step_size
    param += work


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
