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
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .trainer import Trainer


__all__ = ["Callback", "CallbackList", "LambdaCallback", "Stateful", "check_monitor"]


class Callback:
    """Base class: override the hooks you need; the defaults do nothing.

    A callback with state that a resumed fit needs (a best value, running sums) also
    defines ``state_dict() -> dict`` and ``load_state_dict(state)``; checkpoints save and
    restore it through them (see `Stateful`).

    Examples
    --------
    >>> class CountEpochs(Callback):
    ...     def on_train_begin(self, logs=None):
    ...         self.epochs = 0
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         self.epochs += 1
    >>> counter = CountEpochs()
    >>> counter.on_train_begin(); counter.on_epoch_end(0, {"loss": 0.5})
    >>> counter.epochs
    1
    """

    trainer: Trainer = None  # type: ignore[assignment]  # set by set_trainer before any hook

    def set_trainer(self, trainer: Trainer) -> None:
        self.trainer = trainer

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        pass

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        pass

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        pass

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        pass

    def on_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        pass

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        pass

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


@runtime_checkable
class Stateful(Protocol):
    """A callback whose state goes into checkpoints: `state_dict()` returns plain values
    and arrays, `load_state_dict(state)` puts them back.

    Examples
    --------
    >>> class Best(Callback):
    ...     best = None
    ...     def state_dict(self):
    ...         return {"best": self.best}
    ...     def load_state_dict(self, state):
    ...         self.best = state["best"]
    >>> isinstance(Best(), Stateful), isinstance(Callback(), Stateful)
    (True, False)
    """

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


class LambdaCallback(Callback):
    """A callback from plain functions.

    Examples
    --------
    >>> seen = []
    >>> callback = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(logs["loss"]))
    >>> callback.on_epoch_end(0, {"loss": 0.25})
    >>> seen
    [0.25]
    """

    _HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
              "on_batch_begin", "on_batch_end")

    def __init__(self, **hooks: Callable[..., Any]) -> None:
        unknown = sorted(set(hooks) - set(self._HOOKS))
        if unknown:
            raise TypeError(f"LambdaCallback: unknown hooks {unknown} (allowed: "
                            f"{', '.join(self._HOOKS)})")
        for name, fn in hooks.items():
            setattr(self, name, fn)


def _overrides(callback: Callback, hook: str) -> bool:
    """True when `callback` defines `hook` itself (so the trainer may skip the call)."""
    if hook in vars(callback):                       # LambdaCallback instance attribute
        return True
    return getattr(type(callback), hook) is not getattr(Callback, hook)


class CallbackList:
    """Calls a list of callbacks in order.

    Batch hooks are dispatched only to callbacks that override them, which keeps the
    per-batch overhead of an epoch near zero.

    Examples
    --------
    >>> calls = []
    >>> callbacks = CallbackList([LambdaCallback(on_epoch_end=lambda e, l: calls.append(e)),
    ...                           Callback()])
    >>> callbacks.on_epoch_end(0, {}); callbacks.on_epoch_end(1, {})
    >>> calls, len(callbacks), callbacks.has_batch_hooks
    ([0, 1], 2, False)
    """

    def __init__(self, callbacks: Iterable[Callback] | None = (),
                 trainer: Trainer | None = None) -> None:
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

    def set_trainer(self, trainer: Trainer) -> None:
        for cb in self.callbacks:
            cb.set_trainer(trainer)

    @property
    def has_batch_hooks(self) -> bool:
        return bool(self._batch_begin or self._batch_end)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        for cb in self.callbacks:
            cb.on_train_begin(logs)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        for cb in self.callbacks:
            cb.on_train_end(logs)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, logs)

    def on_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        for cb in self._batch_begin:
            cb.on_batch_begin(batch, logs)

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        for cb in self._batch_end:
            cb.on_batch_end(batch, logs)

    def __iter__(self) -> Iterator[Callback]:
        return iter(self.callbacks)

    def __len__(self) -> int:
        return len(self.callbacks)


def check_monitor(owner: str, monitor: str, logs: dict[str, Any]) -> float:
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
