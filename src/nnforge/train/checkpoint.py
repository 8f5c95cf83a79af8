"""Crash-safe checkpoints of the whole training state, and resuming from them.

A checkpoint holds everything the next step of training depends on, so that resuming ends
bit-identical to a run that was never stopped: the model's weights, the optimizer's and the
scheduler's state, the generator's state (`bit_generator.state`: shuffling, dropout and
augmentation all draw from the run's one Generator), the epoch, the global step, the
`History`, the early-stopping state (best weights included) and the state of callbacks that
have `state_dict()`. A checkpoint taken mid-epoch (Ctrl-C, SIGTERM) also holds the epoch's
position: the batch reached, the generator state at the epoch's start (to redraw the same
permutation), the running loss sum and the outputs seen so far (for the epoch's metrics).

On disk, in `<run>/checkpoints/`, a checkpoint named KIND ("last" or "best") is a pair:

    KIND-e0007-s000224.safetensors   every array (weights, optimizer moments, ...)
    KIND.json                        every other value, the array file's name and sha256

No pickle: arrays go to safetensors, everything else to JSON (floats round-trip exactly).
The pair is made consistent by ordering: the array file gets a fresh name and is written
atomically (temporary file, fsync, rename) first, then the JSON sidecar is written
atomically, and only then is the previous array file deleted. A crash at any moment leaves
the previous complete pair or the new one; `load_checkpoint` checks the hash, so a damaged
file is reported in one line instead of resuming from garbage.
"""
from __future__ import annotations

import hashlib
import json
import os
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from ..serialization import atomic_write_bytes, load, save
from .callbacks import Callback, Stateful
from .cursor import TrainingCursor
from .history import History
from .interrupts import TrainingInterrupted, handle_signals

if TYPE_CHECKING:
    from .trainer import Trainer

__all__ = ["Checkpoint", "CheckpointError", "TrainingInterrupted", "TrainingState",
           "capture_state", "save_checkpoint", "load_checkpoint", "checkpoint_path",
           "handle_signals", "remove_orphans", "remove_temp_files", "inside"]

FORMAT = "nnforge-checkpoint"
VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint that is missing, damaged or does not fit the run (one-line message)."""


def inside(folder: str, name: Any, source: str, key: str) -> str:
    """The path of file `name`, read from key `key` of file `source`, inside `folder`.

    A run folder is untrusted input: its JSON files may have been edited or crafted, and a
    path read from them must never lead nnforge to read, overwrite or delete a file
    elsewhere. Only a plain file name (no folder part, no "..", not absolute) whose
    resolved path stays inside `folder` is accepted; anything else raises CheckpointError
    naming the file and the key.
    """
    if not isinstance(name, str) or not name or name in (".", "..") or \
            os.path.basename(name) != name or "/" in name or "\\" in name or "\0" in name:
        raise CheckpointError(f"{source}: key {key!r} must name a file inside "
                              f"{folder} (got {name!r}); refusing to use it")
    path = os.path.join(folder, name)
    real_folder = os.path.realpath(folder)
    if os.path.dirname(os.path.realpath(path)) != real_folder:
        raise CheckpointError(f"{source}: key {key!r} names {name!r}, which resolves outside "
                              f"{folder}; refusing to use it")
    return path


def _is_temp_name(name: str) -> bool:
    """Whether `name` is a temporary file of an atomic write (".<file>.<random>.tmp")."""
    return name.startswith(".") and name.endswith(".tmp") and name.count(".") >= 3


def remove_temp_files(directory: str | os.PathLike[str]) -> list[str]:
    """Delete the temporary files an interrupted atomic write left in `directory` (not
    below it); returns the removed names. Only one process writes a run folder, so any
    such file is a leftover."""
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        return []
    removed = []
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        if _is_temp_name(name) and os.path.isfile(path) and not os.path.islink(path):
            try:
                os.unlink(path)
                removed.append(name)
            except FileNotFoundError:
                pass
    return removed


# --- encoding: nested values with arrays -> JSON + a flat dict of arrays ----------------------
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


# --- files --------------------------------------------------------------------------------
def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checkpoint_path(directory: str | os.PathLike[str], kind: str = "last") -> str:
    """Path of the JSON sidecar of checkpoint `kind` in `directory`."""
    return os.path.join(os.fspath(directory), f"{kind}.json")


def save_checkpoint(directory: str | os.PathLike[str], trainer: Trainer, kind: str = "last",
                    pending_row: dict[str, Any] | None = None,
                    partial: TrainingCursor | None = None) -> str:
    """Write checkpoint `kind` of `trainer` into `directory` (crash-safe; see the module
    docstring) and return the sidecar's path."""
    directory = os.fspath(directory)
    os.makedirs(directory, exist_ok=True)
    arrays, meta = capture_state(trainer, pending_row, partial)
    sidecar = checkpoint_path(directory, kind)
    previous = _referenced_file(sidecar)
    if previous is not None:
        inside(directory, previous, sidecar, "weights")   # never delete outside the folder
    remove_temp_files(directory)
    tag = "p" if partial is not None else "e"
    weights = f"{kind}-{tag}{meta['epoch']:04d}-s{meta['global_step']:06d}.safetensors"
    if weights == previous:                       # same point saved again: keep the old pair
        weights = weights.replace(".safetensors", f"-{os.getpid()}-{id(meta)}.safetensors")
    save(arrays, os.path.join(directory, weights), metadata={"format": FORMAT})
    meta.update(kind=kind, weights=weights, sha256=_sha256(os.path.join(directory, weights)))
    atomic_write_bytes(sidecar, (json.dumps(meta, indent=1) + "\n").encode("utf-8"))
    if previous and previous != weights and not os.path.islink(
            os.path.join(directory, previous)):
        try:
            os.unlink(os.path.join(directory, previous))
        except FileNotFoundError:
            pass
    return sidecar


def _referenced_file(sidecar: str) -> Any:
    """The `weights` value of a sidecar (unchecked), or None if it has none."""
    try:
        with open(sidecar, encoding="utf-8") as f:
            return json.load(f).get("weights")
    except (OSError, ValueError, AttributeError):
        return None


def remove_orphans(directory: str | os.PathLike[str]) -> list[str]:
    """Delete what a killed writer left behind in `directory`: temporary files and array
    files no sidecar refers to. Returns the removed names."""
    if not os.path.isdir(directory):
        return []
    names = os.listdir(directory)
    keep = {_referenced_file(os.path.join(directory, n)) for n in names if n.endswith(".json")}
    removed = []
    for name in names:
        if os.path.islink(os.path.join(directory, name)):
            continue
        if _is_temp_name(name) or (name.endswith(".safetensors") and name not in keep):
            try:
                os.unlink(os.path.join(directory, name))
                removed.append(name)
            except FileNotFoundError:
                pass
    return removed


class TrainingState:
    """A loaded checkpoint: `meta` (JSON values) and `arrays`.

    `restore(trainer)` puts it into a freshly built Trainer (same config) and returns the
    `TrainingCursor` the fit continues from; `Trainer.fit(resume=state)` calls it.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from nnforge import nn, optim
    >>> from nnforge.train import Trainer
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
            trainer.generator.bit_generator.state = cast(dict, cursor.epoch_rng)
        else:
            trainer.generator.bit_generator.state = self.meta["rng"]
        return cursor


def load_checkpoint(path: str | os.PathLike[str]) -> TrainingState:
    """Load a checkpoint from its JSON sidecar, a checkpoints folder or a run folder
    (then `checkpoints/last.json`); CheckpointError with one line if it is not usable."""
    path = os.fspath(path)
    if os.path.isdir(path):
        inner = os.path.join(path, "checkpoints")
        if os.path.isdir(inner) or os.path.isfile(os.path.join(path, "config.json")):
            path = checkpoint_path(inner, "last")          # a run folder
        else:
            path = checkpoint_path(path, "last")            # a checkpoints folder
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
    if _sha256(weights) != meta.get("sha256"):
        raise CheckpointError(f"{path}: corrupted checkpoint: {os.path.basename(weights)} "
                              "does not match the sha256 recorded for it")
    try:
        arrays = dict(load(weights))
    except Exception as exc:  # noqa: BLE001 - any parse failure is a damaged file
        raise CheckpointError(f"{path}: corrupted checkpoint: {exc}") from None
    return TrainingState(meta, arrays, path)


# --- the callback ---------------------------------------------------------------------------
class Checkpoint(Callback):
    """Write checkpoint "last" every `every` epochs and "best" whenever `monitor` improves.

    Parameters
    ----------
    directory : str or PathLike
        Folder of the checkpoint files (created if missing).
    monitor : str or None
        The logged value that decides the "best" checkpoint; None: no best checkpoint.
    mode : {"min", "max"}
        Whether a lower or a higher `monitor` is better.
    every : int
        Write "last" after every that many epochs (and after the epoch that stops).

    Place it after EarlyStopping so that the saved early-stopping state includes the epoch
    just finished.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from nnforge import nn, optim
    >>> from nnforge.train import Trainer
    >>> X = np.random.default_rng(0).normal(size=(16, 3)).astype(np.float32)
    >>> y = (X[:, 0] > 0).astype(np.int64)
    >>> model = nn.Linear(3, 2, generator=np.random.default_rng(0))
    >>> folder = tempfile.mkdtemp()
    >>> _ = Trainer(model, optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss(),
    ...             callbacks=[Checkpoint(folder, monitor="loss")]).fit(
    ...     (X, y), epochs=2, verbose=0)
    >>> sorted(name for name in os.listdir(folder) if name.endswith(".json"))
    ['best.json', 'last.json']
    """

    def __init__(self, directory: str | os.PathLike[str], monitor: str | None = None,
                 mode: str = "min", every: int = 1) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"Checkpoint(mode={mode!r}): expected 'min' or 'max'")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"Checkpoint(every={every!r}): expected a positive integer")
        self.directory = os.fspath(directory)
        self.monitor, self.mode, self.every = monitor, mode, every
        self.best: float | None = None

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best = state["best"]

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.best = None
        remove_orphans(self.directory)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        trainer = cast("Trainer", self.trainer)
        if self.monitor is not None and self.monitor in logs:
            value = float(logs[self.monitor])
            better = self.best is None or (value < self.best if self.mode == "min"
                                           else value > self.best)
            if better and np.isfinite(value):
                self.best = value
                save_checkpoint(self.directory, trainer, "best", pending_row=logs)
        if (epoch + 1) % self.every == 0 or trainer.stop_training:
            save_checkpoint(self.directory, trainer, "last", pending_row=logs)

    def save_interrupted(self, trainer: Trainer) -> str:
        """Write "last" from the Trainer's mid-epoch `resume_point`; returns its path."""
        return save_checkpoint(self.directory, trainer, "last",
                               partial=getattr(trainer, "resume_point", None))
