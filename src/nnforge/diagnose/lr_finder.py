"""The LR range test (Smith 2017, "Cyclical Learning Rates for Training Neural Networks"):
train for a few steps while the learning rate grows from tiny to large, exponentially (the
default, even coverage of every decade) or linearly (Smith's original sweep), record the
loss at every step and read learning rates off the curve.

The pick is made robust against the curve's noise: non-finite losses end the test (the
run diverged) and are never used; an exponential moving average of the loss detects
divergence (and is what the plot shows); two candidates are read off a centred moving
average of the curve (no lag): the LR of steepest descent (most negative slope against
log LR) before the minimum, and one tenth of the LR at the minimum. The suggestion is the
smaller of the two: both sit on the falling part of the curve; the smaller is safer.

For a cyclical schedule the test gives the pair of bounds as Smith reads them: `base_lr`
where the loss starts to fall (a tenth of the total drop done) and `max_lr` where it stops
falling, before it climbs (nine tenths of the drop done, counted in orders of magnitude
so that a loss falling geometrically still counts as falling); feed them to
`optim.lr_scheduler.CyclicLR(base_lr=..., max_lr=...)`.

The model and optimizer are copied first, so the test never changes the caller's objects.
"""
from __future__ import annotations

import copy
import math
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Union

import numpy as np
from numpy.typing import ArrayLike

from ..autograd import Tensor
from ..data._typing import GeneratorLike
from ..nn import Module
from ..optim.optimizer import Optimizer
from ..random import resolve_generator
from .figures import drawing_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["LRFinderResult", "lr_range_test", "lr_sweep", "smooth", "suggest_cyclic_bounds",
           "suggest_lr"]

SWEEPS = ("exponential", "linear")


@dataclass
class LRFinderResult:
    """What an LR range test found: lrs and losses per step (raw and smoothed), the
    candidates and the suggestion, and the (base_lr, max_lr) bounds for CyclicLR.

    Examples
    --------
    >>> import numpy as np
    >>> import nnforge
    >>> from nnforge import nn, optim
    >>> _ = nnforge.manual_seed(0)
    >>> X = np.random.default_rng(0).standard_normal((64, 3)).astype(np.float32)
    >>> y = X @ np.array([1.0, -2.0, 0.5], dtype=np.float32)
    >>> model = nn.Linear(3, 1)
    >>> result = lr_range_test(model, optim.SGD(model.parameters(), lr=0.1), nn.MSELoss(), X,
    ...                        y, start_lr=1e-4, end_lr=10.0, num_steps=40, generator=0)
    >>> result.mode, len(result.lrs) == len(result.losses)
    ('exponential', True)
    >>> result.suggested_lr <= result.min_loss_lr / 10
    True
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    steepest_lr: float
    min_loss_lr: float
    suggested_lr: float
    diverged: bool
    base_lr: float = float("nan")
    max_lr: float = float("nan")
    mode: str = "exponential"

    def plot(self, path: Union[str, os.PathLike[str], None] = None, ax: Optional[Axes] = None
             ) -> Axes:
        """Loss vs LR (log x) with the suggestion marked; saves to `path` when given."""
        with drawing_axes(ax, (6, 4), path) as drawn:
            self._draw(drawn)
        return drawn

    def _draw(self, ax: Axes) -> None:
        ax.plot(self.lrs, self.losses, color="0.7", lw=1, label="loss")
        ax.plot(self.lrs, self.smoothed, color="C0", lw=2, label="smoothed")
        ax.axvline(self.suggested_lr, color="C3", ls="--",
                   label=f"suggested lr {self.suggested_lr:.2g}")
        if np.isfinite(self.base_lr) and np.isfinite(self.max_lr):
            ax.axvspan(self.base_lr, self.max_lr, color="C2", alpha=0.15,
                       label=f"cyclic bounds {self.base_lr:.2g} .. {self.max_lr:.2g}")
        ax.set_xscale("log" if self.mode == "exponential" else "linear")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("training loss")
        ax.set_title("LR range test")
        finite = self.smoothed[np.isfinite(self.smoothed)]
        if finite.size:
            ax.set_ylim(finite.min() - 0.05 * abs(finite.min()), min(finite.max(),
                                                                     4 * finite[0]) * 1.05)
        ax.legend()


def smooth(losses: ArrayLike, beta: float = 0.9) -> np.ndarray:
    """Bias-corrected exponential moving average (as Adam's moments); NaN stays NaN."""
    values = np.asarray(losses, dtype=np.float64)
    out = np.empty(len(values))
    average = 0.0
    for i, value in enumerate(values):
        average = beta * average + (1 - beta) * value
        out[i] = average / (1 - beta ** (i + 1))
    return out


def _centered(values: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average (no lag, unlike the EMA); the window shrinks at the ends."""
    half = window // 2
    padded = np.concatenate([[0.0], np.cumsum(values)])
    idx = np.arange(len(values))
    lo, hi = np.maximum(idx - half, 0), np.minimum(idx + half + 1, len(values))
    return (padded[hi] - padded[lo]) / (hi - lo)


def suggest_lr(lrs: ArrayLike, losses: ArrayLike, skip_start: int = 3
               ) -> tuple[float, float, float]:
    """(steepest_lr, min_loss_lr, suggested_lr) from a loss-vs-LR curve.

    Non-finite losses and everything after the first of them are ignored; the curve is
    smoothed by a centred moving average (about a tenth of the points, at least 5), which
    does not shift the minimum the way an EMA's lag does. steepest_lr: most negative slope
    against log LR before the minimum; suggested: min(steepest_lr, min_loss_lr / 10).
    """
    lrs, losses = np.asarray(lrs, dtype=np.float64), np.asarray(losses, dtype=np.float64)
    stop = _finite_prefix(losses, "suggest_lr", skip_start)
    window = max(5, (stop // 10) | 1)
    lrs, smoothed = lrs[:stop], _centered(losses[:stop], window)
    best = skip_start + int(np.argmin(smoothed[skip_start:]))
    min_loss_lr = float(lrs[best])
    steepest_lr = min_loss_lr / 10
    if best > skip_start + 1:
        slope = np.gradient(smoothed[:best + 1], np.log(lrs[:best + 1]))
        steepest = skip_start + int(np.argmin(slope[skip_start:best]))  # strictly before
        steepest_lr = float(lrs[steepest])
    return steepest_lr, min_loss_lr, float(min(steepest_lr, min_loss_lr / 10))


def _finite_prefix(losses: np.ndarray, owner: str, skip_start: int) -> int:
    """Length of the run before its first non-finite loss (a ValueError when too short)."""
    finite = np.isfinite(losses)
    stop = len(losses) if finite.all() else int(np.argmin(finite))
    if stop < skip_start + 3:
        raise ValueError(f"{owner}: only {stop} finite losses before the run diverged; "
                         "start the test at a smaller LR")
    return stop


def suggest_cyclic_bounds(lrs: ArrayLike, losses: ArrayLike, skip_start: int = 3,
                          fraction: float = 0.1) -> tuple[float, float]:
    """(base_lr, max_lr) for a cyclical learning rate from a range test's curve.

    The curve up to its first non-finite loss is smoothed by the same centred moving
    average as `suggest_lr`; with L0 the smoothed loss at `skip_start` and L_min its
    minimum, base_lr is the first LR where the loss has fallen by `fraction` of
    L0 - L_min (it starts to fall) and max_lr the first LR where log(loss) is within
    `fraction` of log(L0) - log(L_min) above log(L_min) (it has stopped falling; the climb
    comes after the minimum). The logarithm matters where the loss falls geometrically (a
    quadratic bowl): on the loss itself nine tenths of the drop are done long before the
    fall stops. Losses that reach 0 or below are read without the logarithm. Works for
    exponential and linear sweeps alike (the rule reads losses, not slopes).
    """
    if not 0 < fraction < 0.5:
        raise ValueError(f"suggest_cyclic_bounds(fraction={fraction!r}): expected a number "
                         "in (0, 0.5)")
    lrs, losses = np.asarray(lrs, dtype=np.float64), np.asarray(losses, dtype=np.float64)
    stop = _finite_prefix(losses, "suggest_cyclic_bounds", skip_start)
    window = max(5, (stop // 10) | 1)
    lrs, smoothed = lrs[:stop], _centered(losses[:stop], window)
    best = skip_start + int(np.argmin(smoothed[skip_start:]))
    start, low = smoothed[skip_start], smoothed[best]
    drop = start - low
    if not drop > 0:
        raise ValueError("suggest_cyclic_bounds: the loss never fell below its starting "
                         "value; widen the LR range (larger end_lr) or train more steps")
    falling = smoothed[skip_start:best + 1]
    base = skip_start + int(np.argmax(falling <= start - fraction * drop))
    if low > 0:
        falling, start, low = np.log(falling), np.log(start), np.log(low)
    top = skip_start + int(np.argmax(falling <= low + fraction * (start - low)))
    return float(lrs[base]), float(lrs[max(top, base)])


def lr_sweep(start_lr: float, end_lr: float, num_steps: int, mode: str = "exponential"
             ) -> np.ndarray:
    """The learning rates of a range test: start_lr * (end_lr / start_lr) ** (i / (n - 1))
    ("exponential") or start_lr + (end_lr - start_lr) * i / (n - 1) ("linear")."""
    if mode not in SWEEPS:
        raise ValueError(f"lr_range_test(mode={mode!r}): expected 'exponential' or 'linear'")
    position = np.arange(num_steps) / (num_steps - 1)
    if mode == "linear":
        return start_lr + (end_lr - start_lr) * position
    return start_lr * (end_lr / start_lr) ** position


def _prepare_target(y: np.ndarray, out: Tensor, target_kind: Optional[str],
                    dtype: np.dtype) -> Tensor:
    if y.dtype.kind in "biu" and target_kind != "class":
        y = y.astype(dtype)
    if y.dtype.kind == "f":
        y = y.astype(dtype, copy=False)
        if out.ndim == y.ndim + 1 and out.shape[-1] == 1:
            y = y[..., None]
    return Tensor(y)


def lr_range_test(model: Module, optimizer: Optimizer, loss_fn: Module, X: ArrayLike,
                  y: ArrayLike, start_lr: float = 1e-7, end_lr: float = 10.0,
                  num_steps: int = 100, batch_size: int = 32, diverge_factor: float = 4.0,
                  generator: GeneratorLike = None, beta: float = 0.9,
                  mode: str = "exponential") -> LRFinderResult:
    """Run the LR range test on copies of `model` and `optimizer` (any nnforge optimizer;
    its own update rule is used, only the LR changes) and return an `LRFinderResult`.

    Batches of `batch_size` rows are drawn from (X, y) in a shuffled cycle; the LR at step
    i follows `lr_sweep(start_lr, end_lr, num_steps, mode)`: mode "exponential" (the
    default) or "linear". The test stops early when the loss is not finite or exceeds
    `diverge_factor` times the best smoothed loss. The result carries `suggested_lr` (one
    rate for a constant schedule) and `base_lr`, `max_lr` (the bounds for CyclicLR; NaN
    when the loss never fell).
    """
    if not 0 < start_lr < end_lr:
        raise ValueError(f"lr_range_test: expected 0 < start_lr < end_lr, got start_lr="
                         f"{start_lr}, end_lr={end_lr}")
    if num_steps < 8:
        raise ValueError(f"lr_range_test(num_steps={num_steps}): need at least 8 steps")
    model, optimizer = copy.deepcopy((model, optimizer))
    rng = resolve_generator(generator if generator is not None else 0)
    dtype = next((p._data.dtype for p in model.parameters()), np.dtype(np.float32))
    X, y = np.asarray(X), np.asarray(y)
    lrs = lr_sweep(start_lr, end_lr, num_steps, mode)
    losses = np.full(num_steps, np.nan)
    model.train()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):    # it will diverge
        used, diverged = _run(model, optimizer, loss_fn, X, y, lrs, losses, rng, batch_size,
                              dtype, beta, diverge_factor)
    lrs_used, losses_used = lrs[:used], losses[:used]
    steepest, min_loss, suggested = suggest_lr(lrs_used, losses_used)
    try:
        base_lr, max_lr = suggest_cyclic_bounds(lrs_used, losses_used)
    except ValueError:                          # the loss never fell: no bounds to give
        base_lr = max_lr = float("nan")
    return LRFinderResult(lrs_used, losses_used, smooth(losses_used, beta), steepest, min_loss,
                          suggested, diverged, base_lr, max_lr, mode)


def _run(model: Module, optimizer: Optimizer, loss_fn: Module, X: np.ndarray, y: np.ndarray,
         lrs: np.ndarray, losses: np.ndarray, rng: np.random.Generator, batch_size: int,
         dtype: np.dtype, beta: float, diverge_factor: float) -> tuple[int, bool]:
    """The test's training loop; fills `losses`, returns (steps used, diverged)."""
    order, position = rng.permutation(len(X)), 0
    best, average, target_kind = math.inf, 0.0, getattr(loss_fn, "target_kind", None)
    for i, lr in enumerate(lrs):
        if position + batch_size > len(order):
            order, position = rng.permutation(len(X)), 0
        rows = order[position:position + batch_size]
        position += batch_size
        for group in optimizer.param_groups:
            group["lr"] = float(lr)
        optimizer.zero_grad()
        xb = X[rows].astype(dtype, copy=False) if X.dtype.kind == "f" else X[rows]
        out = model(Tensor(xb))
        loss = loss_fn(out, _prepare_target(y[rows], out, target_kind, dtype))
        value = float(loss._data)
        losses[i] = value
        if not np.isfinite(value):
            return i + 1, True
        loss.backward()
        optimizer.step()
        average = beta * average + (1 - beta) * value
        best = min(best, average / (1 - beta ** (i + 1)))
        if i > 5 and average / (1 - beta ** (i + 1)) > diverge_factor * best:
            return i + 1, True
    return len(lrs), False
