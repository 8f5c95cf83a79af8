"""One source of randomness: every draw in nnforge comes from a `numpy.random.Generator`.

`manual_seed(seed)` resets the library-wide default generator, which layers, dropout and
data loaders use when they are not handed a generator of their own; a run that seeds it
once is repeatable bit for bit.
"""
from __future__ import annotations

from typing import Union

import numpy as np

_default = np.random.default_rng()

#: what a ``generator=`` (or ``seed=``) argument accepts everywhere in nnforge: None (the
#: library's seeded default), an int seed, a NumPy Generator or an nnforge Generator
GeneratorLike = Union[None, int, np.integer, np.random.Generator, "Generator"]


def manual_seed(seed: int) -> np.random.Generator:
    """Reset the default generator to `seed` and return it."""
    global _default
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed(seed): seed must be a non-negative integer, got {seed!r}")
    _default = np.random.default_rng(int(seed))
    return _default


def default_generator() -> np.random.Generator:
    """The generator used when none is given."""
    return _default


def resolve_generator(generator: GeneratorLike = None) -> np.random.Generator:
    """A Generator from None (the default), an int seed, or a Generator."""
    if generator is None:
        return _default
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, Generator):
        return generator.numpy_generator
    if isinstance(generator, (int, np.integer)):
        return np.random.default_rng(int(generator))
    raise TypeError(f"expected a numpy.random.Generator, an nnforge.Generator, an int seed or "
                    f"None, got "
                    f"{type(generator).__name__}")


class Generator:
    """A random generator of its own (PyTorch's `torch.Generator`), for `generator=`
    arguments; `manual_seed(seed)` restarts it.

    Parameters
    ----------
    device : str, default "cpu"
        Only the CPU exists in nnforge; any other device is an error.

    Examples
    --------
    Two generators seeded alike draw the same numbers:

    >>> import nnforge
    >>> a = nnforge.Generator().manual_seed(0)
    >>> b = nnforge.Generator().manual_seed(0)
    >>> a.numpy_generator.random() == b.numpy_generator.random(), a.initial_seed()
    (True, 0)
    """

    def __init__(self, device: str = "cpu") -> None:
        if str(device).split(":")[0] != "cpu":
            raise RuntimeError(f"nnforge runs on the CPU only; device {device!r} is not "
                               "available")
        self.numpy_generator = np.random.default_rng()
        self._seed: int | None = None

    def manual_seed(self, seed: int) -> Generator:
        """Restart the generator from `seed`; returns the generator itself."""
        self._seed = int(seed)
        self.numpy_generator = np.random.default_rng(self._seed)
        return self

    def initial_seed(self) -> int | None:
        """The seed of the last `manual_seed` (None when never seeded)."""
        return self._seed
