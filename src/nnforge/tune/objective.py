"""The objective a study optimizes: one training run of a config with the trial's values.

`ConfigObjective(base_config, space, ...)` takes the base config as a plain dict (loaded
from TOML) and, per trial: draws the values through the search space, writes them into
a copy of the config at their dotted paths, sets the seed (the same for every trial,
unless `seed_per_trial`), then trains through `train_fn` - by default
`nnforge.build.run_experiment`, the same build-and-fit path `nnforge train` uses - with a
callback that reports the monitored validation metric to the trial after every epoch, so
Hyperband / successive halving can stop a poor trial early.

The value is the metric of the last epoch, or with `cv=k` the mean over k folds (the
standard deviation is recorded). Every trial records its seed, metrics, duration, epochs
trained, status and run folder as Optuna user attrs.
"""
from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from .. import data as D
from ..run_data import scale_rows, split_data
from ..run_folder import write_json
from ..train.callbacks import Callback, check_monitor
from ..train.divergence import TrainingDivergedError
from .space import SearchSpace, Tree, apply_params

if TYPE_CHECKING:
    from optuna.trial import Trial

    from ..config import Config

#: `train_fn(config, callbacks, out_dir[, fold=(i, k)]) -> metrics dict`
TrainFn = Callable[..., dict[str, Any]]

__all__ = ["ConfigObjective", "ReportToTrial", "default_train_fn"]


class ReportToTrial(Callback):
    """Reports `logs[monitor]` to an Optuna trial at the end of every epoch and stops
    training (trainer.stop_training) when the trial's pruner says so; the objective then
    raises `optuna.TrialPruned` after the run folder is closed.

    Parameters
    ----------
    trial : optuna.trial.Trial
        The trial the run belongs to.
    monitor : str
        The logged value to report ("val_accuracy", "val_loss", ...).
    report : bool
        False: only record the values (a cross-validation fold reports its mean later).

    Examples
    --------
    >>> import optuna
    >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
    >>> callback = ReportToTrial(optuna.create_study().ask(), monitor="val_loss")
    >>> callback.on_train_begin()
    >>> callback.on_epoch_end(0, {"val_loss": 0.5})
    >>> callback.values, callback.epochs, callback.pruned
    ([0.5], 1, False)
    """

    def __init__(self, trial: Trial, monitor: str = "val_accuracy", report: bool = True) -> None:
        self.trial, self.monitor, self.report = trial, monitor, report
        self.pruned = False
        self.epochs = 0
        self.values: list[float] = []

    def on_train_begin(self, logs: Optional[dict[str, Any]] = None) -> None:
        self.pruned, self.epochs, self.values = False, 0, []

    def on_epoch_end(self, epoch: int, logs: Optional[dict[str, Any]] = None) -> None:
        value = check_monitor("tune", self.monitor, logs or {})
        self.epochs += 1
        self.values.append(value)
        if not self.report:
            return
        self.trial.report(value if math.isfinite(value) else float("nan"), epoch + 1)
        if self.trial.should_prune():
            self.pruned = True
            if self.trainer is not None:
                self.trainer.stop_training = True
                self.trainer.stop_reason = f"pruned by the study's pruner at epoch {epoch + 1}"


def default_train_fn(config: dict[str, Any], callbacks: Sequence[Callback],
                     out_dir: Optional[str], fold: Optional[tuple[int, int]] = None
                     ) -> dict[str, Any]:
    """Validate `config` (a dict) through nnforge.config and train it through
    nnforge.build - the path `nnforge train` takes - with `callbacks` added to the
    Trainer's. `fold=(i, k)`: train on fold i of a stratified k-fold split of the
    train+val rows (the test rows stay held out; the scaler is fitted on the fold's
    training rows). Writes config.json, history.csv and metrics.json to `out_dir` (when
    given) and returns the metrics dict (val_* from the final, best-restored weights)."""
    from .. import build                    # loads pydantic
    from ..config import parse_config
    cfg = parse_config(config, source="tune trial config")
    if fold is None and out_dir is not None:
        return build.run_experiment(cfg, out_dir, quiet=True, callbacks=list(callbacks))
    run = build.build_run(cfg)
    if fold is not None:
        run.train, run.val = _fold_data(cfg, *fold)
    run.trainer.callbacks.extend(callbacks)
    history = build.fit_run(run, verbose=0)
    metrics: dict[str, Any] = {"epochs": len(history)}
    if run.val is not None:
        metrics.update({f"val_{k}": v for k, v in
                        run.trainer.evaluate(run.val, cfg.train.eval_batch_size).items()})
    if out_dir is not None:
        os.makedirs(out_dir, exist_ok=True)
        write_json(os.path.join(out_dir, "config.json"), cfg.model_dump(mode="json"))
        history.to_csv(os.path.join(out_dir, "history.csv"))
        write_json(os.path.join(out_dir, "metrics.json"), metrics)
        metrics["run_dir"] = out_dir
    return metrics


def _fold_data(cfg: Config, index: int, k: int) -> tuple[D.ArrayData, D.ArrayData]:
    """(train, val) ArrayData of fold `index` of k over the train+val rows of the config's
    split (`build.split_data`, so a dataset's official test set stays held out), scaled
    with a scaler fitted on the fold's training rows."""
    train, val, _ = split_data(cfg.data, cfg.seed)
    parts_in = [train] if val is None else [train, val]
    X = np.concatenate([np.asarray(p.X) for p in parts_in])
    y = np.concatenate([np.asarray(p.y) for p in parts_in])
    split_seed = cfg.seed if cfg.data.split_seed is None else cfg.data.split_seed
    classify = train.task == "classification"
    splitter = (D.StratifiedKFold if classify else D.KFold)(k, shuffle=True, seed=split_seed)
    fold_train, fold_val = list(splitter.split(np.arange(len(y)), y))[index]
    parts = [(X[np.asarray(rows)], y[np.asarray(rows)]) for rows in (fold_train, fold_val)]
    scaler = D.make_scaler(cfg.data.scaler)         # None for scaler = "none"
    if scaler is not None:
        scaler.fit(parts[0][0].reshape(len(parts[0][0]), -1))
        parts = [(scale_rows(scaler, Xp), yp) for Xp, yp in parts]
    name = train.name.split("[")[0]
    train_part, val_part = (D.ArrayData(Xp, yp, train.class_names, train.task,
                                        f"{name}[fold {index}]") for Xp, yp in parts)
    return train_part, val_part


def _final(values: Sequence[float], metrics: Optional[dict[str, Any]], monitor: str) -> float:
    if metrics and monitor in metrics:
        return float(metrics[monitor])
    if values:
        return float(values[-1])
    raise ValueError(f"tune: the run reported no {monitor!r}; metrics: {sorted(metrics or {})}")


class ConfigObjective:
    """Callable(trial) -> float for `study.optimize` or the nnforge workers.

    Parameters
    ----------
    base_config : dict
        The experiment config as a dict (the TOML file minus `[tune]`).
    space : SearchSpace
        What to draw.
    metric : str
        The logged value to optimize ("val_accuracy", "val_loss", ...).
    cv : int, optional
        None for the train/val split, or k for k-fold cross-validation (train_fn is then
        called with `fold=(i, k)` and must train on fold i's split).
    seed_per_trial : bool
        False: the config's seed for every trial; True: seed + trial number.
    out_dir : str, optional
        Parent folder of the trials' run folders (`<out_dir>/trial_0007`).
    train_fn : callable, optional
        ``train_fn(config, callbacks, out_dir[, fold]) -> metrics dict``; default
        `default_train_fn` (nnforge.build).
    validate : callable, optional
        Raises on an invalid config, called before training.

    Examples
    --------
    A stand-in for training whose validation loss is the learning rate it was given:

    >>> import optuna
    >>> from nnforge.tune import SearchSpace
    >>> space = SearchSpace.from_dict(
    ...     {"optimizer.lr": {"type": "loguniform", "low": 1e-3, "high": 1e-1}})
    >>> def train_fn(config, callbacks, out_dir):
    ...     return {"val_loss": config["optimizer"]["lr"]}
    >>> objective = ConfigObjective({"optimizer": {"lr": 0.01}}, space, metric="val_loss",
    ...                             train_fn=train_fn)
    >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
    >>> study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    >>> study.optimize(objective, n_trials=3)
    >>> len(study.trials), 1e-3 <= study.best_value <= 1e-1
    (3, True)
    >>> study.best_trial.user_attrs["seed"]
    0
    """

    def __init__(self, base_config: Tree, space: SearchSpace, metric: str = "val_accuracy",
                 cv: Optional[int] = None, seed_per_trial: bool = False,
                 out_dir: Optional[str] = None, train_fn: Optional[TrainFn] = None,
                 validate: Optional[Callable[[Tree], object]] = None) -> None:
        self.base_config, self.space, self.metric = base_config, space, metric
        self.cv, self.seed_per_trial, self.out_dir = cv, bool(seed_per_trial), out_dir
        self.train_fn: TrainFn = train_fn or default_train_fn
        self.validate = validate
        if cv is not None and (int(cv) != cv or cv < 2):
            raise ValueError(f"tune.cv: expected an integer >= 2 folds, got {cv!r}")

    def trial_config(self, trial: Trial) -> tuple[dict[str, Any], dict[str, Any]]:
        """(config dict, values) for this trial: values drawn and applied, seed set."""
        values = self.space.suggest(trial, self.base_config)
        config = apply_params(self.base_config, self.space.config_updates(values),
                              create_missing=True)
        seed = int(self.base_config.get("seed", 0))
        if self.seed_per_trial:
            seed += trial.number
        config["seed"] = seed
        return config, values

    def __call__(self, trial: Trial) -> Optional[float]:
        import optuna
        start = time.perf_counter()
        config, _ = self.trial_config(trial)
        trial.set_user_attr("seed", config["seed"])
        if self.validate is not None:
            self.validate(config)
        run_dir = None
        if self.out_dir is not None:
            run_dir = os.path.join(self.out_dir, f"trial_{trial.number:04d}")
            trial.set_user_attr("run_dir", os.path.abspath(run_dir))
        try:
            if self.cv is None:
                value, epochs, pruned = self._single(trial, config, run_dir)
            else:
                value, epochs, pruned = self._folds(trial, config, run_dir)
        finally:
            trial.set_user_attr("duration", round(time.perf_counter() - start, 4))
        trial.set_user_attr("epochs", epochs)
        if pruned:
            raise optuna.TrialPruned(f"pruned after {epochs} epochs")
        return value

    def _call_train(self, config: dict[str, Any], callbacks: list[Callback],
                    run_dir: Optional[str], fold: Optional[tuple[int, int]] = None
                    ) -> dict[str, Any]:
        try:
            if fold is None:
                return self.train_fn(config, callbacks, run_dir)
            return self.train_fn(config, callbacks, run_dir, fold=fold)
        except TrainingDivergedError as error:
            return {"status": "diverged", "stop_reason": str(error)}

    def _single(self, trial: Trial, config: dict[str, Any], run_dir: Optional[str]
                ) -> tuple[Optional[float], int, bool]:
        reporter = ReportToTrial(trial, self.metric)
        metrics = self._call_train(config, [reporter], run_dir) or {}
        trial.set_user_attr("metrics", _jsonable(metrics))
        if reporter.pruned:
            return None, reporter.epochs, True
        return _final(reporter.values, metrics, self.metric), reporter.epochs, False

    def _folds(self, trial: Trial, config: dict[str, Any], run_dir: Optional[str]
               ) -> tuple[Optional[float], int, bool]:
        k, epochs = int(self.cv or 0), 0
        values: list[float] = []
        for fold in range(k):
            reporter = ReportToTrial(trial, self.metric, report=False)
            fold_dir = None if run_dir is None else os.path.join(run_dir, f"fold_{fold}")
            metrics = self._call_train(config, [reporter], fold_dir, fold=(fold, k)) or {}
            values.append(_final(reporter.values, metrics, self.metric))
            epochs += reporter.epochs
            # Report the running mean so pruners and dashboards see progress per fold.
            trial.report(float(np.mean(values)), fold + 1)
        mean, std = float(np.mean(values)), float(np.std(values, ddof=1))
        trial.set_user_attr("fold_values", values)
        trial.set_user_attr("cv_mean", mean)
        trial.set_user_attr("cv_std", std)
        trial.set_user_attr("metrics", {self.metric: mean, f"{self.metric}_std": std})
        return mean, epochs, False


def _jsonable(metrics: dict[str, Any]) -> dict[str, float | str]:
    out: dict[str, float | str] = {}
    for key, value in dict(metrics).items():
        try:
            out[str(key)] = float(value)
        except (TypeError, ValueError):
            out[str(key)] = str(value)
    return out
