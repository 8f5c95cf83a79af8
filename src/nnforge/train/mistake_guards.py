"""`TrainingGuards`: the guards that watch a training run (CATALOGUE C8, K5-K7, K11), on by
default in every `Trainer.fit`, cheap because they look only every `every` steps.

- NF-GUARD-003 labels vs output layer: once, at the first step, the training labels are
  compared with the model's output: class indices that never use 0 while the largest
  equals the last output (1-based labels), or fewer classes than outputs.
- NF-GUARD-005 dead ReLUs: on sampled steps forward hooks on every `nn.ReLU` record which
  units were positive for some input; after at least `min_samples` inputs a layer with more
  than `dead_fraction` of its units never positive warns (a unit is a column for (N, F)
  outputs, a channel for (N, C, H, W)).
- NF-GUARD-006 exploding gradients: on sampled steps the RMS of each weight matrix's
  gradient is compared across layers (first / last in forward order); a ratio above
  `ratio` warns.

The warnings come from `nnforge.warnings_codes` (once per run, silenceable).
"""
import numpy as np

from ..warnings_codes import (DeadReLUWarning, ExplodingGradientWarning, LabelMismatchWarning,
                              guard_warn, would_warn)
from .callbacks import Callback

__all__ = ["TrainingGuards", "check_label_layout"]

_CLASS_LOSSES = ("CrossEntropyLoss", "NLLLoss")


def check_label_layout(loss_name, n_outputs, y):
    """NF-GUARD-003: warn when integer class labels `y` do not fit `n_outputs` output units of
    a CrossEntropyLoss/NLLLoss model; returns the message or None."""
    y = np.asarray(y)
    if loss_name not in _CLASS_LOSSES or y.dtype.kind not in "iu" or y.size == 0 \
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

    Args:
        every: look at one step in `every` (and at the first).
        dead_fraction: warn when more than this fraction of a ReLU layer's units is dead.
        min_samples: inputs to see before judging a unit dead.
        ratio: warn when first-layer / last-layer gradient RMS exceeds this.
    """

    def __init__(self, every=50, dead_fraction=0.5, min_samples=64, ratio=1e3):
        self.every, self.dead_fraction = int(every), float(dead_fraction)
        self.min_samples, self.ratio = int(min_samples), float(ratio)

    def on_train_begin(self, logs=None):
        self._step = 0
        self._handles = []
        self._alive, self._seen = {}, {}
        self._output_size = None
        model = self.trainer.model
        self._relus = [(name, m) for name, m in model.named_modules()
                       if type(m).__name__ == "ReLU"]
        self._weights = [(name, p) for name, p in model.named_parameters() if p._data.ndim >= 2]

    def _sampling(self):
        return self._step == 1 or self._step % self.every == 0

    def on_batch_begin(self, batch, logs=None):
        self._step += 1
        if self._step == 1:
            self._handles.append(self.trainer.model.register_forward_hook(self._record_output))
        if self._sampling() and self._relus and would_warn(DeadReLUWarning):
            for name, m in self._relus:
                self._handles.append(m.register_forward_hook(self._relu_hook(name)))

    def _record_output(self, module, args, output):
        self._output_size = output.shape[1] if output.ndim > 1 else 1

    def _relu_hook(self, name):
        def hook(module, args, output):
            data = output._data
            if data.ndim < 2:
                return
            axes = (0,) + tuple(range(2, data.ndim))
            alive = (data > 0).any(axis=axes)
            previous = self._alive.get(name)
            self._alive[name] = alive if previous is None or previous.shape != alive.shape \
                else previous | alive
            self._seen[name] = self._seen.get(name, 0) + len(data)
        return hook

    def on_batch_end(self, batch, logs=None):
        for handle in self._handles:
            handle.remove()
        self._handles = []
        if self._step == 1:
            self._check_labels()
        if not self._sampling():
            return
        self._check_dead()
        self._check_gradients()

    def _check_labels(self):
        trainer = self.trainer
        if not would_warn(LabelMismatchWarning) or self._output_size is None:
            return
        loader = getattr(trainer, "_fit_loader", None)
        arrays = getattr(getattr(loader, "dataset", None), "arrays", None)
        if arrays is not None and len(arrays) > 1:
            check_label_layout(type(trainer.loss_fn).__name__, self._output_size, arrays[1])

    def _check_dead(self):
        for name, alive in list(self._alive.items()):
            if self._seen[name] < self.min_samples:
                continue
            dead = 1.0 - float(alive.mean())
            if dead > self.dead_fraction:
                guard_warn(DeadReLUWarning,
                           f"{dead:.0%} of the units of ReLU '{name}' output 0 for every one of "
                           f"the last {self._seen[name]} inputs (dead units never learn again); "
                           "lower the learning rate, use He initialization with a small "
                           "positive bias, or LeakyReLU", key=name, stacklevel=3)
            del self._alive[name], self._seen[name]

    def _check_gradients(self):
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

    def __repr__(self):
        return (f"TrainingGuards(every={self.every}, dead_fraction={self.dead_fraction}, "
                f"ratio={self.ratio})")
