"""`TrainingGuards`: the guards that watch a training run, on by default in every
`Trainer.fit`, cheap because they look only at a few steps: 1, 2, 4, 8, ... (so short runs
are watched too) and then every `every` steps.

- NF-GUARD-003 labels vs output layer: once, at the first step, the training labels are
  compared with the model's output: class indices that never use 0 while the largest
  equals the last output (1-based labels), or fewer classes than outputs.
- NF-GUARD-005 dead ReLUs: on a sampled step forward hooks on every `nn.ReLU` record which
  units were positive for some input of the current batch (one comparison and one `any`
  per ReLU output); a layer with more than `dead_fraction` of its units never positive
  warns. A batch smaller than `min_samples` is judged together with the next batches until
  that many inputs were seen (or the whole training set, when it is smaller). A unit is a
  column for (N, F) outputs, a channel for (N, C, H, W).
- NF-GUARD-006 exploding gradients: on sampled steps the RMS of each weight matrix's
  gradient is compared across layers (first / last in forward order); a ratio above
  `ratio` warns.

The warnings come from `nnforge.mistake_warnings` (once per run, silenceable).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..mistake_warnings import (DeadReLUWarning, ExplodingGradientWarning, LabelMismatchWarning,
                                guard_warn, would_warn)
from ..autograd import Tensor
from ..nn import Module, Parameter, ReLU
from ..nn.module import RemovableHandle
from .callbacks import Callback

__all__ = ["TrainingGuards", "check_label_layout"]


def check_label_layout(loss_fn: Any, n_outputs: int | None, y: ArrayLike) -> str | None:
    """NF-GUARD-003: warn when integer class labels `y` do not fit `n_outputs` output units of
    a model trained with a class-index loss (CrossEntropyLoss, NLLLoss); returns the message
    or None."""
    y = np.asarray(y)
    loss_name = type(loss_fn).__name__
    if getattr(loss_fn, "target_kind", None) != "class" or y.dtype.kind not in "iu" or y.size == 0 \
            or n_outputs is None:
        return None
    low, high = int(y.min()), int(y.max())
    present = np.unique(y).size
    message = None
    if low >= 1 and high == n_outputs - 1:
        message = (f"class 0 never occurs and the largest label is {high} = the last of "
                   f"{n_outputs} outputs: the labels look 1-based; subtract 1 from y and use "
                   f"{n_outputs - 1} outputs")
    elif high < n_outputs - 1:
        message = (f"the model has {n_outputs} outputs but the labels only go up to {high} "
                   f"({present} classes present); outputs {high + 1}..{n_outputs - 1} can "
                   f"never be right - set the last layer's out_features to {high + 1}")
    if message is not None:
        guard_warn(LabelMismatchWarning, f"{loss_name}: {message}", stacklevel=3)
    return message


class TrainingGuards(Callback):
    """Dead-ReLU, exploding-gradient and label-layout guards for `Trainer.fit`.

    Parameters
    ----------
    every : int
        After the steps 1, 2, 4, ... below `every`, look at one step in `every`.
    dead_fraction : float
        Warn when more than this fraction of a ReLU layer's units is dead.
    min_samples : int
        Inputs to see before judging a unit dead (fewer when the training set is smaller).
    ratio : float
        Warn when first-layer / last-layer gradient RMS exceeds this.

    Examples
    --------
    The Trainer adds one to every fit (``Trainer(..., guards=False)`` leaves it out):

    >>> TrainingGuards(every=10)
    TrainingGuards(every=10, dead_fraction=0.5, ratio=1000.0)
    """

    def __init__(self, every: int = 50, dead_fraction: float = 0.5, min_samples: int = 64,
                 ratio: float = 1e3) -> None:
        self.every, self.dead_fraction = int(every), float(dead_fraction)
        self.min_samples, self.ratio = int(min_samples), float(ratio)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._step = 0
        self._handles: list[RemovableHandle] = []
        self._alive: dict[str, np.ndarray] = {}
        self._seen: dict[str, int] = {}
        self._watching = False                   # a dead-ReLU window is open
        samples = (getattr(self.trainer, "params", None) or {}).get("samples")
        self._needed = self.min_samples if not samples else min(self.min_samples, samples)
        self._output_size: int | None = None
        model = self.trainer.model
        self._relus: list[tuple[str, Module]] = [(name, m) for name, m in model.named_modules()
                                                 if isinstance(m, ReLU)]
        self._weights: list[tuple[str, Parameter]] = [
            (name, p) for name, p in model.named_parameters() if p._data.ndim >= 2]

    def _sampling(self) -> bool:
        """Steps 1, 2, 4, 8, ... below `every`, then every `every`-th step."""
        step = self._step
        return (step < self.every and step & (step - 1) == 0) or step % self.every == 0

    def on_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._step += 1
        if self._step == 1:
            self._handles.append(self.trainer.model.register_forward_hook(self._record_output))
        if self._sampling() and self._relus and would_warn(DeadReLUWarning):
            self._watching = True
        if self._watching:
            for name, m in self._relus:
                self._handles.append(m.register_forward_hook(self._relu_hook(name)))

    def _record_output(self, module: Module, args: tuple[Any, ...], output: Tensor) -> None:
        self._output_size = output.shape[1] if output.ndim > 1 else 1

    def _relu_hook(self, name: str) -> Callable[[Module, tuple[Any, ...], Tensor], None]:
        def hook(module: Module, args: tuple[Any, ...], output: Tensor) -> None:
            data = output._data
            if data.ndim < 2:
                return
            axes = (0,) + tuple(range(2, data.ndim))
            alive = np.asarray((data > 0).any(axis=axes))
            previous = self._alive.get(name)
            self._alive[name] = alive if previous is None or previous.shape != alive.shape \
                else previous | alive
            self._seen[name] = self._seen.get(name, 0) + len(data)
        return hook

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []
        if self._step == 1:
            self._check_labels()
        if self._watching:
            self._check_dead()
        if self._sampling():
            self._check_gradients()

    def _check_labels(self) -> None:
        trainer = self.trainer
        if not would_warn(LabelMismatchWarning) or self._output_size is None:
            return
        loader = getattr(trainer, "train_loader", None)
        arrays = getattr(getattr(loader, "dataset", None), "arrays", None)
        if arrays is not None and len(arrays) > 1:
            check_label_layout(trainer.loss_fn, self._output_size, arrays[1])

    def _check_dead(self) -> None:
        """Judge the window once it holds enough inputs, then close it."""
        if any(seen < self._needed for seen in self._seen.values()):
            return
        self._watching = False
        for name, alive in list(self._alive.items()):
            dead = 1.0 - float(alive.mean())
            if dead > self.dead_fraction:
                guard_warn(DeadReLUWarning,
                           f"{dead:.0%} of the units of ReLU '{name}' output 0 for every one of "
                           f"the last {self._seen[name]} inputs at step {self._step} (dead units "
                           "never learn again); "
                           "lower the learning rate, use He initialization with a small "
                           "positive bias, or LeakyReLU", key=name, stacklevel=3)
            del self._alive[name], self._seen[name]

    def _check_gradients(self) -> None:
        if len(self._weights) < 2 or not would_warn(ExplodingGradientWarning):
            return
        rms = [float(np.sqrt(np.mean(np.square(p._grad, dtype=np.float64))))
               for _, p in self._weights if p._grad is not None]
        if len(rms) < 2 or not all(np.isfinite(rms)) or rms[-1] == 0.0:
            return
        ratio = rms[0] / rms[-1]
        if ratio > self.ratio:
            guard_warn(ExplodingGradientWarning,
                       f"the gradient RMS of '{self._weights[0][0]}' is {ratio:.3g} times that "
                       f"of '{self._weights[-1][0]}': gradients grow layer after layer towards "
                       "the input; use a smaller initialization scale (Xavier/He), "
                       "normalization, or gradient clipping", stacklevel=3)

    def __repr__(self) -> str:
        return (f"TrainingGuards(every={self.every}, dead_fraction={self.dead_fraction}, "
                f"ratio={self.ratio})")
