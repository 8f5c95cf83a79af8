"""Hyperparameter search: search spaces from the `[tune]` TOML table
(or the course recipe's default space), strategies (grid, random, TPE, Hyperband / successive
halving, coarse-to-fine, one-factor-at-a-time), train/val or k-fold objectives, studies
shared by worker processes through a journal file or PostgreSQL, and study reports.

Optuna is imported only by the functions that need it; `nnforge.tune.space` is pure.
"""
from typing import Any

from .space import Param, SearchSpace, SearchSpaceError, apply_params, get_path

__all__ = ["Param", "SearchSpace", "SearchSpaceError", "TuneConfig", "apply_params",
           "get_path", "tune"]


def __getattr__(name: str) -> Any:
    """`TuneConfig` and `tune`, imported (with the config schema) on first use."""
    if name in ("TuneConfig", "tune"):
        from . import runner
        return getattr(runner, name)
    raise AttributeError(f"module 'nnforge.tune' has no attribute {name!r}")
