"""TOML experiment configs: read, validate and build.

    schema     the sections and keys (pydantic, unknown keys forbidden)
    errors     every mistake as one line "<file>: <dotted.key>: <problem>"
    registry   the classes a config may name; `register(MyLoss)` adds your own
    datasets   the datasets a config may name and what each declares (generated, ...)
    checks     names, keys, metrics and monitors checked against the library
    loading    `load_config(path)` / `parse_config(mapping)` -> a validated `Config`
    factory    the one place a config becomes objects (CLI, tuner, scikit-learn estimators)

`nnforge.build.build_run(config)` builds a whole run through `factory`. The registry and
the factory work without pydantic (the scikit-learn estimators use them); the schema
names below load it on first use.
"""
import importlib
from typing import Any

from .errors import ConfigError
from .registry import classes, register

__all__ = ["ConfigError", "Config", "DataConfig", "ModelConfig", "TrainConfig",
           "EarlyStoppingConfig", "ComponentSpec", "load_config", "parse_config",
           "check_components", "loader_function", "register", "classes", "DATASETS"]

_LAZY = {"Config": "schema", "DataConfig": "schema", "ModelConfig": "schema",
         "TrainConfig": "schema", "EarlyStoppingConfig": "schema", "ComponentSpec": "schema",
         "DATASETS": "schema", "load_config": "loading", "parse_config": "loading",
         "check_components": "checks", "loader_function": "datasets"}


def __getattr__(name: str) -> Any:
    """The schema and loading names, imported (with pydantic) on first use."""
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
