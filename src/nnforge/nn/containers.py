"""Containers: Sequential (a chain of layers) and ModuleList (a registered list).

Children are registered under "0", "1", ..., so parameter names match PyTorch's
("0.weight", "2.bias") and state dicts load into the equivalent torch model.
"""
from collections import OrderedDict

from .module import Module


def _check_module(owner, value, index):
    if not isinstance(value, Module):
        raise TypeError(f"{owner}: item {index} must be a Module, got {type(value).__name__}")
    return value


class _IndexedModules(Module):
    """Shared list behaviour: integer and slice indexing, len, iteration, append."""

    def _index(self, index):
        n = len(self._modules)
        if not -n <= index < n:
            raise IndexError(f"{type(self).__name__}: index {index} is out of range for "
                             f"{n} modules")
        return index % n

    def __getitem__(self, index):
        if isinstance(index, slice):
            items = list(self._modules.items())[index]
            if isinstance(self, Sequential):  # keeps the children's names, like PyTorch
                return Sequential(OrderedDict(items))
            return type(self)(m for _, m in items)
        return list(self._modules.values())[self._index(index)]

    def __setitem__(self, index, module):
        key = list(self._modules)[self._index(index)]
        setattr(self, key, _check_module(type(self).__name__, module, index))

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        """Add `module` at the end, named by its position."""
        self.add_module(str(len(self._modules)), _check_module(type(self).__name__, module,
                                                               len(self._modules)))
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self


class Sequential(_IndexedModules):
    """Apply modules in order: Sequential(Linear(4, 8), ReLU(), Linear(8, 2)).

    Also accepts an OrderedDict of name -> module. Indexing, slicing, len, iteration and
    `append` work as on a list.
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, m in modules[0].items():
                self.add_module(name, _check_module("Sequential", m, name))
        else:
            for i, m in enumerate(modules):
                self.add_module(str(i), _check_module("Sequential", m, i))

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(_IndexedModules):
    """A list of modules whose parameters the owner registers (it has no forward)."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def insert(self, index, module):
        items = list(self._modules.values())
        items.insert(index, _check_module("ModuleList", module, index))
        self._modules.clear()
        for i, m in enumerate(items):
            self.add_module(str(i), m)

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward(); iterate over it and call "
                                  "its modules")
