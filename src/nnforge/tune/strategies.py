"""Search strategies: which points to try next.

- `grid` and `ofat` (one factor at a time) are *planned*: the full list of
  points is known up front and enqueued in the study, so every worker pops a distinct one
  and the study visits exactly that list.
- `random` draws each value from a generator seeded by (seed, trial number,
  parameter), so the points do not depend on which worker ran which trial; log-uniform
  parameters are drawn uniformly in log space.
- `tpe` is Optuna's Tree-structured Parzen Estimator.
- `hyperband` and `halving` are random search plus Optuna's Hyperband /
  successive-halving pruner, fed the per-epoch validation metric.
- `coarse_to_fine` is ours (no library ships it): rounds of random search, each
  re-centring the window of every numeric parameter on the best trial so far and shrinking
  it, or widening it again when the best point lies on the window's edge.

Optuna is imported lazily, inside the functions and classes that need it.
"""
from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Optional, Union, cast

import numpy as np

from .space import SearchSpace, SearchSpaceError, Tree, get_path

if TYPE_CHECKING:
    from optuna.distributions import BaseDistribution
    from optuna.pruners import BasePruner
    from optuna.samplers import BaseSampler
    from optuna.study import Study
    from optuna.trial import FrozenTrial

__all__ = ["STRATEGIES", "CoarseToFineSampler", "SeededRandomSampler", "make_pruner",
           "make_sampler", "one_factor_at_a_time", "planned_points", "refine_windows"]

#: a window of one parameter: (low, high) in internal coordinates, or the choices kept
Window = Union[tuple[float, float], list[Any]]

STRATEGIES = ("grid", "random", "tpe", "hyperband", "halving", "coarse_to_fine", "ofat")


def _rng(seed: int, number: int, name: str) -> np.random.Generator:
    return np.random.default_rng([int(seed), int(number), zlib.crc32(name.encode())])


def _to_internal(dist: BaseDistribution, value: float) -> float:
    return math.log(value) if getattr(dist, "log", False) else float(value)


def _from_internal(dist: Any, u: float) -> float:
    """Map an internal (log or linear) coordinate back onto the distribution's values."""
    from optuna.distributions import FloatDistribution, IntDistribution
    x = math.exp(u) if dist.log else u
    if isinstance(dist, IntDistribution):
        step = dist.step
        x = dist.low + step * round((x - dist.low) / step)
        return int(min(max(x, dist.low), dist.high))
    if isinstance(dist, FloatDistribution) and dist.step is not None:
        x = dist.low + dist.step * round((x - dist.low) / dist.step)
    return float(min(max(x, dist.low), dist.high))


def _internal_bounds(dist: Any) -> tuple[float, float]:
    """Bounds in internal coordinates; integers get half a step of slack on each side so
    the end points are as likely as the inner points."""
    from optuna.distributions import IntDistribution
    low, high = dist.low, dist.high
    if isinstance(dist, IntDistribution):
        half = 0.5 if dist.log else dist.step / 2
        low, high = low - half, high + half
        if dist.log:
            low = max(low, dist.low * 0.5)
    return _to_internal(dist, low), _to_internal(dist, high)


def _draw(dist: BaseDistribution, rng: np.random.Generator, window: Optional[Window] = None
          ) -> Any:
    from optuna.distributions import CategoricalDistribution
    if isinstance(dist, CategoricalDistribution):
        choices = window if window is not None else list(dist.choices)
        return choices[int(rng.integers(len(choices)))]
    lo, hi = window if window is not None else _internal_bounds(dist)
    return _from_internal(dist, float(rng.uniform(lo, hi)))


def _base_sampler() -> type[BaseSampler]:
    from optuna.samplers import BaseSampler
    return BaseSampler


if not TYPE_CHECKING:                  # the samplers subclass optuna's, imported here
    BaseSampler = _base_sampler()


class _PerTrialSampler(BaseSampler):
    """A sampler that draws each parameter on its own, from a generator seeded by (seed,
    trial number, parameter name): no joint (relative) sampling and no state to reseed."""

    def reseed_rng(self) -> None:
        """Nothing to reseed: draws are a pure function of (seed, trial number, name)."""

    def infer_relative_search_space(self, study: Study, trial: FrozenTrial
                                    ) -> dict[str, BaseDistribution]:
        return {}

    def sample_relative(self, study: Study, trial: FrozenTrial,
                        search_space: dict[str, BaseDistribution]) -> dict[str, Any]:
        return {}


class SeededRandomSampler(_PerTrialSampler):
    """Random search whose draws depend only on (seed, trial number, parameter name).

    Optuna's RandomSampler draws from one generator per process, so W workers started
    with the same seed would repeat each other's points; here trial k gets the same
    values whichever worker runs it.

    Examples
    --------
    >>> import optuna
    >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
    >>> def first_x(seed):
    ...     trial = optuna.create_study(sampler=SeededRandomSampler(seed)).ask()
    ...     return trial.suggest_float("x", 0.0, 1.0)
    >>> first_x(0) == first_x(0), first_x(0) == first_x(1)
    (True, False)
    """

    def __init__(self, seed: int = 0) -> None:
        self.seed = int(seed)

    def sample_independent(self, study: Study, trial: FrozenTrial, param_name: str,
                           param_distribution: BaseDistribution) -> Any:
        return _draw(param_distribution, _rng(self.seed, trial.number, param_name))


def refine_windows(windows: Mapping[str, Window], hard: Mapping[str, tuple[float, float]],
                   best: Mapping[str, float], top_values: Mapping[str, Sequence[Any]],
                   shrink: float = 0.5, edge: float = 0.1) -> dict[str, Window]:
    """One coarse-to-fine step for every parameter.

    Parameters
    ----------
    windows : dict
        name -> (lo, hi) in internal coordinates (log for log-scale parameters), or
        name -> list of choices for categorical parameters.
    hard : dict
        name -> (lo, hi) bounds the window may never leave (the declared range).
    best : dict
        name -> internal coordinate of the best trial's value.
    top_values : dict
        name -> values the top trials used (for categorical parameters).
    shrink : float
        Factor applied to the window's width when the best lies inside it.
    edge : float
        Fraction of the width that counts as "on the boundary".

    Returns
    -------
    dict
        The new windows: re-centred on the best value; width times `shrink`, or divided
        by `shrink` (up to the declared range) when the best value lies within `edge` of
        a window boundary that is not also the declared bound.

    Examples
    --------
    >>> refine_windows({"x": (0.0, 1.0)}, {"x": (0.0, 1.0)}, {"x": 0.5}, {})
    {'x': (0.25, 0.75)}
    """
    out: dict[str, Window] = {}
    for name, window in windows.items():
        if isinstance(window, list):
            kept = [c for c in window if c in top_values.get(name, ())]
            out[name] = kept or window
            continue
        if name not in best:
            out[name] = window
            continue
        lo, hi = window
        hard_lo, hard_hi = hard[name]
        width, b = hi - lo, best[name]
        near_lo = b - lo < edge * width and lo > hard_lo + 1e-12 * (hard_hi - hard_lo)
        near_hi = hi - b < edge * width and hi < hard_hi - 1e-12 * (hard_hi - hard_lo)
        new_width = min(width / shrink, hard_hi - hard_lo) if (near_lo or near_hi) \
            else width * shrink
        lo, hi = b - new_width / 2, b + new_width / 2
        if lo < hard_lo:
            lo, hi = hard_lo, hard_lo + new_width
        if hi > hard_hi:
            lo, hi = hard_hi - new_width, hard_hi
        out[name] = (max(lo, hard_lo), min(hi, hard_hi))
    return out


class CoarseToFineSampler(_PerTrialSampler):
    """Coarse-to-fine random search as an Optuna sampler.

    Trial k belongs to round k // per_round. Round 0 samples the declared ranges; the
    windows of round r come from applying `refine_windows` to the finished trials of
    rounds 0..r-1 in turn (the best trial of all rounds so far is the centre; the top
    `top_k` trials pick the categorical choices kept). The windows are a pure function
    of the stored trials, so several workers agree on them without talking to each other.

    Examples
    --------
    >>> import optuna
    >>> from nnforge.tune import SearchSpace
    >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
    >>> space = SearchSpace.from_dict({"x": {"type": "uniform", "low": 0.0, "high": 1.0}})
    >>> sampler = CoarseToFineSampler(space, per_round=4, seed=0)
    >>> study = optuna.create_study(sampler=sampler)
    >>> study.optimize(lambda t: (t.suggest_float("x", 0.0, 1.0) - 0.3) ** 2, n_trials=12)
    >>> low, high = sampler.windows(study, 2)["x"]      # round 2 samples a narrower window
    >>> high - low < 0.5
    True
    """

    def __init__(self, space: SearchSpace, per_round: int = 10, shrink: float = 0.5,
                 top_k: int = 3, edge: float = 0.1, seed: int = 0) -> None:
        if per_round < 1:
            raise SearchSpaceError(f"coarse_to_fine: per_round must be >= 1, got {per_round}")
        if not 0 < shrink < 1:
            raise SearchSpaceError(f"coarse_to_fine: shrink must be in (0, 1), got {shrink}")
        self.space, self.per_round, self.shrink = space, int(per_round), float(shrink)
        self.top_k, self.edge, self.seed = int(top_k), float(edge), int(seed)
        self._cache: dict[tuple[int, tuple[int, ...]], dict[str, Window]] = {}

    def _initial(self) -> tuple[dict[str, Window], dict[str, tuple[float, float]],
                                dict[str, BaseDistribution]]:
        windows: dict[str, Window] = {}
        hard: dict[str, tuple[float, float]] = {}
        dists: dict[str, BaseDistribution] = {}
        for param in self.space:
            dist = param.distribution()
            dists[param.path] = dist
            if param.type == "categorical":
                windows[param.path] = param.choice_list
            else:
                windows[param.path] = hard[param.path] = _internal_bounds(dist)
        return windows, hard, dists

    def windows(self, study: Study, round_index: int) -> dict[str, Window]:
        """The windows (internal coordinates) that round `round_index` samples from."""
        from optuna.trial import TrialState
        done = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
                if t.number < round_index * self.per_round]
        key = (round_index, tuple(sorted(t.number for t in done)))
        if key in self._cache:
            return self._cache[key]
        windows, hard, dists = self._initial()
        sign = -1.0 if study.direction.name == "MAXIMIZE" else 1.0
        for r in range(round_index):
            seen = sorted((t for t in done if t.number < (r + 1) * self.per_round),
                          key=lambda t: sign * cast(float, t.value))  # COMPLETE: valued
            if not seen:
                continue
            best = {name: _to_internal(dists[name], value)
                    for name, value in seen[0].params.items()
                    if name in hard}
            top: dict[str, list[Any]] = {}
            for trial in seen[:self.top_k]:
                for name, value in trial.params.items():
                    top.setdefault(name, []).append(value)
            windows = refine_windows(windows, hard, best, top, self.shrink, self.edge)
        self._cache = {key: windows}
        return windows

    def sample_independent(self, study: Study, trial: FrozenTrial, param_name: str,
                           param_distribution: BaseDistribution) -> Any:
        rng = _rng(self.seed, trial.number, param_name)
        window = self.windows(study, trial.number // self.per_round).get(param_name)
        return _draw(param_distribution, rng, window)


def one_factor_at_a_time(space: SearchSpace, base_config: Tree) -> list[dict[str, Any]]:
    """Manual sweeps: start from the base config's values (the middle grid value when
    the config does not set a parameter) and vary one parameter at a time over its grid
    values, holding the others fixed. Returns a list of points without duplicates."""
    base: dict[str, Any] = {}
    for param in space:
        values = param.grid_values()
        current = get_path(base_config, param.path)
        base[param.path] = current if current is not None else values[len(values) // 2]
    points: list[dict[str, Any]] = []
    seen: set[tuple[tuple[str, str], ...]] = set()
    for param in space:
        for value in param.grid_values():
            point = dict(base, **{param.path: value})
            for path, wanted in param.when.items():
                if path in point:
                    point[path] = wanted[0] if isinstance(wanted, list) else wanted
            point = {p.path: point[p.path] for p in space
                     if p.active(point, base_config)}
            key = tuple(sorted((k, repr(v)) for k, v in point.items()))
            if key not in seen:
                seen.add(key)
                points.append(point)
    return points


def planned_points(strategy: str, space: SearchSpace, base_config: Tree
                   ) -> Optional[list[dict[str, Any]]]:
    """The fixed list of points of a planned strategy (grid, ofat); None for the others."""
    if strategy == "grid":
        return space.grid(base_config)
    if strategy == "ofat":
        return one_factor_at_a_time(space, base_config)
    return None


def make_sampler(strategy: str, space: SearchSpace, seed: int = 0,
                 options: Optional[Mapping[str, Any]] = None) -> BaseSampler:
    """The Optuna sampler for a strategy name; `options` holds strategy settings
    (coarse_to_fine: per_round, shrink, top_k, edge; tpe: n_startup_trials)."""
    options = dict(options or {})
    if strategy not in STRATEGIES:
        raise SearchSpaceError(f"tune.strategy: expected one of {', '.join(STRATEGIES)}, got "
                               f"{strategy!r}")
    if strategy == "tpe":
        from optuna.samplers import TPESampler
        return TPESampler(seed=seed, n_startup_trials=int(options.get("n_startup_trials", 5)))
    if strategy == "coarse_to_fine":
        keys = ("per_round", "shrink", "top_k", "edge")
        return CoarseToFineSampler(space, seed=seed,
                                   **{k: options[k] for k in keys if k in options})
    # grid and ofat trials are enqueued with fixed values; the random sampler is never
    # consulted for them.
    return SeededRandomSampler(seed)


def make_pruner(strategy: str, max_resource: int, options: Optional[Mapping[str, Any]] = None
                ) -> BasePruner:
    """Hyperband / successive halving over epochs; no pruning for other strategies."""
    import optuna
    options = dict(options or {})
    factor = int(options.get("reduction_factor", 3))
    min_resource = int(options.get("min_resource", 1))
    if strategy == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=min_resource,
                                              max_resource=int(max_resource),
                                              reduction_factor=factor)
    if strategy == "halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=min_resource,
                                                      reduction_factor=factor)
    return optuna.pruners.NopPruner()
