"""Callbacks: code that runs at the edges of training (Keras' hooks and `logs` dict).

The Trainer calls, in order: `on_train_begin(logs)`; per epoch `on_epoch_begin(epoch,
logs)`, per batch `on_batch_begin(batch, logs)` / `on_batch_end(batch, logs)`, then
`on_epoch_end(epoch, logs)`; finally `on_train_end(logs)`. `epoch` and `batch` are 0-based
indices (Keras' convention). Epoch logs hold "loss", the train metrics ("accuracy", ...),
"val_loss", "val_accuracy", ..., "lr" and "seconds"; batch-end logs hold "loss" and "size".

A callback reaches the trainer (and through it the model and optimizer) as
`self.trainer`; it stops training by setting `trainer.stop_training = True` and explains
why in `trainer.stop_reason`. `on_train_begin` resets all per-run state, so one instance
can be used for several fits.
"""

__all__ = ["Callback", "CallbackList", "LambdaCallback", "check_monitor"]


class Callback:
    """Base class: override the hooks you need; the defaults do nothing."""

    trainer = None

    def set_trainer(self, trainer):
        self.trainer = trainer

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

    def __repr__(self):
        return f"{type(self).__name__}()"


class LambdaCallback(Callback):
    """A callback from plain functions, e.g. `LambdaCallback(on_epoch_end=lambda e, l: ...)`."""

    _HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
              "on_batch_begin", "on_batch_end")

    def __init__(self, **hooks):
        unknown = sorted(set(hooks) - set(self._HOOKS))
        if unknown:
            raise TypeError(f"LambdaCallback: unknown hooks {unknown} (allowed: "
                            f"{', '.join(self._HOOKS)})")
        for name, fn in hooks.items():
            setattr(self, name, fn)


def _overrides(callback, hook):
    """True when `callback` defines `hook` itself (so the trainer may skip the call)."""
    if hook in vars(callback):                       # LambdaCallback instance attribute
        return True
    return getattr(type(callback), hook) is not getattr(Callback, hook)


class CallbackList:
    """Calls a list of callbacks in order. Batch hooks are dispatched only to callbacks
    that override them, which keeps the per-batch overhead of an epoch near zero."""

    def __init__(self, callbacks=(), trainer=None):
        self.callbacks = []
        for cb in callbacks or ():
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks: expected Callback instances, got "
                                f"{type(cb).__name__}")
            self.callbacks.append(cb)
        if trainer is not None:
            self.set_trainer(trainer)
        self._batch_begin = [cb for cb in self.callbacks if _overrides(cb, "on_batch_begin")]
        self._batch_end = [cb for cb in self.callbacks if _overrides(cb, "on_batch_end")]

    def set_trainer(self, trainer):
        for cb in self.callbacks:
            cb.set_trainer(trainer)

    @property
    def has_batch_hooks(self):
        return bool(self._batch_begin or self._batch_end)

    def on_train_begin(self, logs=None):
        for cb in self.callbacks:
            cb.on_train_begin(logs)

    def on_train_end(self, logs=None):
        for cb in self.callbacks:
            cb.on_train_end(logs)

    def on_epoch_begin(self, epoch, logs=None):
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, logs)

    def on_batch_begin(self, batch, logs=None):
        for cb in self._batch_begin:
            cb.on_batch_begin(batch, logs)

    def on_batch_end(self, batch, logs=None):
        for cb in self._batch_end:
            cb.on_batch_end(batch, logs)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self):
        return len(self.callbacks)


def check_monitor(owner, monitor, logs):
    """The value of `logs[monitor]`, or a ValueError naming the callback and the keys that
    are available (a typo such as "val_acc" must not silently disable the callback)."""
    if monitor not in logs:
        available = ", ".join(sorted(k for k in logs if k not in ("epoch", "seconds")))
        hint = ""
        if monitor.startswith("val_") and not any(k.startswith("val_") for k in logs):
            hint = " (no validation data was given to fit())"
        raise ValueError(f"{owner}: monitor {monitor!r} is not in the logs{hint}; "
                         f"available: {available}")
    return float(logs[monitor])
