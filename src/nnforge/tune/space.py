"""Search spaces read from the `[tune.params]` table of a TOML config.

Each entry maps a dotted config path ("optimizer.lr", "model.layers.1.out_features",
"train.batch_size") to a distribution: `uniform`, `loguniform`, `int` (with `step`/`log`)
or `categorical` (`choices`). `when = {"optimizer.type" = "SGD"}` makes a parameter
conditional; `also = ["model.layers.2.in_features"]` writes the same value to more paths
(a layer's width is also the next layer's input size). `values = [...]` (or `num = k` for
continuous ranges) gives the points a grid search or a one-factor sweep visits.

Validation is strict because a typo in a search space wastes a whole study: an empty or
inverted range, a non-positive log bound or an unknown path is one clear `SearchSpaceError`.
"""
from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Optional, Union

import numpy as np

if TYPE_CHECKING:                      # optuna loads only when a study runs
    from optuna.distributions import BaseDistribution
    from optuna.trial import Trial

__all__ = ["Param", "SearchSpace", "SearchSpaceError", "apply_params", "get_path"]

TYPES = ("uniform", "loguniform", "int", "categorical")
_KEYS = {"type", "low", "high", "step", "log", "choices", "when", "also", "values", "num"}


#: a config read from TOML: tables (dicts) and arrays (lists) nested around plain values
Tree = Any
#: one dotted path's parts: table keys and list indices
Key = Union[str, int]


class SearchSpaceError(ValueError):
    """A `[tune]` table that cannot describe a search (bad range, unknown path, ...)."""


def _split(path: str) -> list[Key]:
    return [int(part) if part.lstrip("-").isdigit() else part for part in path.split(".")]


def _walk(config: Tree, path: str, create_last: bool = False) -> tuple[Tree, Key]:
    """The container holding the last key of `path`, and that key; a SearchSpaceError
    naming the first component that does not exist."""
    parts = _split(path)
    node: Tree = config
    seen: list[str] = []
    for part in parts[:-1]:
        node = _child(node, part, path, seen)
        seen.append(str(part))
    last = parts[-1]
    if isinstance(node, list):
        if not isinstance(last, int) or not -len(node) <= last < len(node):
            raise SearchSpaceError(f"unknown parameter path {path!r}: "
                                   f"{'.'.join(seen) or 'config'} is a list of {len(node)} "
                                   f"items, {last!r} is not an index in it")
    elif not isinstance(node, dict):
        raise SearchSpaceError(f"unknown parameter path {path!r}: {'.'.join(seen)} is a "
                               f"{type(node).__name__}, not a table")
    elif last not in node and not create_last:
        raise SearchSpaceError(f"unknown parameter path {path!r}: "
                               f"[{'.'.join(seen) or 'config'}] has no key {last!r} "
                               f"(keys: {', '.join(map(str, node)) or 'none'})")
    return node, last


def _child(node: Tree, part: Key, path: str, seen: list[str]) -> Tree:
    where = ".".join(seen) or "config"
    if isinstance(node, dict):
        if part not in node:
            raise SearchSpaceError(f"unknown parameter path {path!r}: [{where}] has no key "
                                   f"{part!r} (keys: {', '.join(map(str, node)) or 'none'})")
        return node[part]
    if isinstance(node, list):
        if not isinstance(part, int) or not -len(node) <= part < len(node):
            raise SearchSpaceError(f"unknown parameter path {path!r}: {where} is a list of "
                                   f"{len(node)} items, {part!r} is not an index in it")
        return node[part]
    raise SearchSpaceError(f"unknown parameter path {path!r}: {where} is a "
                           f"{type(node).__name__}, not a table or list")


def get_path(config: Tree, path: str, default: Any = None) -> Any:
    """The value at a dotted path of a nested dict/list, or `default` when it is absent."""
    try:
        node, last = _walk(config, path)
    except SearchSpaceError:
        return default
    return node[last]


def apply_params(config: Tree, params: Mapping[str, Any], create_missing: bool = False
                 ) -> Tree:
    """A deep copy of `config` with each dotted path in `params` set to its value.

    Unknown paths raise SearchSpaceError; `create_missing=True` allows a missing *last*
    key (e.g. "optimizer.momentum" added to a config that did not set it)."""
    out = copy.deepcopy(config)
    for path, value in params.items():
        node, last = _walk(out, path, create_last=create_missing)
        node[last] = value
    return out


class Param:
    """One searchable hyperparameter: its path, distribution and optional condition.

    Examples
    --------
    >>> Param("train.batch_size", "int", low=16, high=64, step=16).grid_values()
    [16, 32, 48, 64]
    >>> Param("optimizer.lr", "loguniform", low=1e-3, high=1e-1, num=3).grid_values()
    [0.001, 0.01, 0.1]
    """

    # the arguments are values of a TOML table, checked by _check
    def __init__(self, path: str, type: str, low: Any = None, high: Any = None,
                 step: Any = None, log: bool = False, choices: Optional[Iterable[Any]] = None,
                 when: Optional[Mapping[str, Any]] = None, also: Iterable[str] = (),
                 values: Any = None, num: Any = None) -> None:
        self.path, self.type = path, type
        self.low, self.high, self.step, self.log = low, high, step, bool(log)
        self.choices = list(choices) if choices is not None else None
        self.when = dict(when or {})
        self.also = list(also or ())
        self.values, self.num = values, num
        self._check()

    @classmethod
    def from_dict(cls, path: str, spec: Any) -> Param:
        """The parameter at `path` from its `[tune.params]` entry (a TOML table)."""
        where = f"tune.params.{path!r}"
        if not isinstance(spec, dict):
            raise SearchSpaceError(f"{where}: expected a table like {{type=\"uniform\", "
                                   f"low=0, high=1}}, got {spec!r}")
        unknown = sorted(set(spec) - _KEYS)
        if unknown:
            raise SearchSpaceError(f"{where}: unknown keys {unknown} (allowed: "
                                   f"{', '.join(sorted(_KEYS))})")
        if spec.get("type") not in TYPES:
            raise SearchSpaceError(f"{where}: type must be one of {', '.join(TYPES)}, got "
                                   f"{spec.get('type')!r}")
        return cls(path, **spec)

    def _check(self) -> None:
        where = f"tune.params.{self.path!r} ({self.type})"
        if self.values is not None and (not isinstance(self.values, list) or not self.values):
            raise SearchSpaceError(f"{where}: values must be a non-empty list, got "
                                   f"{self.values!r}")
        if self.type == "categorical":
            if not self.choices:
                raise SearchSpaceError(f"{where}: choices must be a non-empty list, got "
                                       f"{self.choices!r}")
            outside = [v for v in self.values or () if v not in self.choices]
            if outside:
                raise SearchSpaceError(f"{where}: values {outside} are not among the choices "
                                       f"{self.choices}")
            return
        for name in ("low", "high"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value):
                raise SearchSpaceError(f"{where}: {name} must be a finite number, got {value!r}")
        if self.low == self.high:
            raise SearchSpaceError(f"{where}: empty range, low == high == {self.low}")
        if self.low > self.high:
            raise SearchSpaceError(f"{where}: inverted range, low={self.low} > high={self.high}")
        if (self.type == "loguniform" or self.log) and self.low <= 0:
            raise SearchSpaceError(f"{where}: a log scale needs positive bounds, got "
                                   f"low={self.low}, high={self.high}")
        if self.type == "int":
            if self.low != int(self.low) or self.high != int(self.high):
                raise SearchSpaceError(f"{where}: low and high must be integers, got "
                                       f"{self.low}, {self.high}")
            self.low, self.high = int(self.low), int(self.high)
            if self.step is not None and (self.step != int(self.step) or self.step < 1):
                raise SearchSpaceError(f"{where}: step must be a positive integer, got "
                                       f"{self.step!r}")
            if self.log and self.step not in (None, 1):
                raise SearchSpaceError(f"{where}: step and log cannot be combined "
                                       f"(step={self.step})")
        elif self.step is not None and not self.step > 0:
            raise SearchSpaceError(f"{where}: step must be positive, got {self.step!r}")
        if self.num is not None and (self.num != int(self.num) or self.num < 2):
            raise SearchSpaceError(f"{where}: num must be an integer >= 2, got {self.num!r}")
        outside = [v for v in self.values or ()
                   if isinstance(v, bool) or not isinstance(v, (int, float))
                   or not self.low <= v <= self.high]
        if outside:
            raise SearchSpaceError(f"{where}: values {outside} lie outside [{self.low}, "
                                   f"{self.high}]")

    @property
    def is_log(self) -> bool:
        """Whether values are drawn uniformly in log space."""
        return self.type == "loguniform" or self.log

    @property
    def choice_list(self) -> list[Any]:
        """The choices of a categorical parameter (checked non-empty), [] for others."""
        return list(self.choices or ())

    def distribution(self) -> BaseDistribution:
        """The Optuna distribution (optuna is imported here, lazily)."""
        from optuna.distributions import (CategoricalDistribution, FloatDistribution,
                                          IntDistribution)
        if self.type == "categorical":
            return CategoricalDistribution(self.choice_list)
        if self.type == "int":
            return IntDistribution(self.low, self.high, log=self.log, step=self.step or 1)
        return FloatDistribution(float(self.low), float(self.high), log=self.is_log,
                                 step=self.step)

    def suggest(self, trial: Trial) -> Any:
        """Draw this parameter through an Optuna trial's public `suggest_*` API."""
        if self.type == "categorical":
            return trial.suggest_categorical(self.path, self.choice_list)
        if self.type == "int":
            return trial.suggest_int(self.path, self.low, self.high, step=self.step or 1,
                                     log=self.log)
        return trial.suggest_float(self.path, float(self.low), float(self.high),
                                   step=self.step, log=self.is_log)

    def grid_values(self) -> list[Any]:
        """The points a grid or a one-factor sweep visits."""
        if self.values is not None:
            return list(self.values)
        if self.type == "categorical":
            return self.choice_list
        if self.type == "int" and not self.log and self.num is None:
            return list(range(self.low, self.high + 1, self.step or 1))
        if self.num is None:
            raise SearchSpaceError(f"tune.params.{self.path!r}: a grid over a {self.type} "
                                   "range needs `values = [...]` or `num = k` points")
        points = (np.geomspace if self.is_log else np.linspace)(self.low, self.high, self.num)
        if self.type == "int":
            return sorted({int(round(p)) for p in points})
        return [float(p) for p in points]

    def active(self, values: Mapping[str, Any], base_config: Tree) -> bool:
        """True when every `when` condition holds, reading other parameters' values first
        and the base config for paths that are not searched."""
        for path, wanted in self.when.items():
            current = values[path] if path in values else get_path(base_config, path)
            allowed = wanted if isinstance(wanted, list) else [wanted]
            if current not in allowed:
                return False
        return True

    def __repr__(self) -> str:
        if self.type == "categorical":
            return f"Param({self.path!r}, categorical, choices={self.choices})"
        return f"Param({self.path!r}, {self.type}, low={self.low}, high={self.high})"


class SearchSpace:
    """An ordered set of `Param`s; conditions may only refer to parameters listed before
    them (or to fixed config values), so one pass in order resolves every condition.

    Examples
    --------
    >>> space = SearchSpace.from_dict({
    ...     "optimizer.type": {"type": "categorical", "choices": ["SGD", "Adam"]},
    ...     "optimizer.momentum": {"type": "uniform", "low": 0.5, "high": 0.9, "num": 2,
    ...                            "when": {"optimizer.type": "SGD"}}})
    >>> for point in space.grid():
    ...     print(point)
    {'optimizer.type': 'SGD', 'optimizer.momentum': 0.5}
    {'optimizer.type': 'SGD', 'optimizer.momentum': 0.9}
    {'optimizer.type': 'Adam'}
    """

    def __init__(self, params: Iterable[Param]) -> None:
        self.params = list(params)
        names = [p.path for p in self.params]
        if len(set(names)) != len(names):
            raise SearchSpaceError(f"tune.params: duplicate paths in {names}")
        for index, param in enumerate(self.params):
            for path in param.when:
                if path in names[index + 1:]:
                    raise SearchSpaceError(f"tune.params.{param.path!r}: its condition on "
                                           f"{path!r} must come after that parameter")
                if path == param.path:
                    raise SearchSpaceError(f"tune.params.{param.path!r}: a condition cannot "
                                           "refer to the parameter itself")

    @classmethod
    def from_dict(cls, params: Any) -> SearchSpace:
        """The space of a `[tune.params]` table: dotted path -> distribution table."""
        if not isinstance(params, dict) or not params:
            raise SearchSpaceError("tune.params: expected a non-empty table of "
                                   "\"dotted.path\" = {type=..., ...} entries")
        return cls(Param.from_dict(path, spec) for path, spec in params.items())

    def __iter__(self) -> Iterator[Param]:
        return iter(self.params)

    def __len__(self) -> int:
        return len(self.params)

    def __getitem__(self, path: str) -> Param:
        for param in self.params:
            if param.path == path:
                return param
        raise KeyError(path)

    def suggest(self, trial: Trial, base_config: Tree = None) -> dict[str, Any]:
        """Draw one point through an Optuna trial, skipping inactive conditional params."""
        values: dict[str, Any] = {}
        for param in self.params:
            if param.active(values, base_config or {}):
                values[param.path] = param.suggest(trial)
        return values

    def config_updates(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Dotted path -> value, including each parameter's `also` paths."""
        updates: dict[str, Any] = {}
        for path, value in values.items():
            updates[path] = value
            for other in self[path].also:
                updates[other] = value
        return updates

    def check_paths(self, base_config: Tree,
                    validate: Optional[Callable[[Tree], object]] = None) -> None:
        """Raise SearchSpaceError for a path that does not exist in `base_config`.

        A missing last key is accepted only when `validate(config)` accepts the config with
        that key set (and the parameter's conditions applied), e.g. "optimizer.momentum"
        for an SGD config that did not spell it out."""
        for param in self.params:
            for path in [param.path, *param.also]:
                try:
                    _walk(base_config, path)
                    continue
                except SearchSpaceError as error:
                    missing = error
                probe = _probe_value(param)
                conditions = {k: (v[0] if isinstance(v, list) else v)
                              for k, v in param.when.items()}
                try:
                    config = apply_params(base_config, {**conditions, path: probe},
                                          create_missing=True)
                except SearchSpaceError:
                    raise missing from None
                if validate is None:
                    raise missing
                try:
                    validate(config)
                except Exception:
                    raise missing from None

    def grid(self, base_config: Tree = None) -> list[dict[str, Any]]:
        """Every combination of the parameters' grid values, with inactive conditional
        parameters left out and duplicate points removed (order: first param slowest)."""
        points: list[dict[str, Any]] = [{}]
        for param in self.params:
            grown: list[dict[str, Any]] = []
            for point in points:
                if param.active(point, base_config or {}):
                    grown.extend({**point, param.path: v} for v in param.grid_values())
                else:
                    grown.append(point)
            points = grown
        unique: list[dict[str, Any]] = []
        seen: set[tuple[tuple[str, str], ...]] = set()
        for point in points:
            key = tuple(sorted((k, repr(v)) for k, v in point.items()))
            if key not in seen:
                seen.add(key)
                unique.append(point)
        return unique


def _probe_value(param: Param) -> Any:
    if param.type == "categorical":
        return param.choice_list[0]
    if param.type == "int":
        return param.low
    return float(param.low)
