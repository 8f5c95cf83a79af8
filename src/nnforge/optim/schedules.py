"""Schedules as pure functions of the step (optax style): ``f = cosine(0.1, 100); f(25)``.

Every function here returns a closed-form ``step -> value`` callable, so a schedule can be
plotted or tested before any training. The PyTorch-named classes in
`nnforge.optim.lr_scheduler` apply these to an optimizer; their values equal PyTorch's
sequences (PyTorch computes most of them recursively from the previous LR; the closed forms
agree to rounding).

Naming follows PyTorch's arguments (``gamma``, ``step_size``, ``milestones``, ``T_max``,
``eta_min`` ...); ``init_value`` is the base learning rate.
"""
from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping

from ..errors import ArgumentError

__all__ = ["constant", "constant_factor", "cosine", "cosine_warm_restarts", "cyclic",
           "cyclic_momentum", "exponential", "inverse_time", "join_schedules", "lambda_schedule",
           "linear", "linear_ramp", "multiplicative", "multistep", "one_cycle",
           "one_cycle_momentum", "piecewise_constant", "polynomial", "step_decay",
           "restart_position", "Schedule"]

#: A closed-form schedule: the value (learning rate, momentum ...) at a step, which may be
#: fractional (a warm restart part-way through an epoch).
Schedule = Callable[[float], float]


def constant(value: float) -> Schedule:
    """value at every step."""
    return lambda step: value


def lambda_schedule(init_value: float, fn: Callable[[float], float]) -> Schedule:
    """init_value * fn(step) (PyTorch's LambdaLR)."""
    return lambda step: init_value * fn(step)


def multiplicative(init_value: float, fn: Callable[[int], float]) -> Schedule:
    """init_value * fn(1) * fn(2) * ... * fn(step) (PyTorch's MultiplicativeLR).

    O(step) per call: fine for plotting; the scheduler class keeps a running product."""
    def schedule(step: float) -> float:
        value = init_value
        for k in range(1, int(step) + 1):
            value = value * fn(k)
        return value
    return schedule


def constant_factor(init_value: float, factor: float = 1.0 / 3, total_iters: int = 5
                    ) -> Schedule:
    """init_value * factor for the first ``total_iters`` steps, then init_value (ConstantLR)."""
    return lambda step: init_value * (factor if step < total_iters else 1.0)


def linear(init_value: float, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
           total_iters: int = 5) -> Schedule:
    """Linear warm-up (or decay) of the factor from start_factor to end_factor over
    ``total_iters`` steps, constant afterwards (LinearLR)."""
    def schedule(step: float) -> float:
        fraction = min(total_iters, step) / total_iters
        return init_value * (start_factor + (end_factor - start_factor) * fraction)
    return schedule


def linear_ramp(start: float, end: float, steps: int) -> Schedule:
    """start -> end linearly over ``steps`` steps, then end (e.g. momentum 0.5 -> 0.9)."""
    if steps <= 0:
        return constant(end)
    return lambda step: start + (end - start) * min(max(step, 0), steps) / steps


def piecewise_constant(values: Iterable[float], boundaries: Iterable[float]) -> Schedule:
    """values[i] while boundaries[i-1] <= step < boundaries[i] (len(values) = len(boundaries)+1)."""
    value_list, sorted_boundaries = list(values), sorted(boundaries)
    if len(value_list) != len(sorted_boundaries) + 1:
        raise ArgumentError("values",
                            f"piecewise_constant: need one more value than boundaries, got "
                            f"{len(value_list)} values and {len(sorted_boundaries)} boundaries")
    return lambda step: value_list[bisect_right(sorted_boundaries, step)]


def step_decay(init_value: float, step_size: int, gamma: float = 0.1) -> Schedule:
    """init_value * gamma ** (step // step_size) (StepLR; the lecture's step decay)."""
    return lambda step: init_value * gamma ** (step // step_size)


def multistep(init_value: float, milestones: Iterable[int], gamma: float = 0.1) -> Schedule:
    """init_value * gamma ** (number of milestones <= step) (MultiStepLR).

    A milestone listed twice counts twice, as in PyTorch. The lecture divides by a factor
    > 1 at each milestone; that is gamma = 1/factor here."""
    ordered = sorted(milestones)
    return lambda step: init_value * gamma ** bisect_right(ordered, step)


def exponential(init_value: float, gamma: float) -> Schedule:
    """init_value * gamma ** step (ExponentialLR). The lecture's alpha0 * exp(-k t) is
    gamma = exp(-k)."""
    return lambda step: init_value * gamma ** step


def inverse_time(init_value: float, gamma: float, decay_steps: float = 1) -> Schedule:
    """init_value / (1 + gamma * step / decay_steps) (the lecture's inverse-time decay; Keras'
    InverseTimeDecay; not in PyTorch)."""
    return lambda step: init_value / (1.0 + gamma * step / decay_steps)


def polynomial(init_value: float, total_iters: int = 5, power: float = 1.0,
               end_value: float = 0.0) -> Schedule:
    """end_value + (init_value - end_value) * (1 - min(step, total_iters)/total_iters)**power
    (PolynomialLR has end_value = 0)."""
    def schedule(step: float) -> float:
        fraction = 1.0 - min(total_iters, step) / total_iters
        return end_value + (init_value - end_value) * fraction ** power
    return schedule


def cosine(init_value: float, T_max: int, eta_min: float = 0.0) -> Schedule:
    """eta_min + (init_value - eta_min) * (1 + cos(pi * step / T_max)) / 2.

    Like PyTorch's CosineAnnealingLR this is not clamped at T_max: past it the LR climbs
    back along the cosine (period 2*T_max). Use `cosine_warm_restarts` to restart instead."""
    def schedule(step: float) -> float:
        return eta_min + (init_value - eta_min) * (1 + math.cos(math.pi * step / T_max)) / 2
    return schedule


def restart_position(epoch: float, T_0: int, T_mult: int = 1) -> tuple[float, float]:
    """(T_cur, T_i) for SGDR at ``epoch``: steps since the last restart and the current
    period length. Exact integer arithmetic for integer epochs; PyTorch's logarithm formula
    for fractional epochs."""
    if epoch < T_0:
        return epoch, T_0
    if T_mult == 1:
        return epoch % T_0, T_0
    if float(epoch).is_integer():
        t_cur, t_i = int(epoch), T_0
        while t_cur >= t_i:
            t_cur -= t_i
            t_i *= T_mult
        return t_cur, t_i
    n = int(math.log(epoch / T_0 * (T_mult - 1) + 1, T_mult))
    return epoch - T_0 * (T_mult ** n - 1) / (T_mult - 1), T_0 * T_mult ** n


def cosine_warm_restarts(init_value: float, T_0: int, T_mult: int = 1, eta_min: float = 0.0
                         ) -> Schedule:
    """SGDR (Loshchilov & Hutter, 2017): cosine from init_value to eta_min over T_0 steps,
    then restart, each period T_mult times longer (CosineAnnealingWarmRestarts)."""
    def schedule(step: float) -> float:
        t_cur, t_i = restart_position(step, T_0, T_mult)
        return eta_min + (init_value - eta_min) * (1 + math.cos(math.pi * t_cur / t_i)) / 2
    return schedule


def _cyclic_scale(step: float, step_size_up: float, step_size_down: float | None, mode: str,
                  gamma: float, scale_fn: Callable[[float], float] | None, scale_mode: str
                  ) -> tuple[float, float]:
    """(position in the triangle in [0, 1], amplitude multiplier) at ``step``."""
    up = float(step_size_up)
    down = float(step_size_down) if step_size_down is not None else up
    total = up + down
    ratio = up / total
    cycle = math.floor(1 + step / total)
    x = 1.0 + step / total - cycle
    height = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
    if scale_fn is None:
        if mode == "triangular":
            scale_fn, scale_mode = (lambda c: 1.0), "cycle"
        elif mode == "triangular2":
            scale_fn, scale_mode = (lambda c: 1 / (2.0 ** (c - 1))), "cycle"
        elif mode == "exp_range":
            scale_fn, scale_mode = (lambda c: gamma ** c), "iterations"
        else:
            raise ValueError(f"cyclic(mode={mode!r}): mode must be 'triangular', "
                             "'triangular2' or 'exp_range' (or pass scale_fn)")
    return height, scale_fn(cycle if scale_mode == "cycle" else step)


def cyclic(base_lr: float, max_lr: float, step_size_up: float = 2000,
           step_size_down: float | None = None, mode: str = "triangular", gamma: float = 1.0,
           scale_fn: Callable[[float], float] | None = None, scale_mode: str = "cycle"
           ) -> Schedule:
    """Cyclical learning rate (Smith, 2017; CyclicLR): base_lr -> max_lr over
    ``step_size_up`` steps, back over ``step_size_down``; the amplitude is scaled by
    1 (triangular), 1/2**(cycle-1) (triangular2) or gamma**step (exp_range)."""
    def schedule(step: float) -> float:
        height, scale = _cyclic_scale(step, step_size_up, step_size_down, mode, gamma,
                                      scale_fn, scale_mode)
        return base_lr + (max_lr - base_lr) * height * scale
    return schedule


def cyclic_momentum(base_momentum: float, max_momentum: float, step_size_up: float = 2000,
                    step_size_down: float | None = None, mode: str = "triangular",
                    gamma: float = 1.0, scale_fn: Callable[[float], float] | None = None,
                    scale_mode: str = "cycle") -> Schedule:
    """The momentum that CyclicLR cycles inversely to the LR: max_momentum when the LR is at
    base_lr, base_momentum when it peaks."""
    def schedule(step: float) -> float:
        height, scale = _cyclic_scale(step, step_size_up, step_size_down, mode, gamma,
                                      scale_fn, scale_mode)
        return max_momentum - (max_momentum - base_momentum) * height * scale
    return schedule


def _anneal(start: float, end: float, pct: float, strategy: str) -> float:
    if strategy == "cos":
        return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
    return (end - start) * pct + start


def _one_cycle(total_steps: int, pct_start: float, three_phase: bool,
               values: Mapping[str, float], anneal_strategy: str) -> Schedule:
    """Phase-wise annealing shared by the LR and momentum of the 1cycle policy.

    ``values`` maps the phase endpoints ("initial", "peak", "final") to numbers."""
    if anneal_strategy not in ("cos", "linear"):
        raise ValueError(f"one_cycle(anneal_strategy={anneal_strategy!r}): must be 'cos' or "
                         "'linear'")
    if three_phase:
        phases: list[tuple[float, str, str]] = [
            (float(pct_start * total_steps) - 1, "initial", "peak"),
            (float(2 * pct_start * total_steps) - 2, "peak", "initial"),
            (total_steps - 1, "initial", "final")]
    else:
        phases = [(float(pct_start * total_steps) - 1, "initial", "peak"),
                  (total_steps - 1, "peak", "final")]

    def schedule(step: float) -> float:
        start_step = 0.0
        for end_step, start, end in phases[:-1]:
            if step <= end_step:
                break
            start_step = end_step
        else:
            end_step, start, end = phases[-1]
        pct = (step - start_step) / (end_step - start_step)
        return _anneal(values[start], values[end], pct, anneal_strategy)
    return schedule


def one_cycle(max_lr: float, total_steps: int, pct_start: float = 0.3,
              anneal_strategy: str = "cos", div_factor: float = 25.0,
              final_div_factor: float = 1e4, three_phase: bool = False) -> Schedule:
    """The 1cycle LR policy (Smith & Topin, 2019; OneCycleLR): max_lr/div_factor -> max_lr
    over pct_start of the steps, then down to max_lr/(div_factor*final_div_factor)
    (three_phase: back to the initial LR first, then down)."""
    initial = max_lr / div_factor
    return _one_cycle(total_steps, pct_start, three_phase,
                      {"initial": initial, "peak": max_lr, "final": initial / final_div_factor},
                      anneal_strategy)


def one_cycle_momentum(total_steps: int, base_momentum: float = 0.85, max_momentum: float = 0.95,
                       pct_start: float = 0.3, anneal_strategy: str = "cos",
                       three_phase: bool = False) -> Schedule:
    """The momentum of the 1cycle policy: max -> base while the LR rises, then back to max."""
    values = {"initial": max_momentum, "peak": base_momentum, "final": max_momentum}
    return _one_cycle(total_steps, pct_start, three_phase, values, anneal_strategy)


def join_schedules(schedules: Iterable[Schedule], boundaries: Iterable[int]) -> Schedule:
    """schedules[i] on [boundaries[i-1], boundaries[i]), each restarted at its own step 0
    (optax's join_schedules; what PyTorch's SequentialLR does with closed-form schedulers)."""
    parts, starts = list(schedules), list(boundaries)
    if len(parts) != len(starts) + 1:
        raise ValueError(f"join_schedules: need one more schedule than boundaries, got "
                         f"{len(parts)} schedules and {len(starts)} boundaries")

    def schedule(step: float) -> float:
        i = bisect_right(starts, step)
        return parts[i](step - (starts[i - 1] if i > 0 else 0))
    return schedule
