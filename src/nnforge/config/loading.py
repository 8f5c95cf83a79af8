"""Reading a config: TOML file or mapping -> validated `Config`, every mistake one line."""
import os
import tomllib
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from .checks import check_components
from .errors import ConfigError, describe_validation_error
from .schema import Config

__all__ = ["load_config", "parse_config"]


def load_config(path: "str | os.PathLike[str]") -> Config:
    """Read and validate the TOML config at `path`.

    The run's name defaults to the file's name without ``.toml``.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    Config
        Validated, every default filled in; ``config.source`` is `path`.

    Raises
    ------
    ConfigError
        One line naming the file, the dotted key and the problem.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ConfigError(f"{path}: no such config file")
    if os.path.isdir(path):
        raise ConfigError(f"{path}: is a directory, expected a .toml config file")
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not a text file ({exc.reason})") from None
    if "name" not in raw:
        raw["name"] = os.path.splitext(os.path.basename(path))[0]
    return parse_config(raw, source=path)


def parse_config(mapping: Mapping[str, Any], source: str = "<config>") -> Config:
    """Validate a config mapping (parsed TOML, or a run's resolved config.json).

    Parameters
    ----------
    mapping : mapping
        The settings.
    source : str
        Where they came from, named first in every error (also by later build errors).

    Returns
    -------
    Config

    Raises
    ------
    ConfigError
    """
    if not isinstance(mapping, dict):
        raise ConfigError(f"{source}: expected a table of settings, got "
                          f"{type(mapping).__name__}")
    try:
        config = Config.model_validate(mapping)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, Config), source) from None
    check_components(config, source)
    config._source = source
    return config
