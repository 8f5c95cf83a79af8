"""One source of randomness: every draw in nnforge comes from a `numpy.random.Generator`.

`manual_seed(seed)` resets the library-wide default generator, which layers, dropout and
data loaders use when they are not handed a generator of their own; a run that seeds it
once is repeatable bit for bit.
"""
import numpy as np

_default = np.random.default_rng()


def manual_seed(seed):
    """Reset the default generator to `seed` and return it."""
    global _default
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed(seed): seed must be a non-negative integer, got {seed!r}")
    _default = np.random.default_rng(int(seed))
    return _default


def default_generator():
    """The generator used when none is given."""
    return _default


def resolve_generator(generator=None):
    """A Generator from None (the default), an int seed, or a Generator."""
    if generator is None:
        return _default
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, (int, np.integer)):
        return np.random.default_rng(int(generator))
    raise TypeError(f"expected a numpy.random.Generator, an int seed or None, got "
                    f"{type(generator).__name__}")
