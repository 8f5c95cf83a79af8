"""`Trainer`: the training loop every nnforge run goes through (fit / evaluate / predict).

One epoch is the loop a PyTorch user writes by hand:

    model.train()
    for X, y in loader:                 # shuffled with the run's Generator
        optimizer.zero_grad()
        loss = loss_fn(model(Tensor(X)), Tensor(y))
        loss.backward()
        optimizer.step()

plus what a careful user adds around it: the NaN/Inf guard between backward and step,
the mean loss and metrics per epoch (accumulated from outputs the loop already computed,
not from a second pass), validation in eval mode without a graph, an optional learning-
rate scheduler, callbacks at batch and epoch edges, and a `History`. `batch_size=None` is
full-batch gradient descent (one update per epoch), `batch_size=1` is plain SGD.
Gradient accumulation, clipping, per-batch or per-epoch scheduler steps, the momentum and
batch-size schedules and their per-update record live in `train.stepping.UpdatePlan`
(`trainer.plan`). Evaluation and prediction live in `train.evaluation`, the conversion of
a batch to Tensors in `train.batches`.

Subclass the Trainer to change one step, as in Keras and Lightning: `train_step(batch)`
returns the loss to minimize on one training batch (and the output the metrics use), the
loop backpropagates it and updates; `eval_step(batch)` does the same for evaluation. Where
the loop stands (epoch, batch, the epoch's running sums) lives in one `TrainingCursor`,
which a mid-epoch checkpoint saves and a resume restores.
"""
from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import numpy as np

from .. import perf
from ..autograd import Tensor
from ..data import DataLoader
from ..mistake_warnings import new_run
from ..nn.dropout import MCDropoutPrediction
from ..random import resolve_generator
from .batches import batch_array, input_tensor, model_dtype, target_tensor
from .callbacks import Callback, CallbackList
from .cursor import TrainingCursor
from .divergence import NonFiniteGuard, TrainingDivergedError
from .evaluation import evaluate_batches, predict_outputs
from .history import History
from .interrupts import TrainingInterrupted
from .loaders import make_loader, positive_int, with_batch_size
from .metrics import compute_metrics, resolve_metrics
from .mistake_checks import TrainingGuards
from .progress import progress_callback
from .stepping import UpdatePlan

if TYPE_CHECKING:
    from .checkpoint import TrainingState

__all__ = ["Trainer", "StepOutput"]

Batch = Sequence[Any]            # (inputs, targets, ...) as a DataLoader yields them
Data = Any                       # an (X, y) pair, ArrayData, a Dataset or a DataLoader


class StepOutput(NamedTuple):
    """What `Trainer.train_step` and `Trainer.eval_step` return for one batch.

    Examples
    --------
    >>> from nnforge import tensor
    >>> loss, output = StepOutput(tensor(0.5), tensor([[1.0, -1.0]]))
    >>> float(loss.data), output.shape
    (0.5, (1, 2))
    """

    loss: Tensor
    """The scalar loss of the batch (the mean over its samples)."""
    output: Tensor
    """The model's output, from which the epoch's metrics are computed."""


class Trainer:
    """Fits `model` with `optimizer` on `loss_fn`, reporting `metrics` each epoch.

    Parameters
    ----------
    model : Module
        The nnforge model to train.
    optimizer : Optimizer
        An `nnforge.optim` optimizer over the model's parameters.
    loss_fn : callable
        A loss module or function ``loss_fn(output, target) -> scalar Tensor``.
    metrics : sequence of str or callable
        Metric names from `train.metrics` (or callables ``fn(y_true, output)``), reported
        for training ("accuracy") and validation ("val_accuracy").
    callbacks : sequence of Callback
        EarlyStopping, Checkpoint, ... called at the edges of epochs and batches.
    generator : numpy Generator, int or None
        Shuffles the batches (None: the library's default generator).
    scheduler : LRScheduler or None
        An `optim.lr_scheduler` object, stepped every epoch or every update.
    scheduler_interval : {"epoch", "step"} or None
        None: the scheduler's own `interval` (per batch for CyclicLR/OneCycleLR).
    nan_guard : bool
        Stop with `TrainingDivergedError` when the loss or a gradient is not finite.
    scheduler_monitor : str or None
        The logged value ReduceLROnPlateau gets (default "val_loss", or "loss" without
        validation data).
    momentum_scheduler, momentum_interval : MomentumScheduler or None, str
        A momentum schedule stepped per "epoch" (default) or per "step".
    batch_size_schedule : BatchSizeSchedule or None
        The training batch size of each epoch, overriding fit's `batch_size`.
    accumulate_steps : int
        Micro-batches whose gradients are summed before one update.
    clip_grad_norm, clip_grad_value : float or None
        Gradient clipping before each update (see `train.stepping.UpdatePlan`).
    guards : bool
        Add `TrainingGuards` (dead ReLUs, exploding gradients, label layout; warnings
        NF-GUARD-003/005/006, sampled every 50 steps) to the callbacks of every fit.

    Examples
    --------
    >>> import numpy as np
    >>> from nnforge import nn, optim
    >>> X = np.random.default_rng(0).normal(size=(32, 2)).astype(np.float32)
    >>> y = (X[:, 0] > 0).astype(np.int64)
    >>> model = nn.Linear(2, 2, generator=np.random.default_rng(0))
    >>> trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.5), nn.CrossEntropyLoss(),
    ...                   generator=0)
    >>> history = trainer.fit((X, y), epochs=3, batch_size=8, verbose=0)
    >>> len(history), history.stop_reason
    (3, 'completed 3 epochs')

    A subclass changes one step; here a penalty on the weights joins the loss:

    >>> class Penalized(Trainer):
    ...     def train_step(self, batch):
    ...         loss, output = super().train_step(batch)
    ...         return StepOutput(loss + 0.01 * (self.model.weight ** 2).sum(), output)
    >>> Penalized(model, optim.SGD(model.parameters(), lr=0.5), nn.CrossEntropyLoss(),
    ...           generator=0).fit((X, y), epochs=1, verbose=0).epochs
    1
    """

    def __init__(self, model: Any, optimizer: Any, loss_fn: Callable[..., Tensor],
                 metrics: str | Iterable[str | Callable[..., Any]] | None = ("accuracy",),
                 callbacks: Iterable[Callback] | None = (),
                 generator: np.random.Generator | int | None = None, scheduler: Any = None,
                 scheduler_interval: str | None = None, nan_guard: bool = True, *,
                 scheduler_monitor: str | None = None, momentum_scheduler: Any = None,
                 momentum_interval: str = "epoch", batch_size_schedule: Any = None,
                 accumulate_steps: int = 1, clip_grad_norm: float | None = None,
                 clip_grad_value: float | None = None, guards: bool = True) -> None:
        self.plan = UpdatePlan(optimizer, scheduler, scheduler_interval, scheduler_monitor,
                               momentum_scheduler, momentum_interval, batch_size_schedule,
                               accumulate_steps, clip_grad_norm, clip_grad_value)
        self.metric_fns = resolve_metrics(metrics)
        for cb in callbacks or ():
            if not isinstance(cb, Callback):
                raise TypeError(f"Trainer(callbacks): expected Callback instances, got "
                                f"{type(cb).__name__}")
        self.model = model
        self.optimizer = optimizer
        self.loss_fn = loss_fn
        self.callbacks: list[Callback] = list(callbacks or ())
        self.generator = resolve_generator(generator)
        self.scheduler = scheduler
        self.scheduler_interval = self.plan.interval
        self.nan_guard = bool(nan_guard)
        self.guards = bool(guards)
        self.history: History | None = None
        self.params: dict[str, Any] = {}
        self.stop_training = False
        self.stop_reason: str | None = None
        self.interrupt_signal: int | None = None        # set by interrupts.handle_signals
        self.cursor = TrainingCursor()
        self.resume_point: TrainingCursor | None = None  # the cursor when interrupted
        self.global_step = 0
        self.train_loader: DataLoader | None = None
        self._guard: NonFiniteGuard | None = None
        self._progress: Callback | None = None
        self._dtype = np.dtype(np.float32)
        self._target_kind = getattr(loss_fn, "target_kind", None)     # None: not a _Loss
        self._logits = getattr(loss_fn, "expects", "logits") != "probabilities"

    # --- data ---------------------------------------------------------------------------
    def _loader(self, data: Data, batch_size: int | None, shuffle: bool,
                where: str) -> DataLoader:
        return make_loader(data, batch_size, shuffle, where, self.generator, self.nan_guard)

    def _input(self, xb: np.ndarray | Tensor) -> Tensor:
        return input_tensor(xb, self._dtype)

    def _target(self, yb: np.ndarray | Tensor, out: Tensor) -> Tensor:
        return target_tensor(yb, out, self._dtype, self._target_kind)

    def _metrics(self, outputs: list[np.ndarray], targets: list[np.ndarray]) -> dict[str, float]:
        return compute_metrics(self.metric_fns, outputs, targets, logits=self._logits)

    @property
    def outputs_are_logits(self) -> bool:
        """Whether the model outputs logits (rather than probabilities): how predicted
        labels are read from its outputs."""
        return self._logits

    def current_lr(self) -> float:
        """Learning rate of the optimizer's first parameter group."""
        groups = getattr(self.optimizer, "param_groups", None)
        return float(groups[0]["lr"]) if groups else float("nan")

    # --- the steps a subclass may override ----------------------------------------------
    def train_step(self, batch: Batch) -> StepOutput:
        """Forward pass and loss of one training batch (inputs ``batch[0]``, targets
        ``batch[1]``); the loop then backpropagates the loss and updates the weights.
        Override it to change what is minimized (add a penalty, a second loss, ...)."""
        out = self.model(self._input(batch[0]))
        return StepOutput(self.loss_fn(out, self._target(batch[1], out)), out)

    def eval_step(self, batch: Batch) -> StepOutput:
        """Forward pass and loss of one evaluation batch; runs in eval mode without a
        graph. Its loss is the "val_loss" (or `evaluate`'s "loss")."""
        out = self.model(self._input(batch[0]))
        return StepOutput(self.loss_fn(out, self._target(batch[1], out)), out)

    def fit_context(self) -> contextlib.AbstractContextManager[Any]:
        """The context the whole fit runs in: the one place for process-wide switches a
        fit turns on and restores afterwards (`nnforge.perf`: malloc thresholds, and
        flush-to-zero inside optimizer steps, back to its previous setting after fit)."""
        return perf.enabled()

    # --- fit ----------------------------------------------------------------------------
    def fit(self, train: Data, val: Data | None = None, epochs: int = 1,
            batch_size: int | None = 32, shuffle: bool = True, verbose: int = 1,
            progress_stream: Any = None, resume: TrainingState | None = None,
            log_interval: int | None = None) -> History:
        """Train for `epochs` epochs and return the `History`.

        `train` and `val` are (X, y) array pairs, ArrayData, Datasets or DataLoaders.
        `verbose`: 0 silent, 1 a tqdm bar on a terminal (else one line per epoch), 2 lines.
        `log_interval`: with plain lines, also print one every that many batches.
        `resume`: a `train.checkpoint.TrainingState` to continue from (same config), ending
        bit-identical to an uninterrupted fit. When `interrupt_signal` gets set (by
        `interrupts.handle_signals`), the current update finishes, `resume_point` holds the
        epoch's position and `TrainingInterrupted` is raised.
        """
        loader, val_loader = self._fit_data(train, val, epochs, batch_size, shuffle)
        callbacks = self._fit_callbacks(verbose, progress_stream, log_interval)
        self._begin_fit(loader, int(epochs), batch_size)
        callbacks.on_train_begin({})
        if resume is not None:                   # after on_train_begin reset the callbacks
            self.cursor = resume.restore(self)
        with self.fit_context():
            try:
                for epoch in range(self.cursor.epoch, int(epochs)):
                    if self.stop_training:       # resumed from the epoch that stopped it
                        break
                    start = time.perf_counter()
                    # the batch-size schedule's size for this epoch, if there is one
                    loader = with_batch_size(loader, self.plan.batch_size(epoch, loader.batch_size))
                    logs = self.train_epoch(epoch, loader, callbacks)
                    if val_loader is not None:
                        logs.update(self._validate(val_loader))
                    self._end_epoch(epoch, logs, callbacks, start)
                    if self.stop_training:
                        break
            except TrainingDivergedError as error:
                self._set_stop_reason(f"diverged: {error}")
                callbacks.on_train_end({})
                raise
            except TrainingInterrupted as error:  # no on_train_end: nothing restores weights
                self._set_stop_reason(str(error))
                if self._progress is not None:
                    self._progress.on_train_end({})
                raise
        self._set_stop_reason(self.stop_reason or self._completed())
        callbacks.on_train_end({})
        return cast(History, self.history)

    def train_epoch(self, epoch: int, loader: DataLoader, callbacks: CallbackList) -> dict:
        """One epoch of updates over `loader` (the part of it not done yet, after a
        mid-epoch resume); returns its logs: epoch, mean loss and training metrics."""
        cursor, plan = self.cursor, self.plan
        self.params.update(steps=len(loader), batch_size=loader.batch_size)
        callbacks.on_epoch_begin(epoch, {})
        plan.begin_epoch(epoch)
        lr = self.current_lr()
        schedule_logs = plan.epoch_logs(loader, lr)
        shares = plan.shares(loader)
        self.model.train()
        cursor.begin_epoch(epoch, lr, schedule_logs, self.generator.bit_generator.state)
        for b, batch in cursor.batches_to_do(loader, self.generator):
            share, step_now = (1.0, True) if shares is None else shares[b]
            self._train_batch(epoch, b, batch, share, step_now, callbacks)
        logs = {"epoch": epoch + 1, "loss": cursor.mean_loss()}
        logs.update(self._metrics(cursor.outputs, cursor.targets))
        cursor.end_epoch()
        return logs

    # --- the pieces of fit --------------------------------------------------------------
    def _fit_data(self, train: Data, val: Data | None, epochs: int, batch_size: int | None,
                  shuffle: bool) -> tuple[DataLoader, DataLoader | None]:
        positive_int(epochs, "fit(epochs)", "a positive integer")
        loader = self._loader(train, batch_size, shuffle, "fit")
        val_loader = None if val is None else self._loader(val, batch_size or 256, False, "fit")
        self.train_loader = loader
        return loader, val_loader

    def _fit_callbacks(self, verbose: int, progress_stream: Any,
                       log_interval: int | None) -> CallbackList:
        if log_interval is not None:
            log_interval = positive_int(log_interval, "fit(log_interval)",
                                         "a positive number of batches")
        self._progress = progress_callback(verbose, progress_stream, log_interval)
        guards = [TrainingGuards()] if self.guards else []
        progress = [self._progress] if self._progress else []
        return CallbackList(self.callbacks + guards + progress, trainer=self)

    def _begin_fit(self, loader: DataLoader, epochs: int, batch_size: int | None) -> None:
        new_run()                                    # every guard may warn once per fit
        self._guard = NonFiniteGuard(self.model) if self.nan_guard else None
        self.history = History()
        self.stop_training, self.stop_reason = False, None
        self.cursor, self.resume_point = TrainingCursor(), None
        self.params = {"epochs": epochs, "steps": len(loader),
                       "samples": len(loader.dataset), "batch_size": batch_size}
        self._dtype = model_dtype(self.model)
        self.plan.begin_fit(epochs)
        self.history.steps = self.plan.steps     # per update: epoch, lr, momentum, batch_size

    def _train_batch(self, epoch: int, b: int, batch: Batch, share: float, step_now: bool,
                     callbacks: CallbackList) -> None:
        """One micro-batch: its loss backpropagated (weighted by its share of an
        accumulation group), the guard, and the update when the group is complete."""
        n = len(batch[0])
        if callbacks.has_batch_hooks:
            callbacks.on_batch_begin(b, {"size": n})
        if b % self.plan.accumulate_steps == 0:
            self.optimizer.zero_grad()
        loss, out = self.train_step(batch)
        (loss if share == 1.0 else loss * share).backward()
        value = float(loss._data)
        if self._guard is not None:
            self._guard.check(value, epoch + 1, self.global_step + 1)
        if step_now:
            self.global_step += 1
            self.plan.before_step(epoch, self.cursor.schedule_logs["batch_size"])
            self.optimizer.step()
            self.plan.after_step()
        self.cursor.add(value, n, out._data if self.metric_fns else None, batch_array(batch[1]))
        if callbacks.has_batch_hooks:
            callbacks.on_batch_end(b, {"loss": value, "size": n})
        if self.interrupt_signal is not None and step_now:
            self.cursor.rng = self.generator.bit_generator.state
            self.resume_point = self.cursor
            raise TrainingInterrupted(self.interrupt_signal, epoch + 1, b + 1)

    def _end_epoch(self, epoch: int, logs: dict, callbacks: CallbackList,
                   start: float) -> None:
        """Schedule logs, per-epoch scheduler steps, the callbacks and the History row."""
        logs.update(self.cursor.schedule_logs)
        self.plan.end_epoch(logs)
        logs["seconds"] = time.perf_counter() - start
        callbacks.on_epoch_end(epoch, logs)
        cast(History, self.history).append(logs)

    def _completed(self) -> str:
        n = len(cast(History, self.history))
        if self.stop_training:
            return f"stopped by a callback after epoch {n}"
        return f"completed {n} epoch{'s' if n != 1 else ''}"

    def _set_stop_reason(self, reason: str) -> None:
        self.stop_reason = cast(History, self.history).stop_reason = reason

    # --- evaluation ---------------------------------------------------------------------
    def _evaluate(self, loader: Iterable[Batch]) -> dict[str, float]:
        return evaluate_batches(self, loader)

    def _validate(self, loader: Iterable[Batch]) -> dict[str, float]:
        return {"val_" + k: v for k, v in self._evaluate(loader).items()}

    def evaluate(self, data: Data, batch_size: int | None = 256) -> dict[str, float]:
        """{"loss": mean loss, <metric>: value, ...} on `data`, in eval mode, no graph."""
        return self._evaluate(self._loader(data, batch_size, False, "evaluate"))

    # --- prediction ---------------------------------------------------------------------
    def predict(self, x: Any, batch_size: int | None = 256,
                mc_samples: int | None = None) -> np.ndarray | MCDropoutPrediction:
        """Model outputs for inputs `x` (array, (X, y) pair or ArrayData) as an ndarray,
        always in eval mode and without building a graph.

        With `mc_samples=T`, Dropout layers stay active for T stochastic passes (Monte-Carlo
        dropout, via `nn.mc_dropout_predict`) and an `MCDropoutPrediction(mean, std,
        entropy)` is returned. Outputs become probabilities first: softmax after
        CrossEntropyLoss or NLLLoss (softmax of log-probabilities gives them back), sigmoid
        after BCEWithLogitsLoss; other losses keep raw outputs and entropy is None.
        """
        return predict_outputs(self, x, batch_size, mc_samples)
