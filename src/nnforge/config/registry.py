"""Which classes a config may name.

A config's ``type = "Linear"`` is looked up here by name, per kind of component: layers,
losses, optimizers, LR schedulers and data transforms. The library's own public classes
are registered on first use; a user registers their own with one call,

    import nnforge.config
    nnforge.config.register(MyLoss)          # now `[loss] type = "MyLoss"` works

and nothing else can be named: a config never imports a dotted path, so a TOML file can
only build what Python code has put in this table.

The kind is read from the class: an `optim.Optimizer` is an optimizer, an
`optim.lr_scheduler.LRScheduler` a scheduler, a `data.Transform` a transform, an
`nn.Module` with a ``target_kind`` attribute (every `nn` loss has one) a loss, and any
other `nn.Module` a layer.
"""
from typing import Optional, cast

from .. import data, nn, optim
from ..data import Compose, Transform
from ..nn import Module, ModuleList, Residual, Sequential
from ..nn.loss import _Loss, _WeightedLoss
from ..optim import Optimizer
from ..optim import lr_scheduler as _lr_scheduler
from ..optim.lr_scheduler import LRScheduler
from .errors import ConfigError, suggest

__all__ = ["KINDS", "CONTAINERS", "register", "classes", "lookup", "lookup_scheduler",
           "loss_expects", "kind_of"]

#: the kinds of component, as a config names them in "unknown <kind> 'X'"
KINDS = ("layer", "loss", "optimizer", "scheduler", "transform")

#: layers built from a nested `layers` list instead of keyword arguments
CONTAINERS = (Sequential, ModuleList, Residual)

_BASES = (Module, _Loss, _WeightedLoss, Optimizer, LRScheduler, Transform, Compose)
_TABLE: dict[str, dict[str, type]] = {kind: {} for kind in KINDS}
_loaded = False


def kind_of(cls: type) -> str:
    """The kind of component `cls` is (one of `KINDS`).

    Parameters
    ----------
    cls : type
        A class.

    Returns
    -------
    str

    Raises
    ------
    TypeError
        When `cls` is none of a layer, loss, optimizer, scheduler or transform.
    """
    if isinstance(cls, type):
        if issubclass(cls, Optimizer):
            return "optimizer"
        if issubclass(cls, LRScheduler):
            return "scheduler"
        if issubclass(cls, Transform):
            return "transform"
        if issubclass(cls, Module):
            return "loss" if getattr(cls, "target_kind", None) is not None else "layer"
    raise TypeError(f"register: expected an nnforge Module, loss, Optimizer, LRScheduler or "
                    f"Transform class, got {cls!r}")


def register(cls: type, name: Optional[str] = None) -> type:
    """Let configs name `cls` (by ``name``, default its class name).

    Usable as a decorator. Registering the same class twice is harmless; giving a name
    that already means another class of the same kind is an error.

    Parameters
    ----------
    cls : type
        A layer (`nn.Module`), loss (a Module declaring ``target_kind`` and ``expects``),
        optimizer, LR scheduler or data transform class.
    name : str, optional
        The name configs use; default ``cls.__name__``.

    Returns
    -------
    type
        `cls`, unchanged.

    Raises
    ------
    ValueError
        When `name` already names a different class of the same kind.

    Examples
    --------
    >>> from nnforge import nn
    >>> @register
    ... class Doubler(nn.Module):
    ...     def forward(self, x):
    ...         return x * 2
    >>> classes("layer")["Doubler"] is Doubler
    True
    """
    _load_builtins()
    return _add(cls, name)


def _add(cls: type, name: Optional[str]) -> type:
    kind, name = kind_of(cls), name or cls.__name__
    known = _TABLE[kind].get(name)
    if known is not None and known is not cls:
        raise ValueError(f"register: {kind} {name!r} already names "
                         f"{known.__module__}.{known.__qualname__}; pass another name=")
    _TABLE[kind][name] = cls
    return cls


def classes(kind: str) -> dict[str, type]:
    """Name -> class of every registered component of `kind`.

    Parameters
    ----------
    kind : str
        One of `KINDS`.

    Returns
    -------
    dict of str to type
        A copy; changing it does not register anything.
    """
    _load_builtins()
    return dict(_TABLE[kind])


def lookup(kind: str, name: str, path: str) -> type:
    """The class a config names at `path` (e.g. ``"model.layers.1"``).

    Parameters
    ----------
    kind : str
        One of `KINDS`.
    name : str
        The config's ``type`` value.
    path : str
        Dotted path of the component, for the error message.

    Returns
    -------
    type

    Raises
    ------
    ConfigError
        ``"<path>.type: unknown <kind> 'X' (did you mean 'Y'?)"``.
    """
    table = classes(kind)
    cls = table.get(name) if isinstance(name, str) else None
    if cls is None:
        other = _kind_named(name)
        if other is not None and other != kind:
            raise ConfigError(f"{path}.type: {name!r} is {_article(other)} {other}, not "
                              f"{_article(kind)} {kind} (available: "
                              f"{', '.join(sorted(table))})")
        close = suggest(name, sorted(table))
        hint = f" (did you mean {close!r}?)" if close else ""
        raise ConfigError(f"{path}.type: unknown {kind} {name!r}{hint}")
    return cls


def lookup_scheduler(name: str, path: str) -> type[LRScheduler]:
    """`lookup` of a scheduler, typed: the class says how often it steps, whether it needs
    a metric and which argument holds its length.

    Examples
    --------
    >>> cls = lookup_scheduler("OneCycleLR", "scheduler")
    >>> cls.interval, cls.needs_metric, cls.length_argument
    ('step', False, 'total_steps')
    """
    # kind_of files a class under "scheduler" only when it subclasses LRScheduler
    return cast("type[LRScheduler]", lookup("scheduler", name, path))


def loss_expects(name: str, path: str) -> str:
    """What the registered loss `name` expects of the model's output ("logits",
    "probabilities", "values"): a loss declares it beside its ``target_kind``.

    Examples
    --------
    >>> loss_expects("BCELoss", "loss"), loss_expects("CrossEntropyLoss", "loss")
    ('probabilities', 'logits')
    """
    return str(getattr(lookup("loss", name, path), "expects"))


def _kind_named(name: object) -> Optional[str]:
    """The kind of the registered class or base class called `name`, if any."""
    for kind in KINDS:
        if name in classes(kind):
            return kind
    for base in _BASES:
        if base.__name__ == name:
            try:
                return kind_of(base)
            except TypeError:
                return None
    return None


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _load_builtins() -> None:
    """Register the public classes of `nnforge.nn`, `nnforge.optim`, its `lr_scheduler`
    and `nnforge.data` (once)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in (nn, optim, _lr_scheduler, data):
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, type) and obj not in _BASES:
                try:
                    kind_of(obj)
                except TypeError:
                    continue
                _TABLE[kind_of(obj)].setdefault(name, obj)
