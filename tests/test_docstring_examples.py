"""Every public class of nnforge shows how it is used: an Examples section that doctest runs
and that gives what it shows.

A module's public classes are the classes in its ``__all__`` (or, without one, the classes
it defines under names without a leading underscore). Exceptions and warnings are exempt.
"""
import doctest
import importlib
import pkgutil

import pytest

import nnforge

MODULES = ["nnforge"] + sorted(m.name for m in pkgutil.walk_packages(nnforge.__path__, "nnforge.")
                             if not m.name.endswith("__main__"))


def _public_classes(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    for attr in names:
        obj = getattr(module, attr)
        if isinstance(obj, type) and obj.__module__ == module.__name__ and \
                not issubclass(obj, (BaseException,)):
            yield attr, obj


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed"


@pytest.mark.parametrize("name", MODULES)
def test_every_public_class_has_an_example(name):
    module = importlib.import_module(name)
    missing = [attr for attr, cls in _public_classes(module) if ">>>" not in (cls.__doc__ or "")]
    assert not missing, f"{name}: public classes without an Examples section: {missing}"
