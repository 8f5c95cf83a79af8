"""`Trainer`: the training loop every nnforge run goes through (fit / evaluate / predict).

One epoch (CATALOGUE F5, K13, K15) is the loop a PyTorch user writes by hand:

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
full-batch gradient descent (one update per epoch), `batch_size=1` is plain SGD (F2–F4).
Gradient accumulation, clipping, per-batch or per-epoch scheduler steps, the momentum and
batch-size schedules and their per-update record live in `train.stepping.UpdatePlan`
(`trainer.plan`); the History gets lr, momentum, batch_size, updates and noise_scale per
epoch and `history.steps` (epoch, lr, momentum, batch_size of every update).
"""
import time

import numpy as np

from .. import perf
from ..autograd import Tensor, no_grad
from ..warnings_codes import new_run
from .callbacks import Callback, CallbackList
from .checkpoint import TrainingInterrupted
from .guards import NonFiniteGuard, TrainingDivergedError
from .history import History
from .mistake_guards import TrainingGuards
from .metrics import LABEL_METRICS, get_metric, predicted_labels
from .progress import progress_callback

__all__ = ["Trainer"]

_FLOAT_TARGET_LOSSES = frozenset({"BCEWithLogitsLoss", "BCELoss", "MSELoss", "L1Loss",
                                  "SoftMarginLoss"})


def _arrays(data, where):
    """(X, y) arrays from an (X, y) pair or an ArrayData; None for other datasets."""
    from ..data import ArrayData

    if isinstance(data, tuple) and len(data) == 2:
        return np.asarray(data[0]), np.asarray(data[1])
    if isinstance(data, ArrayData):
        if data.y is None:
            raise ValueError(f"{where}: {getattr(data, 'name', 'the data')} has no targets (y "
                             "is None)")
        return data.X, data.y
    return None


def _check_finite(pair, where):
    """Refuse NaN/Inf in the inputs or targets before training on them (one pass each)."""
    for name, array in zip(("X", "y"), pair):
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            bad = np.argwhere(~np.isfinite(array))[0]
            raise ValueError(f"{where}: the data contain NaN or Inf ({name}"
                             f"[{', '.join(map(str, bad))}] = {array[tuple(bad)]}); clean or "
                             "impute them before training")


class Trainer:
    """Fits `model` with `optimizer` on `loss_fn`, reporting `metrics` each epoch.

    Args:
        model: an nnforge Module.
        optimizer: an nnforge.optim optimizer over the model's parameters.
        loss_fn: a loss module or function `loss_fn(output, target) -> scalar Tensor`.
        metrics: metric names from `train.metrics` (or callables `fn(y_true, output)`);
            reported for training ("accuracy") and validation ("val_accuracy").
        callbacks: Callback instances (EarlyStopping, ...).
        generator: numpy Generator or seed used to shuffle batches (None: library default).
        scheduler: an `optim.lr_scheduler` object, stepped every epoch or every step.
        scheduler_interval: "epoch", "step" or None (the scheduler's own `interval`:
            per batch for CyclicLR/OneCycleLR, per epoch otherwise).
        nan_guard: stop with TrainingDivergedError when the loss or a gradient is not finite.
        guards: add `TrainingGuards` (dead ReLUs, exploding gradients, label layout; warnings
            NF-GUARD-003/005/006, sampled every 50 steps) to the callbacks of every fit.
        scheduler_monitor: the logged value ReduceLROnPlateau gets (default "val_loss", or
            "loss" without validation data).
        momentum_scheduler, momentum_interval: an `optim.MomentumScheduler` stepped per
            "epoch" (default) or per "step".
        batch_size_schedule: an `optim.BatchSizeSchedule`: the training batch size of each
            epoch (G15), overriding fit's batch_size.
        accumulate_steps: micro-batches whose gradients are summed before one update (F15).
        clip_grad_norm, clip_grad_value: gradient clipping before each update.
        See `train.stepping.UpdatePlan` for the order of these operations.
    """

    def __init__(self, model, optimizer, loss_fn, metrics=("accuracy",), callbacks=(),
                 generator=None, scheduler=None, scheduler_interval=None, nan_guard=True, *,
                 scheduler_monitor=None, momentum_scheduler=None, momentum_interval="epoch",
                 batch_size_schedule=None, accumulate_steps=1, clip_grad_norm=None,
                 clip_grad_value=None, guards=True):
        from ..random import resolve_generator
        from .stepping import UpdatePlan

        self.plan = UpdatePlan(optimizer, scheduler, scheduler_interval, scheduler_monitor,
                               momentum_scheduler, momentum_interval, batch_size_schedule,
                               accumulate_steps, clip_grad_norm, clip_grad_value)
        scheduler_interval = self.plan.interval
        if isinstance(metrics, str):
            metrics = (metrics,)
        self.metric_fns = {}
        for m in metrics or ():
            if callable(m):
                self.metric_fns[getattr(m, "__name__", type(m).__name__)] = m
            else:
                self.metric_fns[m] = get_metric(m)
        for cb in callbacks or ():
            if not isinstance(cb, Callback):
                raise TypeError(f"Trainer(callbacks): expected Callback instances, got "
                                f"{type(cb).__name__}")
        self.model = model
        self.optimizer = optimizer
        self.loss_fn = loss_fn
        self.callbacks = list(callbacks or ())
        self.generator = resolve_generator(generator)
        self.scheduler = scheduler
        self.scheduler_interval = scheduler_interval
        self.nan_guard = bool(nan_guard)
        self.guards = bool(guards)
        self.history = None
        self.params = {}
        self.stop_training = False
        self.stop_reason = None
        self.interrupt_signal = None             # set by checkpoint.handle_signals
        self.resume_point = None
        self.global_step = 0
        self._dtype = np.dtype(np.float32)
        loss_name = type(loss_fn).__name__
        self._logits = loss_name != "BCELoss"          # outputs are logits unless BCELoss
        self._loss_name = loss_name

    # --- data ---------------------------------------------------------------------------
    def _loader(self, data, batch_size, shuffle, where):
        from ..data import DataLoader, TensorDataset

        if isinstance(data, DataLoader):
            return data
        pair = _arrays(data, where)
        if pair is not None and self.nan_guard:
            _check_finite(pair, where)
        dataset = TensorDataset(*pair) if pair is not None else data
        if batch_size is not None and (isinstance(batch_size, bool) or
                                       not isinstance(batch_size, (int, np.integer)) or
                                       batch_size < 1):
            raise ValueError(f"{where}(batch_size): expected a positive integer or None, got "
                             f"{batch_size!r}")
        return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle,
                          generator=self.generator)

    def _input(self, xb):
        if xb.dtype.kind == "f" and xb.dtype != self._dtype:
            xb = xb.astype(self._dtype)
        # NOTE: Tensor(xb) would copy the batch; loaders hand out fresh arrays and no op
        # writes into its inputs, so wrap it as it is.
        return Tensor._make(np.asarray(xb), False, None)

    def _target(self, yb, out):
        # NOTE: an (N,) regression target against (N, 1) outputs would broadcast to (N, N)
        # inside MSELoss; give it the output's trailing unit dimension instead. Integer 0/1
        # labels meet losses that need float targets (BCEWithLogitsLoss ...) as floats.
        if yb.dtype.kind in "biu" and self._loss_name in _FLOAT_TARGET_LOSSES:
            yb = yb.astype(self._dtype)
        if yb.dtype.kind == "f":
            if yb.dtype != self._dtype:
                yb = yb.astype(self._dtype)
            if out.ndim == yb.ndim + 1 and out.shape[-1] == 1:
                yb = yb[..., None]
        return Tensor(yb)

    def _model_dtype(self):
        """The floating dtype of the model's parameters: inputs are cast to it."""
        for p in self.model.parameters():
            if p.data.dtype.kind == "f":
                return p.data.dtype
        return np.dtype(np.float32)

    # --- metrics ------------------------------------------------------------------------
    def _metrics(self, outputs, targets, prefix=""):
        if not self.metric_fns:
            return {}
        output, target = np.concatenate(outputs), np.concatenate(targets)
        labels = None
        results = {}
        for name, fn in self.metric_fns.items():
            if name in LABEL_METRICS:
                if labels is None:
                    labels = predicted_labels(output, logits=self._logits)
                results[prefix + name] = fn(target, labels)
            else:
                results[prefix + name] = float(fn(target, output))
        return results

    def current_lr(self):
        """Learning rate of the optimizer's first parameter group."""
        groups = getattr(self.optimizer, "param_groups", None)
        return float(groups[0]["lr"]) if groups else float("nan")

    # --- fit ----------------------------------------------------------------------------
    def fit(self, train, val=None, epochs=1, batch_size=32, shuffle=True, verbose=1,
            progress_stream=None, resume=None, log_interval=None):
        """Train for `epochs` epochs and return the `History`.

        `train` and `val` are (X, y) array pairs, ArrayData, Datasets or DataLoaders.
        `verbose`: 0 silent, 1 a tqdm bar on a terminal (else one line per epoch), 2 lines.
        `log_interval`: with plain lines, also print one every that many batches.
        `resume`: a `train.checkpoint.TrainingState` to continue from (same config), ending
        bit-identical to an uninterrupted fit. When `interrupt_signal` gets set (by
        `checkpoint.handle_signals`), the current update finishes, `resume_point` holds the
        epoch's position and `TrainingInterrupted` is raised.
        """
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
            raise ValueError(f"fit(epochs): expected a positive integer, got {epochs!r}")
        loader = self._loader(train, batch_size, shuffle, "fit")
        val_loader = None if val is None else self._loader(val, batch_size or 256, False, "fit")
        if log_interval is not None and (isinstance(log_interval, bool) or not isinstance(
                log_interval, (int, np.integer)) or log_interval < 1):
            raise ValueError(f"fit(log_interval): expected a positive number of batches, "
                             f"got {log_interval!r}")
        progress = progress_callback(verbose, progress_stream,
                                     None if log_interval is None else int(log_interval))
        perf.enable()                                # malloc thresholds, flush-to-zero
        new_run()                                    # every guard may warn once per fit
        self._fit_loader = loader
        guards = [TrainingGuards()] if self.guards else []
        callbacks = CallbackList(self.callbacks + guards + ([progress] if progress else []),
                                 trainer=self)
        guard = NonFiniteGuard(self.model) if self.nan_guard else None
        self.history = history = History()
        self.stop_training, self.stop_reason = False, None
        self.params = {"epochs": int(epochs), "steps": len(loader),
                       "samples": len(loader.dataset), "batch_size": batch_size}
        batch_hooks = callbacks.has_batch_hooks
        model, optimizer, loss_fn = self.model, self.optimizer, self.loss_fn
        self._dtype = self._model_dtype()
        plan = self.plan
        plan.begin_fit(epochs)
        history.steps = plan.steps          # per update: epoch, lr, momentum, batch_size

        callbacks.on_train_begin({})
        start_epoch, partial = 0, None
        if resume is not None:                   # after on_train_begin reset the callbacks
            start_epoch, partial = resume.restore(self)
            history = self.history
        try:
            for epoch in range(start_epoch, int(epochs)):
                if self.stop_training:           # resumed from the epoch that stopped it
                    break
                start = time.perf_counter()
                size = plan.batch_size(epoch, getattr(loader, "batch_size", None))
                loader = self._epoch_loader(loader, size)
                self.params.update(steps=len(loader), batch_size=loader.batch_size)
                callbacks.on_epoch_begin(epoch, {})
                plan.begin_epoch(epoch)
                lr = self.current_lr()
                schedule_logs = plan.epoch_logs(loader, lr)
                shares = plan.shares(loader)
                model.train()
                loss_sum, count, outputs, targets = 0.0, 0, [], []
                epoch_rng, skip = self.generator.bit_generator.state, 0
                if partial is not None:          # resumed mid-epoch
                    lr, loss_sum, count = partial["lr"], partial["loss_sum"], partial["count"]
                    outputs, targets, skip = partial["outputs"], partial["targets"], \
                        partial["batch"]
                    schedule_logs = partial.get("schedule_logs") or schedule_logs
                for b, batch in enumerate(loader):
                    if b < skip:                 # done before the interruption
                        if b == skip - 1:
                            self.generator.bit_generator.state = partial["rng"]
                            partial = None
                        continue
                    xb, yb = batch[0], batch[1]
                    if batch_hooks:
                        callbacks.on_batch_begin(b, {"size": len(xb)})
                    share, step_now = (1.0, True) if shares is None else shares[b]
                    if shares is None or b % plan.accumulate_steps == 0:
                        optimizer.zero_grad()
                    out = model(self._input(xb))
                    loss = loss_fn(out, self._target(yb, out))
                    (loss if share == 1.0 else loss * share).backward()
                    value = float(loss.data)
                    if guard is not None:
                        guard.check(value, epoch + 1, self.global_step + 1)
                    if step_now:
                        self.global_step += 1
                        plan.before_step(epoch, schedule_logs["batch_size"])
                        optimizer.step()
                        plan.after_step()
                    n = len(xb)
                    loss_sum += value * n
                    count += n
                    if self.metric_fns:
                        outputs.append(out.data)
                        targets.append(yb)
                    if batch_hooks:
                        callbacks.on_batch_end(b, {"loss": value, "size": n})
                    if self.interrupt_signal is not None and step_now:
                        self.resume_point = {
                            "epoch": epoch, "batch": b + 1, "lr": lr, "loss_sum": loss_sum,
                            "count": count, "outputs": outputs, "targets": targets,
                            "epoch_rng": epoch_rng, "rng": self.generator.bit_generator.state,
                            "schedule_logs": schedule_logs}
                        raise TrainingInterrupted(self.interrupt_signal, epoch + 1, b + 1)
                logs = {"epoch": epoch + 1, "loss": loss_sum / count}
                logs.update(self._metrics(outputs, targets))
                del outputs, targets
                if val_loader is not None:
                    logs.update({"val_" + k: v for k, v in self._evaluate(val_loader).items()})
                logs.update(schedule_logs)
                plan.end_epoch(logs)
                logs["seconds"] = time.perf_counter() - start
                callbacks.on_epoch_end(epoch, logs)
                history.append(logs)
                if self.stop_training:
                    break
        except TrainingDivergedError as error:
            self.stop_reason = history.stop_reason = f"diverged: {error}"
            callbacks.on_train_end({})
            raise
        except TrainingInterrupted as error:     # no on_train_end: nothing restores weights
            self.stop_reason = history.stop_reason = str(error)
            if progress:
                progress.on_train_end({})
            raise
        if self.stop_reason is None:
            n = len(history)
            self.stop_reason = (f"stopped by a callback after epoch {n}" if self.stop_training
                                else f"completed {n} epoch{'s' if n != 1 else ''}")
        history.stop_reason = self.stop_reason
        callbacks.on_train_end({})
        return history

    def _epoch_loader(self, loader, batch_size):
        """`loader`, or a copy with a new batch size (the batch-size schedule, G15)."""
        from ..data import DataLoader

        if batch_size == loader.batch_size or not isinstance(loader, DataLoader):
            return loader
        return DataLoader(loader.dataset, batch_size=batch_size, shuffle=loader.shuffle,
                          drop_last=loader.drop_last, generator=loader.generator,
                          transform=loader.transform, prefetch=loader.prefetch)

    # --- evaluation ---------------------------------------------------------------------
    def _evaluate(self, loader):
        model = self.model
        self._dtype = self._model_dtype()
        was_training = model.training
        model.eval()
        loss_sum, count, outputs, targets = 0.0, 0, [], []
        try:
            with no_grad():
                for batch in loader:
                    xb, yb = batch[0], batch[1]
                    out = model(self._input(xb))
                    loss = self.loss_fn(out, self._target(yb, out))
                    loss_sum += float(loss.data) * len(xb)
                    count += len(xb)
                    outputs.append(out.data)
                    targets.append(yb)
        finally:
            model.train(was_training)
        results = {"loss": loss_sum / count}
        results.update(self._metrics(outputs, targets))
        return results

    def evaluate(self, data, batch_size=256):
        """{"loss": mean loss, <metric>: value, ...} on `data`, in eval mode, no graph."""
        return self._evaluate(self._loader(data, batch_size, False, "evaluate"))

    # --- prediction ---------------------------------------------------------------------
    def _forward_all(self, X, batch_size):
        size = len(X) if batch_size is None else int(batch_size)
        with no_grad():
            return np.concatenate([self.model(self._input(np.asarray(X[i:i + size]))).data
                                   for i in range(0, len(X), size)])

    def predict(self, x, batch_size=256, mc_samples=None):
        """Model outputs for inputs `x` (array, (X, y) pair or ArrayData) as an ndarray,
        always in eval mode and without building a graph.

        With `mc_samples=T`, Dropout layers stay active for T stochastic passes (Monte-Carlo
        dropout, H11, via `nn.mc_dropout_predict`) and an `MCDropoutPrediction(mean, std,
        entropy)` is returned. Outputs become probabilities first: softmax after
        CrossEntropyLoss or NLLLoss (softmax of log-probabilities gives them back), sigmoid
        after BCEWithLogitsLoss; other losses keep raw outputs and entropy is None.
        """
        pair = None
        if not isinstance(x, np.ndarray):
            from ..data import ArrayData
            if isinstance(x, ArrayData):
                pair = (x.X, x.y)
            elif isinstance(x, tuple) and len(x) == 2:
                pair = x
        X = pair[0] if pair is not None else np.asarray(x)
        self._dtype = self._model_dtype()
        if mc_samples is None:
            was_training = self.model.training
            self.model.eval()
            try:
                return self._forward_all(X, batch_size)
            finally:
                self.model.train(was_training)
        return self._mc_predict(X, batch_size, mc_samples)

    def _mc_predict(self, X, batch_size, mc_samples):
        from ..nn import mc_dropout_predict
        from ..nn.dropout import MCDropoutPrediction

        output = {"CrossEntropyLoss": "softmax", "NLLLoss": "softmax",
                  "BCEWithLogitsLoss": "sigmoid"}.get(self._loss_name)
        size = len(X) if batch_size is None else int(batch_size)
        parts = [mc_dropout_predict(self.model, self._input(np.asarray(X[i:i + size])),
                                    mc_samples=mc_samples, output=output)
                 for i in range(0, len(X), size)]      # rows are independent: exact in chunks
        mean = np.concatenate([p.mean for p in parts])
        std = np.concatenate([p.std for p in parts])
        entropy = None if output is None else np.concatenate([p.entropy for p in parts])
        return MCDropoutPrediction(mean, std, entropy)
