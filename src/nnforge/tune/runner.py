"""`tune(config, trials, workers, storage, study)`: the whole search, as `nnforge tune` runs it.

Reads the `[tune]` table, checks the search space against the base config (unknown paths
fail before any training), creates the study (or loads it to resume), enqueues the trials
still to run, starts the workers and returns the study.

```toml
[tune]
metric = "val_accuracy"        # any value the Trainer logs per epoch
direction = "maximize"
strategy = "random"            # grid | random | tpe | hyperband | halving | coarse_to_fine | ofat
trials = 20
seed = 0                       # sampler seed; the training seed is the config's `seed`
seed_per_trial = false         # same training seed for every trial
cv = 5                         # optional: k-fold mean instead of the train/val split
recipe = "default"             # optional: the course recipe's space (lr, batch size, dropout, ...)
[tune.options]                 # strategy settings (per_round, shrink, reduction_factor, ...)
[tune.params]
"optimizer.lr" = {type = "loguniform", low = 1e-4, high = 1e-1}
```
"""
from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Optional, Union, cast

from ..config import parse_config
from .objective import ConfigObjective, TrainFn
from .recipe import default_params
from .space import SearchSpace, SearchSpaceError, get_path
from .strategies import STRATEGIES, make_pruner, make_sampler, planned_points
from .study import (Direction, create_or_load_study, default_storage, fail_stale_trials,
                    open_storage, top_up)
from .workers import run_workers

if TYPE_CHECKING:
    from optuna.storages import BaseStorage
    from optuna.study import Study

#: a config validator: raises on a config `nnforge train` would refuse
Validate = Callable[[Any], object]

__all__ = ["TuneConfig", "load_config", "tune"]

_KEYS = {"metric", "direction", "strategy", "trials", "seed", "seed_per_trial", "cv",
         "options", "params", "recipe", "heartbeat_interval", "grace_period"}


class TuneConfig:
    """The validated `[tune]` table: the search space, the metric and its direction, the
    strategy and its options, the number of trials, seeds and cross-validation folds.

    Examples
    --------
    >>> tc = TuneConfig.from_dict({"metric": "val_loss", "direction": "minimize", "params": {
    ...     "optimizer.lr": {"type": "loguniform", "low": 1e-4, "high": 1e-1}}})
    >>> tc.strategy, tc.trials, [p.path for p in tc.space]
    ('random', 20, ['optimizer.lr'])
    """

    # the arguments are the values of a TOML table, checked here
    def __init__(self, params: Any, metric: Any = "val_accuracy", direction: Any = "maximize",
                 strategy: Any = "random", trials: Any = 20, seed: Any = 0,
                 seed_per_trial: Any = False, cv: Any = None,
                 options: Optional[Mapping[str, Any]] = None,
                 heartbeat_interval: float = 10.0, grace_period: float = 120.0) -> None:
        self.space = params if isinstance(params, SearchSpace) else \
            SearchSpace.from_dict(params)
        if not isinstance(metric, str) or not metric:
            raise SearchSpaceError(f"tune.metric: expected a logged metric name such as "
                                   f"\"val_accuracy\", got {metric!r}")
        if direction not in ("minimize", "maximize"):
            raise SearchSpaceError(f"tune.direction: expected \"minimize\" or \"maximize\", "
                                   f"got {direction!r}")
        if strategy not in STRATEGIES:
            raise SearchSpaceError(f"tune.strategy: expected one of {', '.join(STRATEGIES)}, "
                                   f"got {strategy!r}")
        if trials is not None and (isinstance(trials, bool) or int(trials) != trials
                                   or trials < 1):
            raise SearchSpaceError(f"tune.trials: expected a positive integer, got {trials!r}")
        if cv is not None and (int(cv) != cv or cv < 2):
            raise SearchSpaceError(f"tune.cv: expected an integer >= 2 folds, got {cv!r}")
        self.metric: str = metric
        self.direction = cast(Direction, direction)      # one of the two, checked above
        self.strategy: str = strategy
        self.trials: Optional[int] = trials
        self.seed, self.seed_per_trial = int(seed), bool(seed_per_trial)
        self.cv: Optional[int] = cv
        self.options = dict(options or {})
        self.heartbeat_interval, self.grace_period = heartbeat_interval, grace_period

    @classmethod
    def from_dict(cls, table: Any, base_config: Optional[dict[str, Any]] = None) -> TuneConfig:
        """Validate a [tune] table; `recipe = "default"` adds the course recipe's search space
        for `base_config` (see nnforge.tune.recipe) under the table's own params."""
        if not isinstance(table, dict):
            raise SearchSpaceError("config: the [tune] table is missing")
        unknown = sorted(set(table) - _KEYS)
        if unknown:
            raise SearchSpaceError(f"tune: unknown keys {unknown} (allowed: "
                                   f"{', '.join(sorted(_KEYS))})")
        table = dict(table)
        recipe = table.pop("recipe", None)
        if recipe not in (None, "default"):
            raise SearchSpaceError(f"tune.recipe: expected \"default\", got {recipe!r}")
        if recipe == "default":
            table["params"] = {**default_params(base_config or {}),
                               **table.get("params", {})}
        if "params" not in table:
            raise SearchSpaceError("tune.params: missing; add a [tune.params] table or "
                                   "recipe = \"default\"")
        return cls(**table)


def load_config(path: str | os.PathLike[str]) -> tuple[dict[str, Any], TuneConfig]:
    """(base config dict without [tune], TuneConfig) from a TOML file."""
    try:
        with open(path, "rb") as handle:
            config = tomllib.load(handle)
    except FileNotFoundError:
        raise FileNotFoundError(f"tune: no such config file {path}") from None
    except tomllib.TOMLDecodeError as error:
        raise SearchSpaceError(f"tune: {path} is not valid TOML ({error})") from None
    base = {k: v for k, v in config.items() if k != "tune"}
    if "tune" not in config:
        raise SearchSpaceError(f"tune: {path} has no [tune] table")
    return base, TuneConfig.from_dict(config["tune"], base)


def _default_validate() -> Validate:
    """nnforge.config.parse_config: the validation `nnforge train` applies."""
    return lambda config: parse_config(config, source="tune")


def _read(config: Union[str, os.PathLike[str], tuple[dict[str, Any], TuneConfig]]
          ) -> tuple[dict[str, Any], TuneConfig, str]:
    """(base config, TuneConfig, default study name) of `tune`'s `config` argument."""
    if isinstance(config, (str, os.PathLike)):
        base, tc = load_config(config)
        return base, tc, os.path.splitext(os.path.basename(os.fspath(config)))[0]
    base, tc = config
    return copy.deepcopy(base), tc, "study"


def _grow(study: Study, created: bool, n_trials: Optional[int],
          planned: Optional[list[dict[str, Any]]]) -> None:
    """Enqueue the trials a new study, or a resumed one asked for more, still needs."""
    target = study.user_attrs.get("n_trials", n_trials)
    if created or (n_trials is not None and target is not None and n_trials > target):
        top_up(study, n_trials, planned)
        if not created:
            study.set_user_attr("n_trials", n_trials)


def _checked(base: dict[str, Any], tc: TuneConfig, validate: Union[Validate, str, None],
             train_fn: Optional[TrainFn]) -> Optional[Validate]:
    """The validator for the trials' configs, after checking the base config and the
    space's paths with it."""
    check = _validator(validate, train_fn)
    if check is not None:
        check(base)
    tc.space.check_paths(base, check)
    return check


def _study_attrs(base: dict[str, Any], tc: TuneConfig, n_trials: Optional[int]
                 ) -> dict[str, Any]:
    """What a new study records about itself (shown by its report)."""
    return {"config": base, "strategy": tc.strategy, "metric": tc.metric, "seed": tc.seed,
            "n_trials": n_trials, "cv": tc.cv, "params": [repr(p) for p in tc.space]}


def _close_connections(store: BaseStorage) -> None:
    """Close a database storage's pooled connections (a journal file has none)."""
    engine = getattr(store, "engine", None)
    if engine is not None:
        engine.dispose()


def _validator(validate: Union[Validate, str, None], train_fn: Optional[TrainFn]
               ) -> Optional[Validate]:
    """The validator `tune(validate=...)` asks for ("default": nnforge.config's, unless a
    custom train_fn trains something else)."""
    if validate == "default":
        return _default_validate() if train_fn is None else None
    if isinstance(validate, str):
        raise ValueError(f"tune(validate={validate!r}): expected a function, None or "
                         "'default'")
    return validate


def tune(config: Union[str, os.PathLike[str], tuple[dict[str, Any], TuneConfig]],
         trials: Optional[int] = None, workers: int = 1,
         storage: Optional[str | os.PathLike[str]] = None, study_name: Optional[str] = None,
         out_dir: str = "runs/tune", train_fn: Optional[TrainFn] = None,
         validate: Union[Validate, str, None] = "default", quiet: bool = True) -> Study:
    """Run (or resume) a study.

    Parameters
    ----------
    config : str, PathLike or (dict, TuneConfig)
        A TOML file with a [tune] table, or (base_config, TuneConfig).
    trials : int, optional
        Total trials the study should hold (default: tune.trials; the grid's size for
        grid/ofat). Resuming with a larger number adds trials.
    workers : int
        Worker processes on this machine.
    storage : str, optional
        URL or journal path (default runs/tune/<study>.journal).
    study_name : str, optional
        Default the config's `name`, else the file's stem.
    out_dir : str
        Parent of the journal file and of the trials' run folders.
    train_fn : callable, optional
        See ConfigObjective (default: nnforge.build).
    validate : callable, "default" or None
        Config validator (default nnforge.config's; None: no validation).
    quiet : bool
        Optuna logs warnings only.

    Returns
    -------
    optuna.study.Study
    """
    import optuna
    if quiet:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
    base, tc, stem = _read(config)
    check = _checked(base, tc, validate, train_fn)
    study_name = study_name or base.get("name") or stem
    storage_url = os.fspath(storage) if storage is not None else \
        default_storage(study_name, out_dir)
    planned = planned_points(tc.strategy, tc.space, base)
    n_trials = trials if trials is not None else (len(planned) if planned else tc.trials)
    sampler = make_sampler(tc.strategy, tc.space, tc.seed, tc.options)
    pruner = make_pruner(tc.strategy, get_path(base, "train.epochs", 1), tc.options)
    store = open_storage(storage_url)
    study, created = create_or_load_study(store, study_name, tc.direction, sampler, pruner,
                                          _study_attrs(base, tc, n_trials))
    fail_stale_trials(study, grace_period=tc.grace_period)
    _grow(study, created, n_trials, planned)
    _close_connections(store)              # forked workers open their own connections
    objective = ConfigObjective(base, tc.space, tc.metric, tc.cv, tc.seed_per_trial,
                                os.path.join(out_dir, study_name), train_fn, check)
    run_workers(storage_url, study_name, objective, workers, sampler, pruner,
                tc.heartbeat_interval, tc.grace_period)
    return optuna.load_study(study_name=study_name, storage=open_storage(storage_url))
