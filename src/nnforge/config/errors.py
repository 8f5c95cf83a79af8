"""Config mistakes as one line: ``<file>: <dotted.key>: <problem>``.

Three sources of mistakes end here: pydantic's schema errors (`describe_validation_error`),
names that match no registered class (`suggest` proposes the closest), and values a
constructor refuses (`constructing` wraps each component's construction with its dotted
path; an `ArgumentError` adds the argument, so the key is named without reading the
message).
"""
import contextlib
import difflib
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Optional

from ..errors import ArgumentError

if TYPE_CHECKING:                    # pydantic loads with the schema, not with this module
    from pydantic import BaseModel, ValidationError

__all__ = ["ConfigError", "constructing", "describe_validation_error", "suggest"]


class ConfigError(ValueError):
    """A config mistake; the message is one line: ``"<file>: <dotted.key>: <problem>"``.

    Parameters
    ----------
    message : str
        ``"<dotted.key>: <problem>"``.
    source : str, optional
        The config file (or another name for where the config came from); when given it
        prefixes the message and is kept as ``source``.

    Examples
    --------
    >>> str(ConfigError("optimizer.lr: must be >= 0", source="run.toml"))
    'run.toml: optimizer.lr: must be >= 0'
    """

    def __init__(self, message: str, source: Optional[str] = None) -> None:
        super().__init__(f"{source}: {message}" if source else message)
        self.message, self.source = message, source

    def __reduce__(self) -> tuple:
        return type(self), (self.message, self.source)     # picklable (worker processes)

    def in_file(self, source: Optional[str]) -> "ConfigError":
        """This error naming `source` first, unless it already names a file.

        Parameters
        ----------
        source : str or None
            The config file.

        Returns
        -------
        ConfigError
            Self when it already has a source (or `source` is None), else a new error.
        """
        if self.source is not None or not source:
            return self
        return ConfigError(str(self), source)


def suggest(name: object, choices: Iterable[str]) -> Optional[str]:
    """The choice a typo most likely meant.

    Same name up to case first, then a choice the name starts ("acc" -> "accuracy"), then
    the closest by difflib.

    Parameters
    ----------
    name : object
        What the config said.
    choices : iterable of str
        The valid names.

    Returns
    -------
    str or None
        The suggestion, or None when nothing is close.
    """
    choices = list(choices)
    lowered = str(name).lower()
    for test in (lambda c: c.lower() == lowered, lambda c: c.lower().startswith(lowered)):
        found = [c for c in choices if test(c)]
        if found:
            return found[0]
    close = difflib.get_close_matches(str(name), choices, n=1)
    return close[0] if close else None


@contextlib.contextmanager
def constructing(path: str, owner: Optional[str] = None) -> Iterator[None]:
    """Turn a constructor's refusal inside the block into a ConfigError naming `path`.

    An `ArgumentError` names its argument, giving ``"<path>.<argument>: <message>"``;
    another ValueError/TypeError/KeyError gives ``"<path>: <message>"`` (or
    ``"<path> (<owner>): <message>"`` when `owner`, the class name, is given).

    Parameters
    ----------
    path : str
        Dotted config path of the component, e.g. ``"optimizer"``, ``"model.layers.2"``.
    owner : str, optional
        Class name shown after the path for errors that do not name an argument.

    Yields
    ------
    None
    """
    try:
        yield
    except ConfigError:
        raise
    except ArgumentError as exc:
        raise ConfigError(f"{path}.{exc.argument}: {_one_line(exc)}") from None
    except (TypeError, ValueError, KeyError) as exc:
        where = f"{path} ({owner})" if owner else path
        raise ConfigError(f"{where}: {_one_line(exc)}") from None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def describe_validation_error(exc: "ValidationError", root: "type[BaseModel]") -> str:
    """One line ``"<dotted.key>: <problem>"`` for a pydantic ValidationError.

    Parameters
    ----------
    exc : pydantic.ValidationError
        The error raised while validating a mapping against `root`.
    root : type
        The pydantic model that was validated (the top-level Config).

    Returns
    -------
    str
        The first problem, with "(and N more problems)" when there are others.
    """
    errors = exc.errors(include_url=False)
    first = errors[0]
    path, model = dotted(first["loc"], root)
    kind, msg = first["type"], first["msg"]
    if kind == "extra_forbidden":
        allowed = ", ".join(model.model_fields) if model is not None else "?"
        problem = f"unknown key (allowed: {allowed})"
    elif kind == "missing":
        problem = "required key is missing"
    else:
        msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        shown = first.get("input")
        problem = msg if kind == "value_error" or isinstance(shown, dict) else \
            f"{msg} (got {shown!r})"
    more = len({dotted(e["loc"], root)[0] for e in errors} - {path})
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{path or '<top level>'}: {problem}{suffix}"


def dotted(loc: tuple[int | str, ...], root: "type[BaseModel]"
           ) -> tuple[str, "type[BaseModel]"]:
    """(dotted path, model class owning the last key) of a pydantic error location.

    Pydantic inserts union-member tags (e.g. "int" of ``Union[int, str]``) into the
    location; they are not config keys and are dropped.

    Parameters
    ----------
    loc : tuple
        The error's ``loc``.
    root : type
        The validated pydantic model.

    Returns
    -------
    tuple of (str, type)
    """
    parts: list[str] = []
    model: Optional[type[BaseModel]] = root
    owner = root
    for part in loc:
        if isinstance(part, int):
            parts.append(str(part))
            continue
        if model is not None and part in model.model_fields:
            parts.append(part)
            owner = model
            model = _inner_model(model.model_fields[part].annotation)
        elif model is not None and model.model_config.get("extra") == "allow":
            parts.append(part)
        elif model is not None:              # an unknown key of `model`
            parts.append(part)
            owner = model
            model = None
    return ".".join(parts), owner


def _inner_model(annotation: Any) -> "Optional[type[BaseModel]]":
    if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
