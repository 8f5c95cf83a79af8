"""The Examples sections of the training package's docstrings run and give what they show."""
import doctest
import importlib
import pkgutil

import pytest

import nnforge.train

MODULES = sorted(f"nnforge.train.{m.name}" for m in pkgutil.iter_modules(nnforge.train.__path__))


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed"


def test_every_public_class_has_an_example():
    missing = []
    for name in MODULES:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", ()):
            obj = getattr(module, attr)
            if isinstance(obj, type) and obj.__module__ == name and \
                    not issubclass(obj, BaseException) and ">>>" not in (obj.__doc__ or ""):
                missing.append(f"{name}.{attr}")
    assert not missing, "public classes without an Examples section: " + ", ".join(missing)
