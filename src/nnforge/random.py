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
    if isinstance(generator, Generator):
        return generator.numpy_generator
    if isinstance(generator, (int, np.integer)):
        return np.random.default_rng(int(generator))
    raise TypeError(f"expected a numpy.random.Generator, an nnforge.Generator, an int seed or "
                    f"None, got "
                    f"{type(generator).__name__}")


class Generator:
    """A random generator of its own (PyTorch's `torch.Generator`), for `generator=`
    arguments; `manual_seed(seed)` restarts it."""

    def __init__(self, device="cpu"):
        if str(device).split(":")[0] != "cpu":
            raise RuntimeError(f"nnforge runs on the CPU only; device {device!r} is not "
                               "available")
        self.numpy_generator = np.random.default_rng()
        self._seed = None

    def manual_seed(self, seed):
        self._seed = int(seed)
        self.numpy_generator = np.random.default_rng(self._seed)
        return self

    def initial_seed(self):
        return self._seed
