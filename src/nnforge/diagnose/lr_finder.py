"""The LR range test (CATALOGUE G11, K9; Smith 2017, "Cyclical Learning Rates"): train for a
few steps while the learning rate grows exponentially from tiny to large, record the loss
at every step and pick a learning rate from the curve.

The pick is made robust against the curve's noise: non-finite losses end the test (the
run diverged) and are never used; an exponential moving average of the loss detects
divergence (and is what the plot shows); two candidates are read off a centred moving
average of the curve (no lag): the LR of steepest descent (most negative slope against
log LR) before the minimum, and one tenth of the LR at the minimum. The suggestion is the
smaller of the two: both sit on the falling part of the curve; the smaller is safer.

The model and optimizer are copied first, so the test never changes the caller's objects.
"""
import copy
import math
from dataclasses import dataclass

import numpy as np

from ..autograd import Tensor

__all__ = ["LRFinderResult", "lr_range_test", "smooth", "suggest_lr"]


@dataclass
class LRFinderResult:
    """lrs and losses per step (raw and smoothed), the candidates and the suggestion."""

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    steepest_lr: float
    min_loss_lr: float
    suggested_lr: float
    diverged: bool

    def plot(self, path=None, ax=None):
        """Loss vs LR (log x) with the suggestion marked; saves to `path` when given."""
        import matplotlib
        if ax is None:
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        own = ax is None
        if own:
            fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(self.lrs, self.losses, color="0.7", lw=1, label="loss")
        ax.plot(self.lrs, self.smoothed, color="C0", lw=2, label="smoothed")
        ax.axvline(self.suggested_lr, color="C3", ls="--",
                   label=f"suggested lr {self.suggested_lr:.2g}")
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("training loss")
        ax.set_title("LR range test")
        finite = self.smoothed[np.isfinite(self.smoothed)]
        if finite.size:
            ax.set_ylim(finite.min() - 0.05 * abs(finite.min()), min(finite.max(),
                                                                     4 * finite[0]) * 1.05)
        ax.legend()
        if own:
            fig.tight_layout()
            if path is not None:
                fig.savefig(path, dpi=100)
            plt.close(fig)
        return ax


def smooth(losses, beta=0.9):
    """Bias-corrected exponential moving average (as Adam's moments); NaN stays NaN."""
    out = np.empty(len(losses))
    average = 0.0
    for i, value in enumerate(losses):
        average = beta * average + (1 - beta) * value
        out[i] = average / (1 - beta ** (i + 1))
    return out


def _centered(values, window):
    """Centred moving average (no lag, unlike the EMA); the window shrinks at the ends."""
    half = window // 2
    padded = np.concatenate([[0.0], np.cumsum(values)])
    idx = np.arange(len(values))
    lo, hi = np.maximum(idx - half, 0), np.minimum(idx + half + 1, len(values))
    return (padded[hi] - padded[lo]) / (hi - lo)


def suggest_lr(lrs, losses, skip_start=3):
    """(steepest_lr, min_loss_lr, suggested_lr) from a loss-vs-LR curve.

    Non-finite losses and everything after the first of them are ignored; the curve is
    smoothed by a centred moving average (about a tenth of the points, at least 5), which
    does not shift the minimum the way an EMA's lag does. steepest_lr: most negative slope
    against log LR before the minimum; suggested: min(steepest_lr, min_loss_lr / 10).
    """
    lrs, losses = np.asarray(lrs, dtype=np.float64), np.asarray(losses, dtype=np.float64)
    finite = np.isfinite(losses)
    stop = len(losses) if finite.all() else int(np.argmin(finite))
    if stop < skip_start + 3:
        raise ValueError(f"suggest_lr: only {stop} finite losses before the run diverged; "
                         "start the test at a smaller LR")
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


def _prepare_target(y, out, loss_name, dtype):
    if y.dtype.kind in "biu" and loss_name not in ("CrossEntropyLoss", "NLLLoss"):
        y = y.astype(dtype)
    if y.dtype.kind == "f":
        y = y.astype(dtype, copy=False)
        if out.ndim == y.ndim + 1 and out.shape[-1] == 1:
            y = y[..., None]
    return Tensor(y)


def lr_range_test(model, optimizer, loss_fn, X, y, start_lr=1e-7, end_lr=10.0, num_steps=100,
                  batch_size=32, diverge_factor=4.0, generator=None, beta=0.9):
    """Run the LR range test on copies of `model` and `optimizer` (any nnforge optimizer;
    its own update rule is used, only the LR changes) and return an `LRFinderResult`.

    Batches of `batch_size` rows are drawn from (X, y) in a shuffled cycle; the LR at step
    i is start_lr * (end_lr / start_lr) ** (i / (num_steps - 1)). The test stops early when
    the loss is not finite or exceeds `diverge_factor` times the best smoothed loss.
    """
    from ..random import resolve_generator

    if not 0 < start_lr < end_lr:
        raise ValueError(f"lr_range_test: expected 0 < start_lr < end_lr, got start_lr="
                         f"{start_lr}, end_lr={end_lr}")
    if num_steps < 8:
        raise ValueError(f"lr_range_test(num_steps={num_steps}): need at least 8 steps")
    model, optimizer = copy.deepcopy((model, optimizer))
    rng = resolve_generator(generator if generator is not None else 0)
    dtype = next((p._data.dtype for p in model.parameters()), np.dtype(np.float32))
    X, y = np.asarray(X), np.asarray(y)
    lrs = start_lr * (end_lr / start_lr) ** (np.arange(num_steps) / (num_steps - 1))
    losses = np.full(num_steps, np.nan)
    model.train()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):    # it will diverge
        used, diverged = _run(model, optimizer, loss_fn, X, y, lrs, losses, rng, batch_size,
                              dtype, beta, diverge_factor)
    lrs_used, losses_used = lrs[:used], losses[:used]
    steepest, min_loss, suggested = suggest_lr(lrs_used, losses_used)
    return LRFinderResult(lrs_used, losses_used, smooth(losses_used, beta), steepest, min_loss,
                          suggested, diverged)


def _run(model, optimizer, loss_fn, X, y, lrs, losses, rng, batch_size, dtype, beta,
         diverge_factor):
    """The test's training loop; fills `losses`, returns (steps used, diverged)."""
    order, position = rng.permutation(len(X)), 0
    best, average, loss_name = math.inf, 0.0, type(loss_fn).__name__
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
        loss = loss_fn(out, _prepare_target(y[rows], out, loss_name, dtype))
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
