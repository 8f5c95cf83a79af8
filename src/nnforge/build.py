"""From a validated config to a trained model and a run folder: the one build-and-fit path
that `nnforge train`, the tuner and Python users share.

`build_run(config)` seeds the run and creates the data splits, scaler, model, loss,
optimizer, scheduler, callbacks and Trainer; `run_experiment(config, out_dir)` fits it,
evaluates on the test split and writes the run folder:

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
import csv
import json
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from . import __version__, manual_seed, save
from . import data as D
from .config import Config, ConfigError, loader_function
from .config.factory import build_model, build_training
from .runs import RunSession
from .serialization import atomic_write_bytes
from .train import TrainingDivergedError
from .train.divergence import ExplosionGuard
from .train.checkpoint import TrainingInterrupted, handle_signals
from .train.history import History
from .mistake_warnings import silence

__all__ = ["Run", "build_run", "build_model", "build_data", "split_data", "run_experiment"]


@dataclass
class Run:
    """Everything `build_run` creates for one config."""

    config: object
    model: object
    loss_fn: object
    optimizer: object
    scheduler: object
    callbacks: list
    trainer: object
    train: object
    val: object
    test: object
    scaler: object = None
    transform: object = None
    generator: object = None
    data_info: str = ""
    momentum_scheduler: object = None
    batch_size_schedule: object = None
    target: Optional[str] = None      # the name of a CSV's target column
    feature_names: Optional[list] = None  # the columns' names, when the data names them


# --- data ---------------------------------------------------------------------------------
def _load_dataset(cfg: Any, seed: int) -> Any:
    """What the dataset's loader returns: an ArrayData, or (train, test) ArrayData for
    datasets that ship a test set (Fashion-MNIST, MNIST)."""
    load, options, name = loader_function(cfg.dataset), dict(cfg.options), cfg.dataset
    if name in ("fashion_mnist", "mnist"):
        return load(cfg.path, **options)
    if name == "csv":
        return load(cfg.path, _target_column(cfg.path, cfg.target), task=cfg.task, **options)
    if name == "npz":
        return load(cfg.path, x_key=cfg.x_key, y_key=cfg.y_key, task=cfg.task, **options)
    if load.__name__.startswith("make_"):
        options.setdefault("seed", seed)                   # toy data: drawn from the seed
    return load(**options)


def _target_column(path: Any, target: Any) -> Any:
    """The CSV's target column: `data.target` is its name, or its 0-based index."""
    if not isinstance(target, int) or isinstance(target, bool):
        return target

    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            header = next((row for row in csv.reader(f) if any(c.strip() for c in row)), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return str(target)                  # load_csv reports the unreadable file
    header = [h.strip() for h in header]
    if not -len(header) <= target < len(header):
        raise ConfigError(f"data.target: column index {target} is out of range for {path} "
                          f"({len(header)} columns: 0 to {len(header) - 1})")
    return header[target]


def _check_split_sizes(n: int, fractions: Sequence[float], parts: Sequence[Any],
                       name: str) -> None:
    """Every part of `data.split` with a positive fraction got at least one row."""
    for label, fraction, part in zip(("train", "validation", "test"), fractions, parts):
        if fraction > 0 and part is None:
            raise ConfigError(f"data.split: {name} has {n} row{'s' if n != 1 else ''}, too "
                              f"few for the split "
                              f"{[round(f, 4) for f in fractions]}: the {label} part would be "
                              "empty; use more data or set its fraction to 0")


def _scale(scaler: Any, X: np.ndarray) -> np.ndarray:
    """Scaler transform of image or tabular X (scalers see rows of features)."""
    return scaler.transform(X.reshape(len(X), -1)).reshape(X.shape)


def _flatten(part: Optional[D.ArrayData]) -> Optional[D.ArrayData]:
    """Images (N, C, H, W) as rows (N, C*H*W); other data unchanged."""
    if part is None or part.X.ndim <= 2:
        return part
    return D.ArrayData(part.X.reshape(len(part.X), -1), part.y, part.class_names, part.task,
                     part.name, part.feature_names)


def split_data(cfg: Any, seed: int) -> tuple:
    """(train, val, test) ArrayData splits of the `[data]` section, unscaled.

    The one split every consumer shares (training, `nnforge data describe`, the tuner's
    k-fold pool of train + val rows). `data.split` = (train, val, test) fractions of the
    whole set; a dataset that ships its own test set (Fashion-MNIST, MNIST) keeps it as
    the test split and divides its training set train : val in the ratio
    split[0] : split[1].

    Parameters
    ----------
    cfg : DataConfig
        The ``[data]`` section.
    seed : int
        The run's seed (toy data and the split are drawn from it unless
        ``data.split_seed`` is given).

    Returns
    -------
    tuple of ArrayData
        (train, val, test); val or test is None when its fraction is 0.
    """
    loaded = _load_dataset(cfg, seed)
    data, official_test = loaded if isinstance(loaded, tuple) else (loaded, None)
    if cfg.flatten:
        data, official_test = _flatten(data), _flatten(official_test)
    if data.y is None:
        raise ValueError(f"data: {data.name} has no targets to train on")
    split_seed = seed if cfg.split_seed is None else cfg.split_seed
    stratify = cfg.stratify and data.task == "classification"
    fractions = list(cfg.split)
    if official_test is not None:
        fractions = [fractions[0] / (fractions[0] + fractions[1]),
                     fractions[1] / (fractions[0] + fractions[1]), 0.0]
    train_idx, val_idx, test_idx = D.train_val_test_split(data.y, fractions=fractions,
                                                          seed=split_seed, stratify=stratify)
    train, val, test = (data.subset(i) if len(i) else None
                        for i in (train_idx, val_idx, test_idx))
    _check_split_sizes(len(data.y), fractions, (train, val, test), data.name)
    if official_test is not None:
        test = official_test
    return train, val, test


def build_data(cfg: Any, seed: int) -> tuple:
    """`split_data`'s splits, scaled by a scaler fitted on the training rows only.

    Parameters
    ----------
    cfg : DataConfig
        The ``[data]`` section.
    seed : int
        The run's seed.

    Returns
    -------
    tuple
        (train, val, test, scaler); the scaler is None for ``scaler = "none"``.
    """
    train, val, test = split_data(cfg, seed)
    scaler = None
    if cfg.scaler != "none":
        scaler = D.make_scaler(cfg.scaler)
        scaler.fit(np.asarray(train.X).reshape(len(train.X), -1))
        train, val, test = (None if part is None else
                            D.ArrayData(_scale(scaler, np.asarray(part.X)), part.y,
                                        part.class_names, part.task, part.name,
                                        part.feature_names, part.role)
                            for part in (train, val, test))
    return train, val, test, scaler


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
    if config.train.nan_guard and parts.trainer is not None:
        parts.trainer.callbacks.append(ExplosionGuard(chance=_chance(train)))
    info = (f"{train.name.split('[')[0]}: {len(train)} train / {0 if val is None else len(val)}"
            f" val / {0 if test is None else len(test)} test, X {tuple(train.X.shape[1:])}, "
            f"{train.task}")
    target = None
    if config.data.dataset == "csv":
        target = str(_target_column(config.data.path, config.data.target))
    # generated toy data names positions (x1, x2, ...), not features: matched by position
    generated = loader_function(config.data.dataset).__name__.startswith("make_")
    names = None if generated or train.feature_names is None else \
        [str(n) for n in train.feature_names]
    return Run(config, model, parts.loss_fn, parts.optimizer, parts.scheduler,
               parts.callbacks, parts.trainer, train, val, test, scaler, parts.transform,
               generator, info, parts.momentum_scheduler, parts.batch_size_schedule, target,
               names)


def fit_run(run: Run, verbose: int = 1, progress_stream: Any = None,
            resume: Any = None) -> History:
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
    resume : object, optional
        The checkpoint state to continue from (`runs.RunSession.attach`).

    Returns
    -------
    History
    """
    cfg = run.config.train
    train = run.train
    if run.transform is not None:
        train = D.DataLoader(run.train.to_dataset(), batch_size=cfg.batch_size,
                           shuffle=cfg.shuffle, generator=run.generator,
                           transform=run.transform)
    with silence(*cfg.silence) if cfg.silence else contextlib.nullcontext():
        return run.trainer.fit(train, run.val, epochs=cfg.epochs, batch_size=cfg.batch_size,
                               shuffle=cfg.shuffle, verbose=verbose,
                               progress_stream=progress_stream, resume=resume,
                               log_interval=cfg.log_interval)


# --- the run folder ---------------------------------------------------------------------------
def default_out_dir(config: Config, root: str = "runs") -> str:
    """runs/<name>-<YYYYmmdd-HHMMSS>, with -2, -3 ... appended if that already exists."""
    base = os.path.join(root, f"{config.name}-{time.strftime('%Y%m%d-%H%M%S')}")
    path, k = base, 1
    while os.path.exists(path):
        k += 1
        path = f"{base}-{k}"
    return path


def _write_json(path: str, payload: dict) -> None:
    text = json.dumps(payload, indent=2, sort_keys=False, default=_json_default) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def check_new_run_folder(path: str, overwrite: bool = False) -> None:
    """Refuse to write a new run into `path` when that would destroy something: an
    existing file, an existing run folder with results (unless `overwrite`; a run killed
    before its first checkpoint may start again in place) or a non-empty folder that is not
    a run.

    Raises
    ------
    FileExistsError
        One line naming the path and the options.
    """
    if os.path.lexists(path) and not os.path.isdir(path):
        raise FileExistsError(f"--out {path}: is a file, not a run folder; give the path of "
                              "a new folder")
    parent = os.path.dirname(os.path.abspath(path))
    while parent and parent != os.path.dirname(parent):
        if os.path.lexists(parent) and not os.path.isdir(parent):
            raise FileExistsError(f"--out {path}: {parent} is a file, not a folder; give a "
                                  "path made of folders")
        if os.path.isfile(os.path.join(parent, "config.json")) and \
                os.path.isdir(os.path.join(parent, "checkpoints")):
            raise FileExistsError(f"--out {path}: is inside the run folder {parent}; give a "
                                  "folder outside it")
        parent = os.path.dirname(parent)
    if not os.path.isdir(path) or not os.listdir(path):
        return
    if not os.path.isfile(os.path.join(path, "config.json")):
        raise FileExistsError(f"--out {path}: the folder exists and is not an nnforge run "
                              "folder; give the path of a new folder")
    if not overwrite and not _nothing_to_lose(path):
        raise FileExistsError(f"--out {path}: a run folder already exists there; give a new "
                              f"folder, continue it with `--resume {path}`, or replace it "
                              "with `--overwrite`")


def _nothing_to_lose(run_dir: str) -> bool:
    """Whether a run folder holds no result yet: no weights, no checkpoint, no metrics (a
    run killed before its first checkpoint), so a new run may start there again."""
    kept = ("model.safetensors", "metrics.json", os.path.join("checkpoints", "last.json"),
            os.path.join("checkpoints", "best.json"))
    return not any(os.path.lexists(os.path.join(run_dir, name)) for name in kept)


def _staging_dir(final_dir: str) -> str:
    """A fresh folder beside `final_dir` where a run that replaces it is built."""
    final_dir = os.path.normpath(final_dir)
    base = f"{final_dir}.overwrite-{os.getpid()}"
    path, k = base, 1
    while os.path.lexists(path):
        k += 1
        path = f"{base}-{k}"
    return path


def _swap_in(work_dir: str, final_dir: str, session: RunSession) -> None:
    """Replace the run in `final_dir` with the finished run in `work_dir`."""
    old = _staging_dir(final_dir).replace(".overwrite-", ".replaced-")
    os.rename(final_dir, old)
    try:
        os.rename(work_dir, final_dir)
    except OSError:
        os.rename(old, final_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)
    report = os.path.join(final_dir, "report.html")
    if os.path.isfile(report):        # the report names its folder
        with open(report, encoding="utf-8") as f:
            text = f.read()
        atomic_write_bytes(report, text.replace(os.path.abspath(work_dir),
                                                os.path.abspath(final_dir)).encode("utf-8"))
    session.index.rename(session.id, os.path.basename(os.path.abspath(final_dir)), final_dir)


def run_experiment(config: Config, out_dir: Optional[str] = None, quiet: bool = False,
                   progress_stream: Any = None, callbacks: Sequence = (),
                   resume: bool = False, overwrite: bool = False) -> dict:
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
            out_dir = _staging_dir(final_dir)       # replaced only once the new run finished
    start = time.perf_counter()
    run = None if resume else build_run(config)     # a refused config leaves no run folder
    session = RunSession(out_dir, config, resume=resume)       # checks a resumed run first
    try:
        os.makedirs(out_dir, exist_ok=True)
        _write_json(os.path.join(out_dir, "config.json"), config.model_dump(mode="json"))
        run = run or build_run(config)
        summary = _run_in_session(run, out_dir, quiet, progress_stream, callbacks, session,
                                  start)
        if out_dir != final_dir:
            _swap_in(out_dir, final_dir, session)
            summary["run_dir"] = final_dir
            summary["report"] = os.path.join(final_dir, os.path.basename(summary["report"]))
        return summary
    except (TrainingDivergedError, TrainingInterrupted):
        raise
    except BaseException as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        if isinstance(exc, OSError) and exc.filename and str(exc.filename) not in reason:
            reason = f"{exc.filename}: {reason}"
        session.failed("interrupted" if isinstance(exc, KeyboardInterrupt) else "failed",
                       reason=reason)
        raise


def _run_in_session(run, out_dir, quiet, progress_stream, callbacks, session, start):
    config = run.config
    run.trainer.callbacks.extend(callbacks)
    resume_state = session.attach(run)
    summary = {"name": config.name, "seed": config.seed, "nnforge_version": __version__,
               "data": run.data_info,
               "parameters": int(sum(p._data.size for p in run.model.parameters()))}
    try:
        with handle_signals(run.trainer):
            history = fit_run(run, verbose=0 if quiet else 1, progress_stream=progress_stream,
                              resume=resume_state)
    except TrainingInterrupted as exc:
        summary.update(seconds=time.perf_counter() - start)
        _write_json(os.path.join(out_dir, "metrics.json"),
                    session.interrupted(run, exc, summary))
        raise
    except TrainingDivergedError as exc:
        history = run.trainer.history
        if history is not None:
            history.to_csv(os.path.join(out_dir, "history.csv"))
        summary.update(status="diverged", stop_reason=str(exc),
                       epochs=0 if history is None else len(history),
                       seconds=time.perf_counter() - start)
        _write_json(os.path.join(out_dir, "metrics.json"), summary)
        session.diverged(summary)
        raise
    eval_bs = config.train.eval_batch_size
    results = {}
    if run.test is not None:
        results.update({f"test_{k}": v
                        for k, v in run.trainer.evaluate(run.test, eval_bs).items()})
    if run.val is not None:
        results.update({f"val_{k}": v for k, v in run.trainer.evaluate(run.val, eval_bs).items()})
    best_epoch = history.best_epoch
    if best_epoch is None and "val_loss" in history:
        best_epoch = history.best("val_loss")[0]
    summary.update(results)
    summary.update(status="finished", epochs=len(history),
                   seconds=time.perf_counter() - start, best_epoch=best_epoch,
                   restored_epoch=history.restored_epoch, stop_reason=history.stop_reason)
    history.to_csv(os.path.join(out_dir, "history.csv"))
    save(run.model.state_dict(), os.path.join(out_dir, "model.safetensors"),
                 metadata={"format": "nnforge", "name": config.name,
                           "nnforge_version": __version__})
    if run.scaler is not None:
        save(run.scaler.state_dict(), os.path.join(out_dir, "scaler.safetensors"),
                     metadata={"scaler": type(run.scaler).__name__})
    _write_json(os.path.join(out_dir, "metrics.json"), summary)
    summary["report"] = session.finished(run, summary)
    summary["run_dir"] = out_dir
    return summary
