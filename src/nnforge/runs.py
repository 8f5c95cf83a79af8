"""The run store: one folder per run and a SQLite index of all runs beside them.

    runs/
      runs.db                 index: id, name, path, config hash, seed, nnforge version,
                              git commit, start/end, status, final metrics (JSON)
      <id>/                   config.json, history.csv, metrics.json, model.safetensors,
                              checkpoints/, plots/, report.html, ...

A run's id is its folder name and its index is `runs.db` in the folder's parent, so
`--out somewhere/x` indexes run "x" in `somewhere/runs.db`. Several processes (tuning
workers) write the index at once: the database runs in WAL mode with a busy timeout and
every write is one short transaction. Status moves running -> finished | diverged |
interrupted | failed; a resumed run goes back to running. A process killed outright
(SIGKILL, the OOM killer) cannot write its end, so each row also records the host and pid
that ran it, and a "running" row whose process is gone from this host reads as "lost".

`RunSession` is what `build.run_experiment` calls at each edge of a run (start, end,
interruption, divergence, failure); it also owns the run's Checkpoint and gradient-norm
callbacks and writes the files the report reads.
"""
from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from . import __version__
from .config import ConfigError
from .report import write_report
from .run_index import INDEX_NAME, STATUSES, RunIndex, RunIndexError, json_number, now
from .serialization import atomic_write_bytes
from .train.checkpoint import (Checkpoint, CheckpointError, TrainingInterrupted,
                               TrainingState, load_checkpoint, remove_temp_files)
from .train.early_stopping import EarlyStopping
from .train.grad_norms import GradNormRecorder
from .train.metrics import confusion_matrix, higher_is_better, predicted_labels

if TYPE_CHECKING:
    from .build import Run
    from .config import Config

__all__ = ["RunIndex", "RunIndexError", "RunSession", "config_hash", "git_commit", "STATUSES",
           "INDEX_NAME", "resolve_run", "read_run_json", "check_no_links"]


def read_run_json(path: str) -> Any:
    """The JSON value in file `path` of a run folder; a damaged file raises ValueError
    naming it (run folders are untrusted input)."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a text file (damaged?); re-create the run or restore "
                         "the file") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: damaged JSON ({exc.msg}: line {exc.lineno}, column "
                         f"{exc.colno}); re-create the run or restore the file") from None


def config_hash(config_dict: dict[str, Any]) -> str:
    """First 16 hex digits of the sha256 of the resolved config as canonical JSON."""
    text = json.dumps(config_dict, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def git_commit(cwd: Optional[str] = None, timeout: float = 5) -> Optional[str]:
    """The HEAD commit of the git repository at `cwd` (default: the working directory),
    or None when it is not a repository or git is missing or slow."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True,
                             text=True, timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    commit = out.stdout.strip()
    return commit if out.returncode == 0 and len(commit) == 40 else None


def check_no_links(folder: str) -> None:
    """Refuse a run folder holding symbolic links where nnforge writes (the folder's own
    files, checkpoints/, plots/): writing through a link would change a file elsewhere."""
    for sub in ("", "checkpoints", "plots"):
        where = os.path.join(folder, sub) if sub else folder
        if sub and os.path.islink(where):
            raise CheckpointError(f"{where}: is a symbolic link; a run folder must hold its "
                                  "own files (refusing to write through it)")
        if not os.path.isdir(where):
            continue
        for name in sorted(os.listdir(where)):
            if os.path.islink(os.path.join(where, name)):
                raise CheckpointError(f"{os.path.join(where, name)}: is a symbolic link; a "
                                      "run folder must hold its own files (refusing to write "
                                      "through it)")


def resolve_run(run: str | os.PathLike[str], root: str | os.PathLike[str] = "runs"
                ) -> tuple[str, Optional[RunIndex]]:
    """(run folder, index or None) for a run folder path or a run id in `root`'s index."""
    path = os.fspath(run)
    if os.path.isdir(path):
        return path, RunIndex(os.path.dirname(os.path.abspath(path)))
    if os.path.exists(path):
        raise NotADirectoryError(f"{path}: is a file, expected a run folder or a run id")
    index = RunIndex(root)
    looks_like_path = os.sep in path or (os.altsep or os.sep) in path or \
        not os.path.exists(index.path)
    if looks_like_path:
        raise FileNotFoundError(f"{path}: no such run folder (give the folder `nnforge train "
                                "--out` wrote, or a run id listed by `nnforge runs list`)")
    row = index.get(path)
    return row["path"], index


class RunSession:
    """The run-store side of one `run_experiment`: index row, checkpoints, gradient norms
    and the files written at the end (labels, confusion matrix, plots, report).

    Examples
    --------
    >>> import os, tempfile
    >>> from nnforge.config import parse_config
    >>> config = parse_config({"name": "demo", "model": {"layers": [
    ...     {"type": "Linear", "in_features": 64, "out_features": 10}]}})
    >>> session = RunSession(os.path.join(tempfile.mkdtemp(), "demo-1"), config)
    >>> session.id, session.index.get("demo-1")["status"]
    ('demo-1', 'running')
    >>> session.failed(reason="stopped by hand")
    >>> session.index.get("demo-1")["status"]
    'failed'
    """

    def __init__(self, out_dir: str | os.PathLike[str], config: Config,
                 resume: bool = False) -> None:
        self.out_dir = os.fspath(out_dir)
        if resume:              # what a process killed while saving left behind
            for folder in (self.out_dir, os.path.join(self.out_dir, "plots")):
                remove_temp_files(folder)
        self.config = config
        self.id = os.path.basename(os.path.abspath(self.out_dir))
        self.index = RunIndex(os.path.dirname(os.path.abspath(self.out_dir)))
        self.checkpoint_dir = os.path.join(self.out_dir, "checkpoints")
        self.resume_state: Optional[TrainingState] = None
        if resume:
            self.resume_state = self._load_resume()
        resolved = config.model_dump(mode="json")
        fields = dict(id=self.id, status="running", ended=None, host=socket.gethostname(),
                      pid=os.getpid())
        if not resume:
            fields.update(name=config.name, path=os.path.abspath(self.out_dir),
                          config_hash=config_hash(resolved), seed=int(config.seed),
                          nnforge_version=__version__,
                          git_commit=git_commit(), started=now(), metrics=None)
        else:
            fields.update(path=os.path.abspath(self.out_dir), name=config.name,
                          config_hash=config_hash(resolved), seed=int(config.seed),
                          nnforge_version=__version__)
        self.index.upsert(**fields)
        self.checkpoint: Optional[Checkpoint] = None
        self.grad_norms: Optional[GradNormRecorder] = None

    def _load_resume(self) -> TrainingState:
        saved_config = os.path.join(self.out_dir, "config.json")
        check_no_links(self.out_dir)
        if not os.path.isdir(self.out_dir) or not os.path.isfile(saved_config):
            raise CheckpointError(f"{self.out_dir}: not a run folder (no config.json); "
                                  "--resume takes the folder of an earlier run")
        saved = read_run_json(saved_config)
        if config_hash(saved) != config_hash(self.config.model_dump(mode="json")):
            keys = _differing_keys(saved, self.config.model_dump(mode="json"))
            raise ConfigError(f"{self.out_dir}: the config differs from the run's config.json "
                              f"(at {', '.join(keys[:3])}); resume with the same config")
        return load_checkpoint(self.out_dir)

    def attach(self, run: Run) -> Optional[TrainingState]:
        """Add the Checkpoint and GradNormRecorder callbacks (after EarlyStopping)."""
        es = next((cb for cb in run.callbacks if isinstance(cb, EarlyStopping)), None)
        monitor = es.monitor if es is not None else ("val_loss" if run.val is not None
                                                     else "loss")
        mode = es.mode if es is not None and es.mode != "auto" else \
            ("max" if higher_is_better(monitor) else "min")
        self.grad_norms = GradNormRecorder()
        self.checkpoint = Checkpoint(self.checkpoint_dir, monitor=monitor, mode=mode)
        run.trainer.callbacks.extend([self.grad_norms, self.checkpoint])
        return self.resume_state

    def _end(self, status: str, summary: Optional[dict[str, Any]] = None,
             reason: Optional[str] = None) -> None:
        self.index.upsert(id=self.id, status=status, ended=now(), reason=reason,
                          metrics={k: v for k, v in (summary or {}).items()
                                   if isinstance(v, (int, float)) and not isinstance(v, bool)})

    def interrupted(self, run: Run, error: TrainingInterrupted, summary: dict[str, Any]
                    ) -> dict[str, Any]:
        """Write the mid-epoch checkpoint, the history so far and metrics.json."""
        if self.checkpoint is None:
            raise RuntimeError("RunSession.interrupted: attach(run) was not called")
        path = self.checkpoint.save_interrupted(run.trainer)
        error.checkpoint = path
        self._write_history(run)
        summary.update(status="interrupted", stop_reason=str(error), checkpoint=path,
                       epochs=len(run.trainer.history or ()))
        self._end("interrupted", summary)
        return summary

    def diverged(self, summary: dict[str, Any]) -> None:
        """Mark the run diverged, with its stop reason."""
        self._end("diverged", summary, reason=summary.get("stop_reason"))

    def failed(self, status: str = "failed", reason: Optional[str] = None) -> None:
        """Mark the run failed (or interrupted) with `reason`; if the index itself cannot
        be written (full disk, read-only folder), the original error is what matters."""
        try:
            self._end(status, reason=reason)
        except (RunIndexError, OSError):
            pass

    def _write_history(self, run: Run) -> None:
        history = run.trainer.history
        if history is not None:
            history.to_csv(os.path.join(self.out_dir, "history.csv"))
        if self.grad_norms is not None and self.grad_norms.rows:
            self.grad_norms.to_csv(os.path.join(self.out_dir, "grad_norms.csv"))
        steps = getattr(history, "steps", None)
        if steps and any(steps.values()):
            _write_json(os.path.join(self.out_dir, "steps.json"), steps)

    def finished(self, run: Run, summary: dict[str, Any], quiet: bool = True) -> str:
        """Labels, confusion matrix, gradient norms, index row, plots and report.html."""
        self._write_history(run)
        target = getattr(run, "target", None)      # the CSV's target column, by name
        labels = {"task": run.train.task, "class_names": run.train.class_names,
                  "scaler": None if run.scaler is None else type(run.scaler).__name__,
                  "feature_names": getattr(run, "feature_names", None),
                  "target": None if target is None else str(target),
                  "input_shape": [int(d) for d in run.train.X.shape[1:]]}
        _write_json(os.path.join(self.out_dir, "labels.json"), labels)
        if run.test is not None and run.test.y is not None and \
                run.train.task == "classification":
            output = run.trainer.predict(run.test.X, batch_size=run.config.train.eval_batch_size)
            assert isinstance(output, np.ndarray)      # without mc_samples: the outputs
            predicted = predicted_labels(output, logits=run.trainer.outputs_are_logits)
            n = len(run.train.class_names or ()) or None
            matrix = confusion_matrix(run.test.y, predicted, num_classes=n)
            _write_json(os.path.join(self.out_dir, "confusion_matrix.json"),
                        {"split": "test", "class_names": run.train.class_names,
                         "matrix": matrix.tolist()})
        self._end("finished", summary)
        return write_report(self.out_dir)


def _differing_keys(a: object, b: object, prefix: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        keys: list[str] = []
        for k in sorted(set(a) | set(b)):
            keys += _differing_keys(a.get(k), b.get(k), f"{prefix}{k}.")
        return keys
    return [] if a == b else [prefix.rstrip(".") or "<top>"]


def _write_json(path: str, payload: object) -> None:
    text = json.dumps(payload, indent=2, default=json_number) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))
