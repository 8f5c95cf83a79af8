"""Stopping a fit cleanly on SIGINT or SIGTERM: the signal only raises a flag, the
Trainer finishes the update it is in, records where it stands (its cursor) and raises
`TrainingInterrupted`, so a mid-epoch checkpoint can be written and the run resumed
bit-identically; a second signal interrupts at once."""
from __future__ import annotations

import signal
import threading
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .trainer import Trainer

__all__ = ["TrainingInterrupted", "handle_signals"]


class TrainingInterrupted(Exception):
    """Training was stopped by a signal after finishing a batch. Attributes: signum,
    epoch (1-based), batch (batches of that epoch done), checkpoint (path or None)."""

    def __init__(self, signum: int | None, epoch: int, batch: int,
                 checkpoint: str | None = None) -> None:
        self.signum, self.epoch, self.batch, self.checkpoint = signum, epoch, batch, checkpoint
        name = signal.Signals(signum).name if signum else "a signal"
        super().__init__(f"interrupted by {name} after batch {batch} of epoch {epoch}")


class handle_signals:
    """Context manager: SIGINT and SIGTERM set `trainer.interrupt_signal`, so the Trainer
    finishes its batch and raises TrainingInterrupted; a second signal interrupts at once.
    Does nothing outside the main thread (signal handlers can only be set there).

    Examples
    --------
    >>> import os, signal
    >>> from types import SimpleNamespace
    >>> trainer = SimpleNamespace(interrupt_signal=None)
    >>> with handle_signals(trainer):
    ...     os.kill(os.getpid(), signal.SIGTERM)
    >>> trainer.interrupt_signal == signal.SIGTERM
    True
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer
        self._previous: dict[int, Any] = {}

    def _handler(self, signum: int, frame: Any) -> None:
        if self.trainer.interrupt_signal is not None:        # second signal: stop now
            raise KeyboardInterrupt
        self.trainer.interrupt_signal = signum

    def __enter__(self) -> handle_signals:
        if threading.current_thread() is threading.main_thread():
            for s in self.SIGNALS:
                self._previous[s] = signal.signal(s, self._handler)
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        for s, handler in self._previous.items():
            signal.signal(s, handler)
        self._previous.clear()
        return False
