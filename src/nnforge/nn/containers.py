"""Containers: Sequential (a chain of layers) and ModuleList (a registered list).

Children are registered under "0", "1", ..., so parameter names match PyTorch's
("0.weight", "2.bias") and state dicts load into the equivalent torch model.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Iterable, Iterator, Optional, TypeVar, Union, cast, overload

from .activation import ReLU
from .conv import Conv2d
from .module import Module
from .pooling import MaxPool2d

_IndexedT = TypeVar("_IndexedT", bound="_IndexedModules")


def _check_module(owner: str, value: object, index: Union[int, str]) -> Module:
    if not isinstance(value, Module):
        raise TypeError(f"{owner}: item {index} must be a Module, got {type(value).__name__}")
    return value


class _IndexedModules(Module):
    """Shared list behaviour: integer and slice indexing, len, iteration, append."""

    def _index(self, index: int) -> int:
        n = len(self._modules)
        if not -n <= index < n:
            raise IndexError(f"{type(self).__name__}: index {index} is out of range for "
                             f"{n} modules")
        return index % n

    @overload
    def __getitem__(self, index: int) -> Module: ...

    @overload
    def __getitem__(self: _IndexedT, index: slice) -> _IndexedT: ...

    def __getitem__(self, index: Union[int, slice]) -> Module:
        if isinstance(index, slice):
            return self._from_items(list(self._modules.items())[index])
        return list(self._modules.values())[self._index(index)]

    @classmethod
    def _from_items(cls: type[_IndexedT], items: list[tuple[str, Module]]) -> _IndexedT:
        """A new container of the same kind holding `items` (a slice of this one)."""
        raise NotImplementedError

    def __setitem__(self, index: int, module: Module) -> None:
        key = list(self._modules)[self._index(index)]
        setattr(self, key, _check_module(type(self).__name__, module, index))

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self: _IndexedT, module: Module) -> _IndexedT:
        """Add `module` at the end, named by its position."""
        self.add_module(str(len(self._modules)), _check_module(type(self).__name__, module,
                                                               len(self._modules)))
        return self

    def extend(self: _IndexedT, modules: Iterable[Module]) -> _IndexedT:
        """Append each of `modules` in order."""
        for m in modules:
            self.append(m)
        return self


class Sequential(_IndexedModules):
    """Apply modules in order, each to the previous one's output.

    Children are named "0", "1", ... (or by the keys of an OrderedDict given as the only
    argument), so parameter names match PyTorch's. Indexing, slicing, len, iteration and
    `append` work as on a list; a slice is a Sequential that keeps the names. A ReLU
    followed by a MaxPool2d runs as one op (`MaxPool2d.forward_after_relu`: the same
    values and gradients, one full-size pass fewer each way), and a Conv2d followed by
    both as another (`Conv2d.forward_relu_max_pool`), unless one of them has a forward
    hook.

    Parameters
    ----------
    *modules : Module or OrderedDict of str to Module
        The layers in calling order.

    Examples
    --------
    >>> import nnforge
    >>> from nnforge import nn
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> tuple(model(nnforge.zeros(5, 4)).shape)
    (5, 2)
    >>> list(model.state_dict())
    ['0.weight', '0.bias', '2.weight', '2.bias']
    >>> len(model), model[1]
    (3, ReLU())
    """

    def __init__(self, *modules: Union[Module, OrderedDict[str, Module]]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, m in modules[0].items():
                self.add_module(name, _check_module("Sequential", m, name))
        else:
            for i, item in enumerate(modules):
                self.add_module(str(i), _check_module("Sequential", item, i))

    @classmethod
    def _from_items(cls, items: list[tuple[str, Module]]) -> Sequential:
        return Sequential(OrderedDict(items))   # keeps the names, like PyTorch

    def forward(self, input: Any) -> Any:
        modules = list(self._modules.values())
        k = 0
        while k < len(modules):
            if k + 2 < len(modules) and _conv_relu_pool(*modules[k:k + 3]):
                input = cast(Conv2d, modules[k]).forward_relu_max_pool(
                    input, cast(MaxPool2d, modules[k + 2]))
                k += 3
            elif k + 1 < len(modules) and _relu_then_pool(modules[k], modules[k + 1]):
                input = cast(MaxPool2d, modules[k + 1]).forward_after_relu(input)
                k += 2
            else:
                input = modules[k](input)
                k += 1
        return input


def _relu_then_pool(first: Module, second: Module) -> bool:
    """A plain ReLU followed by a plain MaxPool2d, neither with hooks or a replaced
    forward: Sequential runs the pair as one op (MaxPool2d.forward_after_relu)."""
    return (type(first) is ReLU and type(second) is MaxPool2d
            and not any(_hooked(m) for m in (first, second)))


def _conv_relu_pool(first: Module, second: Module, third: Module) -> bool:
    """A plain Conv2d, ReLU and MaxPool2d in a row, none with hooks or a replaced forward:
    Sequential runs the three as one op (Conv2d.forward_relu_max_pool)."""
    return type(first) is Conv2d and not _hooked(first) and _relu_then_pool(second, third)


def _hooked(module: Module) -> bool:
    """Whether a module has forward hooks or a forward of its own instance."""
    return bool(module.__dict__.get("_forward_hooks")) or "forward" in module.__dict__


class ModuleList(_IndexedModules):
    """A list of modules whose parameters the owner registers; it has no forward.

    Use it for a variable number of layers that `forward` calls in its own way.

    Parameters
    ----------
    modules : iterable of Module, optional
        The initial modules, named "0", "1", ...

    Examples
    --------
    >>> import nnforge
    >>> layers = nnforge.nn.ModuleList([nnforge.nn.Linear(2, 2) for _ in range(3)])
    >>> len(layers), [name for name, _ in layers.named_parameters()][:2]
    (3, ['0.weight', '0.bias'])
    """

    def __init__(self, modules: Optional[Iterable[Module]] = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    @classmethod
    def _from_items(cls, items: list[tuple[str, Module]]) -> ModuleList:
        return cls(m for _, m in items)

    def insert(self, index: int, module: Module) -> None:
        """Put `module` before position `index`, renumbering the ones after it."""
        items = list(self._modules.values())
        items.insert(index, _check_module("ModuleList", module, index))
        self._modules.clear()
        for i, m in enumerate(items):
            self.add_module(str(i), m)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleList has no forward(); iterate over it and call "
                                  "its modules")
