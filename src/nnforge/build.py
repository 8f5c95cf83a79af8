"""From a validated config to a trained model and a run folder: the one build-and-fit path
that `nnforge train`, the tuner and Python users share.

`build_run(config)` seeds the run and creates the data splits, scaler, model, loss,
optimizer, scheduler, callbacks and Trainer; `run_experiment(config, out_dir)` fits it,
evaluates on the test split and writes the run folder (`run_data` makes the splits,
`run_folder` guards and names the folder):

    config.json        the resolved config (every default filled in)
    history.csv        one row per epoch (loss, metrics, val_*, lr, seconds)
    metrics.json       test_loss, test_<metric>, val_*, epochs, seconds, best_epoch,
                       stop_reason, status
    model.safetensors  the final (best-restored) weights, PyTorch-compatible names
    scaler.safetensors the fitted scaler's statistics, when the config uses one

Seeding: `seed` resets the library generator (`nnforge.manual_seed`) and that one
Generator is handed to every layer (initialization, dropout) and to the Trainer (batch
order), so the same config gives bit-identical weights after training.
"""
import contextlib
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any, Optional

import numpy as np

from . import __version__, manual_seed, save
from . import data as D
from .config import Config, ConfigError
from .config.datasets import dataset_source
from .config.factory import build_model, build_training
from .mistake_warnings import silence
from .nn import Module
from .optim import BatchSizeSchedule, MomentumScheduler, Optimizer
from .run_data import RowScaler, build_data, split_data, target_column
from .run_folder import (check_new_run_folder, default_out_dir, staging_dir, swap_in,
                         write_json)
from .runs import RunSession
from .train import Callback, History, Trainer, TrainingDivergedError
from .train.checkpoint import TrainingInterrupted, TrainingState, handle_signals
from .train.divergence import ExplosionGuard

__all__ = ["Run", "build_run", "build_model", "build_data", "split_data", "run_experiment",
           "fit_run", "check_new_run_folder", "default_out_dir"]


@dataclass
class Run:
    """Everything `build_run` creates for one config: the data splits and scaler, the
    model, loss, optimizer, schedules, callbacks and the Trainer that fits them.

    Examples
    --------
    >>> from nnforge.config import parse_config
    >>> config = parse_config({"data": {"dataset": "xor", "options": {"n_samples": 40}},
    ...                        "model": {"layers": [{"type": "Linear", "in_features": 2,
    ...                                              "out_features": 2}]},
    ...                        "train": {"epochs": 2}})
    >>> run = build_run(config)
    >>> len(run.train), len(run.val), len(run.test), run.feature_names
    (24, 8, 8, None)
    >>> len(fit_run(run, verbose=0))
    2
    """

    config: Config
    model: Module
    loss_fn: Module
    optimizer: Optimizer
    scheduler: Any                    # an optim.lr_scheduler object, or None
    callbacks: list[Callback]
    trainer: Trainer
    train: D.ArrayData
    val: Optional[D.ArrayData]
    test: Optional[D.ArrayData]
    scaler: Optional[RowScaler] = None
    transform: Optional[D.Transform] = None
    generator: Optional[np.random.Generator] = None
    data_info: str = ""
    momentum_scheduler: Optional[MomentumScheduler] = None
    batch_size_schedule: Optional[BatchSizeSchedule] = None
    target: Optional[str] = None      # the name of a CSV's target column
    feature_names: Optional[list[str]] = None  # the columns' names, when the data names them


# --- the run ------------------------------------------------------------------------------
def _chance(train: D.ArrayData) -> Optional[float]:
    """The accuracy of always predicting the most frequent training class (None for a
    regression)."""
    if train.task != "classification" or train.y is None or np.ndim(train.y) != 1:
        return None
    counts = np.bincount(np.asarray(train.y, dtype=np.int64).clip(min=0))
    return float(counts.max() / counts.sum()) if counts.sum() else None


def build_run(config: Config) -> Run:
    """Seed, then build the data splits and, through `config.factory`, the model, loss,
    optimizer (l1/l2 through `optim.regularized_param_groups`), LR scheduler, momentum and
    batch-size schedules, augmentation, callbacks and Trainer.

    Parameters
    ----------
    config : Config
        A validated config.

    Returns
    -------
    Run

    Raises
    ------
    ConfigError
        A value a constructor refuses, naming the config's file and dotted key.
    """
    generator = manual_seed(config.seed)
    try:
        train, val, test, scaler = build_data(config.data, config.seed)
        model = build_model(config.model, generator)
        parts = build_training(config, model, len(train), val is not None, generator)
    except ConfigError as exc:
        raise exc.in_file(config.source) from None
    if config.train.nan_guard:
        parts.trainer.callbacks.append(ExplosionGuard(chance=_chance(train)))
    info = (f"{train.name.split('[')[0]}: {len(train)} train / {0 if val is None else len(val)}"
            f" val / {0 if test is None else len(test)} test, X {tuple(train.X.shape[1:])}, "
            f"{train.task}")
    target = None
    if config.data.dataset == "csv":
        target = str(target_column(config.data.path, config.data.target))
    # generated toy data names positions (x1, x2, ...), not features: matched by position
    generated = dataset_source(config.data.dataset).generated
    names = None if generated or train.feature_names is None else \
        [str(n) for n in train.feature_names]
    return Run(config, model, parts.loss_fn, parts.optimizer, parts.scheduler,
               parts.callbacks, parts.trainer, train, val, test, scaler, parts.transform,
               generator, info, parts.momentum_scheduler, parts.batch_size_schedule, target,
               names)


def fit_run(run: Run, verbose: int = 1, progress_stream: Optional[IO[str]] = None,
            resume: Optional[TrainingState] = None) -> History:
    """Fit the built run with its ``[train]`` settings.

    Augmentation (and batch augmentation) applies to the training loader only.

    Parameters
    ----------
    run : Run
        What `build_run` made.
    verbose : int
        0: silent; 1: a progress line per epoch.
    progress_stream : file-like, optional
        Where progress goes (default stderr).
    resume : TrainingState, optional
        The checkpoint state to continue from (`runs.RunSession.attach`).

    Returns
    -------
    History
    """
    cfg = run.config.train
    train: D.ArrayData | D.DataLoader = run.train
    if run.transform is not None:
        train = D.DataLoader(run.train.to_dataset(), batch_size=cfg.batch_size,
                             shuffle=cfg.shuffle, generator=run.generator,
                             transform=run.transform)
    with silence(*cfg.silence) if cfg.silence else contextlib.nullcontext():
        return run.trainer.fit(train, run.val, epochs=cfg.epochs, batch_size=cfg.batch_size,
                               shuffle=cfg.shuffle, verbose=verbose,
                               progress_stream=progress_stream, resume=resume,
                               log_interval=cfg.log_interval)


def run_experiment(config: Config, out_dir: "Optional[str | os.PathLike[str]]" = None,
                   quiet: bool = False, progress_stream: Optional[IO[str]] = None,
                   callbacks: Sequence[Callback] = (), resume: bool = False,
                   overwrite: bool = False) -> dict[str, Any]:
    """Build, fit, test and write the run folder.

    A diverged run still writes its history and a metrics.json with status "diverged"
    before the TrainingDivergedError propagates. The run is indexed in the parent folder's
    runs.db and checkpointed every epoch (`runs.RunSession`). SIGINT/SIGTERM finish the
    batch, checkpoint and raise TrainingInterrupted.

    Parameters
    ----------
    config : Config
    out_dir : str, optional
        The run folder (default ``runs/<name>-<timestamp>``).
    quiet : bool
        No progress output.
    progress_stream : file-like, optional
    callbacks : sequence of Callback
        Added to the Trainer's (the tuner reports and prunes through one).
    resume : bool
        Continue the run in `out_dir` from its last checkpoint.
    overwrite : bool
        Replace the run folder `out_dir`: the new run is built beside it and swapped in
        only when it finished, so a failed, diverged or interrupted run leaves the old one
        as it was. Without it an existing run folder is refused.

    Returns
    -------
    dict
        The metrics (test_*, val_*, epochs, seconds, best_epoch, stop_reason, status),
        with the folder's path under "run_dir".
    """
    final_dir = out_dir = os.fspath(out_dir or default_out_dir(config))
    if not resume:
        check_new_run_folder(final_dir, overwrite)
        if os.path.isdir(final_dir) and os.listdir(final_dir):
            out_dir = staging_dir(final_dir)       # replaced only once the new run finished
    start = time.perf_counter()
    run = None if resume else build_run(config)     # a refused config leaves no run folder
    session = RunSession(out_dir, config, resume=resume)       # checks a resumed run first
    try:
        os.makedirs(out_dir, exist_ok=True)
        write_json(os.path.join(out_dir, "config.json"), config.model_dump(mode="json"))
        run = run or build_run(config)
        summary = _run_in_session(run, out_dir, quiet, progress_stream, callbacks, session,
                                  start)
        if out_dir != final_dir:
            swap_in(out_dir, final_dir, session)
            summary["run_dir"] = final_dir
            summary["report"] = os.path.join(final_dir, os.path.basename(summary["report"]))
        return summary
    except (TrainingDivergedError, TrainingInterrupted):
        raise
    except BaseException as exc:
        session.failed("interrupted" if isinstance(exc, KeyboardInterrupt) else "failed",
                       reason=_failure_reason(exc))
        raise


def _failure_reason(exc: BaseException) -> str:
    """One line for the run index saying why a run failed (an OSError names its file)."""
    reason = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, OSError) and exc.filename and str(exc.filename) not in reason:
        reason = f"{exc.filename}: {reason}"
    return reason


def _run_in_session(run: Run, out_dir: str, quiet: bool, progress_stream: Optional[IO[str]],
                    callbacks: Sequence[Callback], session: RunSession,
                    start: float) -> dict[str, Any]:
    """Fit `run` inside its run folder, test it and write its files; returns the summary."""
    config = run.config
    run.trainer.callbacks.extend(callbacks)
    resume_state = session.attach(run)
    parameters = int(sum(p._data.size for p in run.model.parameters()))
    summary: dict[str, Any] = {"name": config.name, "seed": config.seed,
                               "nnforge_version": __version__, "data": run.data_info,
                               "parameters": parameters}
    try:
        with handle_signals(run.trainer):
            history = fit_run(run, verbose=0 if quiet else 1, progress_stream=progress_stream,
                              resume=resume_state)
    except TrainingInterrupted as exc:
        summary.update(seconds=time.perf_counter() - start)
        write_json(os.path.join(out_dir, "metrics.json"), session.interrupted(run, exc, summary))
        raise
    except TrainingDivergedError as exc:
        partial = run.trainer.history
        if partial is not None:
            partial.to_csv(os.path.join(out_dir, "history.csv"))
        summary.update(status="diverged", stop_reason=str(exc),
                       epochs=0 if partial is None else len(partial),
                       seconds=time.perf_counter() - start)
        write_json(os.path.join(out_dir, "metrics.json"), summary)
        session.diverged(summary)
        raise
    summary.update(_evaluate_splits(run))
    best_epoch = history.best_epoch
    if best_epoch is None and "val_loss" in history:
        best_epoch = history.best("val_loss")[0]
    summary.update(status="finished", epochs=len(history),
                   seconds=time.perf_counter() - start, best_epoch=best_epoch,
                   restored_epoch=history.restored_epoch, stop_reason=history.stop_reason)
    history.to_csv(os.path.join(out_dir, "history.csv"))
    save(run.model.state_dict(), os.path.join(out_dir, "model.safetensors"),
         metadata={"format": "nnforge", "name": config.name, "nnforge_version": __version__})
    if run.scaler is not None:
        save(run.scaler.state_dict(), os.path.join(out_dir, "scaler.safetensors"),
             metadata={"scaler": type(run.scaler).__name__})
    write_json(os.path.join(out_dir, "metrics.json"), summary)
    summary["report"] = session.finished(run, summary)
    summary["run_dir"] = out_dir
    return summary


def _evaluate_splits(run: Run) -> dict[str, float]:
    """test_* and val_* of the trained model on the splits the run has."""
    eval_bs = run.config.train.eval_batch_size
    results: dict[str, float] = {}
    if run.test is not None:
        results.update({f"test_{k}": v
                        for k, v in run.trainer.evaluate(run.test, eval_bs).items()})
    if run.val is not None:
        results.update({f"val_{k}": v for k, v in run.trainer.evaluate(run.val, eval_bs).items()})
    return results
