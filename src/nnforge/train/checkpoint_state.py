"""A checkpoint's content: the whole training state captured as JSON values plus a flat
dict of arrays (`capture_state`), and read back (`load_checkpoint`) into a `TrainingState`
that restores it into a freshly built Trainer."""
from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

import numpy as np

from ..serialization import load
from .callbacks import Stateful
from .checkpoint_files import (FORMAT, VERSION, CheckpointError, checkpoint_path, file_sha256,
                               inside)
from .cursor import TrainingCursor
from .history import History

if TYPE_CHECKING:
    from .trainer import Trainer

__all__ = ["TrainingState", "capture_state", "load_checkpoint"]


def _encode(value: Any, arrays: dict[str, np.ndarray], prefix: str) -> Any:
    """`value` with every ndarray / NumPy scalar moved into `arrays` under a key starting
    with `prefix` and replaced by {"__array__": key} (NumPy scalars keep their dtype)."""
    if isinstance(value, (np.ndarray, np.generic)):
        key = f"{prefix}#{len(arrays)}"
        arrays[key] = np.array(value, copy=True)
        return {"__array__": key, "scalar": isinstance(value, np.generic)}
    if isinstance(value, dict):
        return {"__dict__": [[_encode(k, arrays, prefix), _encode(v, arrays, prefix)]
                             for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [_encode(v, arrays, prefix) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"checkpoint: cannot store a value of type {type(value).__name__} "
                    f"(under {prefix!r})")


def _decode(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(value, dict):
        if "__array__" in value:
            array = arrays[value["__array__"]]
            return array[()] if value.get("scalar") else np.array(array, copy=True)
        return {_decode(k, arrays): _decode(v, arrays) for k, v in value["__dict__"]}
    if isinstance(value, list):
        return [_decode(v, arrays) for v in value]
    return value


def _callback_states(trainer: Trainer) -> dict[str, Any]:
    """{"<index>:<class>": state} for the callbacks that have `state_dict()`."""
    return {f"{i}:{type(cb).__name__}": cb.state_dict() for i, cb in enumerate(trainer.callbacks)
            if isinstance(cb, Stateful)}


def capture_state(trainer: Trainer, pending_row: dict[str, Any] | None = None,
                  partial: TrainingCursor | None = None) -> tuple[dict[str, np.ndarray],
                                                                  dict[str, Any]]:
    """(arrays, meta) describing the trainer now. `pending_row`: the epoch's logs when
    called from on_epoch_end (before the Trainer appends them to its History); `partial`:
    the Trainer's `resume_point` (its cursor) when stopping mid-epoch."""
    arrays: dict[str, np.ndarray] = {}
    history = trainer.history.state_dict() if trainer.history is not None else \
        History().state_dict()
    if pending_row is not None:
        history["rows"].append(dict(pending_row))
    for name, value in trainer.model.state_dict().items():
        arrays[f"model/{name}"] = np.array(value, copy=True)
    meta = {
        "format": FORMAT, "version": VERSION,
        "epoch": len(history["rows"]) if partial is None else int(partial.epoch),
        "global_step": int(trainer.global_step),
        "rng": trainer.generator.bit_generator.state,
        "stop_training": bool(trainer.stop_training),
        "stop_reason": trainer.stop_reason if partial is None else None,   # not "interrupted"
        "history": _encode(history, arrays, "history"),
        "optimizer": _encode(trainer.optimizer.state_dict(native=True), arrays, "optimizer"),
        "scheduler": (None if trainer.scheduler is None else
                      _encode(trainer.scheduler.state_dict(), arrays, "scheduler")),
        "callbacks": _encode(_callback_states(trainer), arrays, "callbacks"),
        "plan": _encode(trainer.plan.state_dict(), arrays, "plan"),
        "partial": None if partial is None else _encode(partial.state_dict(), arrays, "partial"),
    }
    return arrays, meta


class TrainingState:
    """A loaded checkpoint: `meta` (JSON values) and `arrays`.

    `restore(trainer)` puts it into a freshly built Trainer (same config) and returns the
    `TrainingCursor` the fit continues from; `Trainer.fit(resume=state)` calls it.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from nnforge import nn, optim
    >>> from nnforge.train import Checkpoint, Trainer
    >>> X = np.random.default_rng(0).normal(size=(16, 3)).astype(np.float32)
    >>> y = (X[:, 0] > 0).astype(np.int64)
    >>> model = nn.Linear(3, 2, generator=np.random.default_rng(0))
    >>> folder = tempfile.mkdtemp()
    >>> trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1),
    ...                   nn.CrossEntropyLoss(), callbacks=[Checkpoint(folder)], generator=0)
    >>> _ = trainer.fit((X, y), epochs=2, batch_size=8, verbose=0)
    >>> state = load_checkpoint(folder)
    >>> state.epoch, state.global_step, state.partial
    (2, 4, False)
    """

    def __init__(self, meta: dict[str, Any], arrays: dict[str, np.ndarray], path: str) -> None:
        self.meta, self.arrays, self.path = meta, arrays, path

    @property
    def epoch(self) -> int:
        return self.meta["epoch"]

    @property
    def global_step(self) -> int:
        return self.meta["global_step"]

    @property
    def partial(self) -> bool:
        return self.meta.get("partial") is not None

    def model_state(self) -> dict[str, np.ndarray]:
        return {k[len("model/"):]: v for k, v in self.arrays.items() if k.startswith("model/")}

    def history(self) -> History:
        """The `History` of the epochs completed before the checkpoint."""
        history = History()
        history.load_state_dict(_decode(self.meta["history"], self.arrays))
        return history

    def restore(self, trainer: Trainer) -> TrainingCursor:
        try:
            return self._restore(trainer)
        except CheckpointError:
            raise
        except (TypeError, ValueError, KeyError, IndexError, AttributeError,
                OverflowError) as exc:    # a sidecar edited by hand: one line, no traceback
            text = " ".join(str(exc).split())[:200]
            raise CheckpointError(f"{self.path}: damaged checkpoint: a value does not fit "
                                  f"({type(exc).__name__}: {text}); resume from another "
                                  "checkpoint or start the run again") from None

    def _restore(self, trainer: Trainer) -> TrainingCursor:
        where = f"checkpoint {self.path}"
        model_state = self.model_state()
        expected = trainer.model.state_dict()
        if set(model_state) != set(expected) or any(
                model_state[k].shape != np.shape(expected[k]) for k in expected):
            raise CheckpointError(f"{where}: its weights do not fit the model built from the "
                                  "config (different layers or shapes)")
        trainer.model.load_state_dict(model_state)
        try:
            trainer.optimizer.load_state_dict(_decode(self.meta["optimizer"], self.arrays))
            if trainer.scheduler is not None:
                if self.meta["scheduler"] is None:
                    raise ValueError("it holds no scheduler state")
                trainer.scheduler.load_state_dict(_decode(self.meta["scheduler"], self.arrays))
        except (ValueError, KeyError, TypeError) as exc:
            raise CheckpointError(f"{where}: optimizer/scheduler state does not fit: "
                                  f"{exc}") from None
        trainer.global_step = int(self.meta["global_step"])
        trainer.stop_training = bool(self.meta["stop_training"])
        trainer.stop_reason = self.meta["stop_reason"]
        trainer.history = self.history()
        plan = _decode(self.meta.get("plan"), self.arrays)
        if plan is not None:
            trainer.plan.load_state_dict(plan)
        trainer.history.steps = trainer.plan.steps
        states = _decode(self.meta["callbacks"], self.arrays)
        for i, cb in enumerate(trainer.callbacks):
            state = states.get(f"{i}:{type(cb).__name__}")
            if state is not None and isinstance(cb, Stateful):
                cb.load_state_dict(state)
        cursor = TrainingCursor(epoch=int(self.meta["epoch"]))
        if self.partial:
            cursor.load_state_dict(_decode(self.meta["partial"], self.arrays))
            # a mid-epoch checkpoint always records the epoch's generator state
            trainer.generator.bit_generator.state = dict(cursor.epoch_rng or {})
        else:
            trainer.generator.bit_generator.state = self.meta["rng"]
        return cursor


def load_checkpoint(path: str | os.PathLike[str]) -> TrainingState:
    """Load a checkpoint from its JSON sidecar, a checkpoints folder or a run folder
    (then `checkpoints/last.json`); CheckpointError with one line if it is not usable.

    A folder without "last" but with "best" loads "best": a run killed between writing the
    two at the end of an epoch left a complete state there, and it is the newest one."""
    path = os.fspath(path)
    if os.path.isdir(path):
        inner = os.path.join(path, "checkpoints")
        if os.path.isdir(inner) or os.path.isfile(os.path.join(path, "config.json")):
            path = inner                                    # a run folder
        last, best = checkpoint_path(path, "last"), checkpoint_path(path, "best")
        path = best if not os.path.lexists(last) and os.path.lexists(best) else last
    if not os.path.isfile(path):
        raise CheckpointError(f"{path}: no checkpoint here (the run stopped before its first "
                              "checkpoint, or this is not a run folder); start the run again "
                              "instead of resuming it")
    try:
        with open(path, encoding="utf-8") as f:
            meta = json.load(f)
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{path}: corrupted checkpoint (unreadable JSON: {exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not an nnforge checkpoint (no format "
                              f"{FORMAT!r} field)")
    if meta.get("version") != VERSION:
        raise CheckpointError(f"{path}: checkpoint version {meta.get('version')!r} is not "
                              f"supported (expected {VERSION})")
    weights = inside(os.path.dirname(path) or ".", meta.get("weights"), path, "weights")
    if not os.path.isfile(weights):
        raise CheckpointError(f"{path}: corrupted checkpoint: its array file "
                              f"{os.path.basename(weights)} is missing")
    if file_sha256(weights) != meta.get("sha256"):
        raise CheckpointError(f"{path}: corrupted checkpoint: {os.path.basename(weights)} "
                              "does not match the sha256 recorded for it")
    try:
        arrays = dict(load(weights))
    except Exception as exc:  # noqa: BLE001 - any parse failure is a damaged file
        raise CheckpointError(f"{path}: corrupted checkpoint: {exc}") from None
    return TrainingState(meta, arrays, path)
