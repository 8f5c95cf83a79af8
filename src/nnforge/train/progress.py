"""Progress output: a tqdm bar per epoch on a terminal, one plain line
per epoch otherwise (CI logs stay readable), nothing with `verbose=0`.

The plain line reads
    epoch 3/20  loss 0.1234  accuracy 0.9650  val_loss 0.1500  val_accuracy 0.9600  lr 1e-03  1.2s
With `log_interval=N` the plain log also prints every N batches, so a long epoch
written to a file or a CI log shows it is alive:
    epoch 3/20  [12800/54000 24%]  loss 0.3120
The schedule bookkeeping (momentum, batch_size, updates, noise_scale) is in the History
every epoch; the line shows momentum from the first epoch it differs from the first
epoch's value (a momentum schedule), and the other three from the first epoch the batch
size differs (a batch-size schedule), so the usual line stays short.
tqdm is imported only when a bar is actually drawn.
"""
from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Collection
from typing import Any, TextIO

from .callbacks import Callback

__all__ = ["ProgressBar", "ProgressLog", "IntervalProgressLog", "progress_callback",
           "format_logs"]


def _fmt_value(key: str, value: Any) -> str:
    if key == "lr":
        return f"{value:.0e}" if value != 0 else "0"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def format_logs(logs: dict[str, Any], compact: bool = False,
                hide: Collection[str] = ()) -> str:
    """'loss 0.1234  val_loss 0.2000  lr 1e-03' for the numeric entries of an epoch's logs
    (train entries first, then validation, then lr; "epoch", "seconds" and `hide` left
    out). `compact` keeps only the train loss of the train entries (for a bar's short
    line)."""
    keys = [k for k in logs if k not in ("epoch", "seconds", "lr") and k not in hide]
    if compact:
        keys = [k for k in keys if k == "loss" or k.startswith("val_")]
    keys = [k for k in keys if not k.startswith("val_")] + \
        [k for k in keys if k.startswith("val_")]
    if "lr" in logs:
        keys.append("lr")
    return "  ".join(f"{k} {_fmt_value(k, logs[k])}" for k in keys)


class _Progress(Callback):
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream
        self._first: dict[str, Any] = {}
        self._changed: set[str] = set()

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._first, self._changed = {}, set()

    def _hidden(self, logs: dict[str, Any]) -> tuple[str, ...]:
        """The bookkeeping keys not to print: momentum until it changes, batch size,
        updates and noise scale until the batch size changes."""
        for key in ("momentum", "batch_size"):
            if key in logs and logs[key] != self._first.setdefault(key, logs[key]):
                self._changed.add(key)
        hide: tuple[str, ...] = () if "momentum" in self._changed else ("momentum",)
        if "batch_size" not in self._changed:
            hide += ("batch_size", "updates", "noise_scale")
        return hide

    def _out(self) -> TextIO:
        return self.stream if self.stream is not None else sys.stderr

    def _epochs(self) -> Any:
        params = getattr(self.trainer, "params", None) or {}
        return params.get("epochs")

    def _title(self, epoch: int) -> str:
        total = self._epochs()
        return f"epoch {epoch + 1}/{total}" if total else f"epoch {epoch + 1}"


class ProgressLog(_Progress):
    """One line per epoch to `stream` (default stderr).

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> ProgressLog(out).on_epoch_end(0, {"epoch": 1, "loss": 0.25, "lr": 0.1,
    ...                                   "seconds": 1.5})
    >>> out.getvalue()
    'epoch 1  loss 0.2500  lr 1e-01  1.5s\\n'
    """

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        seconds = logs.get("seconds")
        tail = "" if seconds is None else f"  {seconds:.{2 if seconds < 1 else 1}f}s"
        print(f"{self._title(epoch)}  {format_logs(logs, hide=self._hidden(logs))}{tail}",
              file=self._out(), flush=True)


class IntervalProgressLog(ProgressLog):
    """ProgressLog plus a line every `log_interval` batches: samples done of the epoch's
    total, the percentage, and the mean training loss of the epoch so far.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> log = IntervalProgressLog(2, out)
    >>> log.on_epoch_begin(0)
    >>> for batch in range(2):
    ...     log.on_batch_end(batch, {"loss": 0.5, "size": 8})
    >>> out.getvalue()
    'epoch 1  [16]  loss 0.5000\\n'
    """

    def __init__(self, log_interval: int, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self.log_interval = int(log_interval)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch, self._batches, self._seen, self._loss_sum = epoch, 0, 0, 0.0

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        n = int(logs.get("size", 1))
        self._batches += 1
        self._seen += n
        self._loss_sum += float(logs.get("loss", 0.0)) * n
        if self._batches % self.log_interval:
            return
        params = getattr(self.trainer, "params", None) or {}
        total = params.get("samples")
        done = f"{self._seen}/{total} {100 * self._seen / total:.0f}%" if total \
            else f"{self._seen}"
        print(f"{self._title(self._epoch)}  [{done}]  loss "
              f"{self._loss_sum / max(self._seen, 1):.4f}", file=self._out(), flush=True)


class ProgressBar(_Progress):
    """A tqdm bar per epoch with the running loss, then the epoch's metrics and lr.

    Examples
    --------
    `progress_callback` picks it for ``verbose=1`` on a terminal, plain lines elsewhere:

    >>> import io
    >>> type(progress_callback(verbose=1, stream=io.StringIO())).__name__
    'ProgressLog'
    >>> ProgressBar(refresh_seconds=0.5).refresh_seconds
    0.5
    """

    def __init__(self, stream: TextIO | None = None, refresh_seconds: float = 0.2) -> None:
        super().__init__(stream)
        self.refresh_seconds = refresh_seconds
        self._bar = None

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        from tqdm import tqdm

        params = getattr(self.trainer, "params", None) or {}
        # NOTE: a terminal that reports a 0 x 0 size (a bare pty, some CI runners) makes
        # tqdm draw nothing at all; fall back to 100 x 20
        size = shutil.get_terminal_size((100, 20))
        self._bar = tqdm(total=params.get("steps"), desc=self._title(epoch), file=self._out(),
                         leave=True, ncols=size.columns, nrows=size.lines, unit="batch")
        self._loss_sum, self._count, self._last = 0.0, 0, 0.0

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self._bar is None:
            return
        logs = logs or {}
        n = logs.get("size", 1)
        self._loss_sum += logs.get("loss", 0.0) * n
        self._count += n
        self._bar.update(1)
        now = time.perf_counter()
        if now - self._last >= self.refresh_seconds:
            self._last = now
            self._bar.set_postfix_str(f"loss {self._loss_sum / max(self._count, 1):.4f}",
                                      refresh=False)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self._bar is None:
            return
        self._bar.set_postfix_str(format_logs(logs or {}, compact=True), refresh=False)
        self._bar.close()
        self._bar = None

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self._bar is not None:          # stopped mid-epoch
            self._bar.close()
            self._bar = None


def progress_callback(verbose: int = 1, stream: TextIO | None = None,
                      log_interval: int | None = None) -> Callback | None:
    """The progress callback for `verbose` (0: none, 1: bar on a TTY else lines, 2: lines)
    writing to `stream` (default stderr); None when silent. `log_interval` adds a line
    every that many batches to the plain lines (a bar already shows every batch)."""
    if not verbose:
        return None
    out = stream if stream is not None else sys.stderr
    is_tty = bool(getattr(out, "isatty", lambda: False)())
    if verbose == 1 and is_tty:
        return ProgressBar(stream)
    if log_interval is not None:
        return IntervalProgressLog(log_interval, stream)
    return ProgressLog(stream)
