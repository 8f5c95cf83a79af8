"""Checks of a schema-valid config that need the library: every ``type`` names a
registered class and its keys fit the constructor, metric names exist, monitored values
are logged, and keys that depend on each other agree.

Nothing is built here: values a constructor refuses (a negative lr) are reported when
`config.factory` builds the run, with the same one-line form.
"""
import inspect
import math
from collections.abc import Callable, Sequence
from typing import Any

from ..train.metrics import METRICS, metric_names
from ..train.stepping import metric_interval_problem
from .datasets import loader_function
from .errors import ConfigError, suggest
from .registry import CONTAINERS, lookup, lookup_scheduler
from .schema import ComponentSpec, Config, limit

__all__ = ["check_components", "loader_function", "LOADER_ARGUMENTS"]

#: loader arguments that come from their own `[data]` keys, not from `data.options`
LOADER_ARGUMENTS = ("directory", "path", "target", "task", "x_key", "y_key", "flatten",
                    "generator")


def check_components(config: Config, source: str = "<config>") -> None:
    """Check the classes, keys, metrics and monitors a config names.

    Parameters
    ----------
    config : Config
        A schema-valid config.
    source : str
        The file it came from, named first in the error.

    Raises
    ------
    ConfigError
        One line: ``"<source>: <dotted.key>: <problem>"``.
    """
    try:
        _check_model_and_loss(config)
        _check_optimization(config)
        _check_data(config)
        _check_logged(config)
    except ConfigError as exc:
        raise exc.in_file(source) from None


def _signature_keys(function: Callable[..., Any], skip: Sequence[str]
                    ) -> tuple[list[str], list[str], bool]:
    """(allowed keyword names, required names, accepts **kwargs) of `function`."""
    allowed, required, var_kw = [], [], False
    for p in inspect.signature(function).parameters.values():
        if p.kind is p.VAR_KEYWORD:
            var_kw = True
        elif p.kind is not p.VAR_POSITIONAL and p.name not in skip and p.name != "self":
            allowed.append(p.name)
            if p.default is p.empty:
                required.append(p.name)
    return allowed, required, var_kw


def _check_args(cls: type, args: dict, path: str, skip: Sequence[str] = ("generator",)
                ) -> None:
    """Every key of `args` is a keyword of `cls`, and every required one is given."""
    allowed, required, var_kw = _signature_keys(getattr(cls, "__init__"), skip)
    for key in args:
        if key not in allowed and not var_kw:
            raise ConfigError(f"{path}.{key}: unknown key (allowed: "
                              f"{', '.join(['type', *allowed])})")
    defaults = {p.name: p.default for p in inspect.signature(cls).parameters.values()}
    for key, value in args.items():
        _check_value(value, f"{path}.{key}", defaults.get(key, inspect.Parameter.empty))
    missing = [k for k in required if k not in args]
    if missing:
        raise ConfigError(f"{path}: {cls.__name__} needs {', '.join(missing)}")




def _check_value(value: Any, path: str, default: Any) -> None:
    """Numbers a constructor gets are finite, within bounds, and not booleans where the
    argument is a number."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{path}: must be a finite number, got {value}")
    if isinstance(value, bool):
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            raise ConfigError(f"{path}: expected a number, got {str(value).lower()} (a "
                              "boolean)")
        return
    if isinstance(value, int) and abs(value) > limit("size"):
        raise ConfigError(f"{path}: {value} is beyond the limit of {limit('size')}; if you "
                          "mean it, lift it with the environment variable NNFORGE_MAX_SIZE")
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_value(item, f"{path}.{i}", None)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_value(item, f"{path}.{key}", None)


def _check_layers(layers: list, path: str) -> None:
    for i, spec in enumerate(layers):
        where = f"{path}.{i}"
        if isinstance(spec, dict):
            if "type" not in spec:
                raise ConfigError(f"{where}.type: required key is missing")
            spec = ComponentSpec.model_validate(spec)
        cls = lookup("layer", spec.type, where)
        args = spec.args
        if cls not in CONTAINERS:
            _check_args(cls, args, where)
            continue
        nested = args.get("layers")
        if not isinstance(nested, list) or not nested:
            raise ConfigError(f"{where}.layers: {spec.type} needs a non-empty list of layers")
        unknown = sorted(set(args) - {"layers"})
        if unknown:
            raise ConfigError(f"{where}.{unknown[0]}: unknown key (allowed: type, layers)")
        _check_layers(nested, f"{where}.layers")


def _check_model_and_loss(config: Config) -> None:
    _check_layers(config.model.layers, "model.layers")
    _check_args(lookup("loss", config.loss.type, "loss"), config.loss.args, "loss")


def _check_optimization(config: Config) -> None:
    spec = config.optimizer
    _check_args(lookup("optimizer", spec.type, "optimizer"), spec.args, "optimizer",
                skip=("params",))
    if spec.l2 and "weight_decay" in spec.args:
        raise ConfigError("optimizer.l2: give l2 (the penalty l2*||w||^2) or weight_decay "
                          "(= 2*l2), not both")
    bss = config.batch_size_schedule
    if bss is not None and bss.initial is None and config.train.batch_size is None:
        raise ConfigError("batch_size_schedule.initial: needed when train.batch_size is "
                          "'full' (full-batch training has no batch size to grow)")
    if config.scheduler is None:
        return
    cls = lookup_scheduler(config.scheduler.type, "scheduler")
    _check_args(cls, config.scheduler.args, "scheduler", skip=("optimizer",))
    problem = metric_interval_problem(cls, config.scheduler.interval)
    if problem is not None:
        raise ConfigError(f"scheduler.interval: {problem}; use interval = \"epoch\"")
    monitor = config.scheduler.monitor
    if monitor is not None and not cls.needs_metric:
        raise ConfigError(f"scheduler.monitor: {config.scheduler.type} does not use a metric "
                          "(only ReduceLROnPlateau does)")
    if monitor is not None:
        _check_monitor(config, monitor, "scheduler.monitor")


def _check_data(config: Config) -> None:
    section = config.data
    loader = loader_function(section.dataset)
    allowed, _, var_kw = _signature_keys(loader, LOADER_ARGUMENTS)
    defaults = {p.name: p.default for p in inspect.signature(loader).parameters.values()}
    for key in section.options:
        if key not in allowed and not var_kw:
            names = ", ".join(allowed) or f"none: {loader.__name__} takes none"
            raise ConfigError(f"data.options.{key}: unknown key (allowed: {names})")
        _check_value(section.options[key], f"data.options.{key}",
                     defaults.get(key, inspect.Parameter.empty))
    for i, spec in enumerate(section.augmentation):
        path = f"data.augmentation.{i}"
        _check_args(lookup("transform", spec.type, path), spec.args, path)
    if section.batch_augment is not None and not section.augmentation:
        raise ConfigError("data.batch_augment: needs data.augmentation (the transform each "
                          "copy of a sample goes through)")


def _check_logged(config: Config) -> None:
    for i, metric in enumerate(config.train.metrics):
        if metric not in METRICS:
            close = suggest(metric, metric_names())
            hint = f"did you mean {close!r}? " if close else ""
            raise ConfigError(f"train.metrics.{i}: unknown metric {metric!r} ({hint}available: "
                              f"{', '.join(metric_names())})")
    es = config.train.early_stopping
    if es is not None:
        _check_monitor(config, es.monitor, "train.early_stopping.monitor")


def _check_monitor(config: Config, monitor: str, path: str) -> None:
    logged = ["loss", *config.train.metrics]
    logged += [f"val_{k}" for k in logged]
    if monitor not in logged:
        raise ConfigError(f"{path}: {monitor!r} is not logged (available: "
                          f"{', '.join(logged)})")
    if config.data.split[1] == 0 and monitor.startswith("val_"):
        raise ConfigError(f"{path}: {monitor!r} needs a validation split, but data.split "
                          "gives it 0")
