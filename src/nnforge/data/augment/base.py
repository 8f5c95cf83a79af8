"""The Transform protocol shared by every augmentation, and the argument checks and dtype
handling the transforms have in common."""
from __future__ import annotations

from typing import Any, Callable, Iterable, Optional, Union

import numpy as np

from ...errors import ArgumentError
from ...random import Generator, resolve_generator

__all__ = ["Transform", "Compose", "FILL_MODES", "GeneratorLike"]

#: what a `generator=` argument accepts: a numpy Generator, an nnforge Generator, an int
#: seed, or None for the library default
GeneratorLike = Union[None, int, np.random.Generator, Generator]

#: how `affine_resample` fills locations outside the image (Keras' names)
FILL_MODES = ("constant", "wrap", "nearest")


def check_batch(x: Any, owner: str) -> np.ndarray:
    """`x` as an array of shape (N, C, H, W), or a ValueError naming `owner`."""
    if not isinstance(x, np.ndarray):
        x = np.asarray(x)
    if x.ndim != 4:
        hint = (" (flat images? load them with flatten=False or reshape to (N, 1, 28, 28))"
                if x.ndim == 2 else "")
        raise ValueError(f"{owner}: expected an image batch of shape (N, C, H, W), got shape "
                         f"{x.shape}{hint}")
    return x


def restore(out: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Cast float work back to the input dtype (integers rounded and clipped to range)."""
    if out.dtype == dtype:
        return out
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return np.clip(np.rint(out), info.min, info.max).astype(dtype)
    return out.astype(dtype)


def work_dtype(dtype: np.dtype) -> np.dtype:
    """The float dtype arithmetic on images of `dtype` runs in (float32 for integers)."""
    return dtype if dtype.kind == "f" else np.dtype(np.float32)


def check_interpolation(interpolation: str, owner: str) -> str:
    if interpolation not in ("bilinear", "nearest"):
        raise ArgumentError("interpolation",
                            f"{owner}(interpolation): expected 'bilinear' or 'nearest', got "
                            f"{interpolation!r}")
    return interpolation


def check_fill_mode(fill_mode: str, owner: str) -> str:
    if fill_mode not in FILL_MODES:
        raise ValueError(f"{owner}(fill_mode): expected one of {', '.join(FILL_MODES)}, got "
                         f"{fill_mode!r}")
    return fill_mode


def check_probability(p: float, owner: str) -> float:
    if not 0 <= p <= 1:
        raise ArgumentError("p", f"{owner}(p): expected a probability in [0, 1], got {p!r}")
    return float(p)


class Transform:
    """Base class of the augmentations: `__call__(batch, generator=None)` validates the
    batch and calls `apply(batch, rng)`, which subclasses define.

    Examples
    --------
    >>> import numpy as np
    >>> class Invert(Transform):
    ...     def apply(self, batch, rng):
    ...         return 1 - batch
    >>> Invert()(np.zeros((1, 1, 2, 2))).ravel()
    array([1., 1., 1., 1.])
    """

    def __call__(self, batch: Any, generator: GeneratorLike = None) -> np.ndarray:
        batch = check_batch(batch, type(self).__name__)
        return self.apply(batch, resolve_generator(generator))

    def apply(self, batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The transformed batch: one set of random parameters per image, drawn from `rng`."""
        raise NotImplementedError(f"{type(self).__name__} must implement apply(batch, rng)")

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class Compose(Transform):
    """Apply transforms in order with the same generator.

    Parameters
    ----------
    transforms : iterable of callables
        Each is called as ``t(batch, rng)``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnforge.data import RandomHorizontalFlip, RandomVerticalFlip
    >>> turn = Compose([RandomHorizontalFlip(1.0), RandomVerticalFlip(1.0)])
    >>> turn(np.arange(4.0).reshape(1, 1, 2, 2), generator=0)[0, 0]
    array([[3., 2.],
           [1., 0.]])
    """

    def __init__(self, transforms: Iterable[Callable[..., np.ndarray]]) -> None:
        self.transforms = list(transforms)
        for t in self.transforms:
            if not callable(t):
                raise TypeError(f"Compose: every transform must be callable, got "
                                f"{type(t).__name__}")

    def apply(self, batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        for t in self.transforms:
            batch = t(batch, rng)
        return batch


def optional_clip(out: np.ndarray, clip: Optional[tuple[float, float]]) -> np.ndarray:
    """Clip `out` in place to `clip` = (lo, hi) when it is given."""
    if clip is not None:
        np.clip(out, out.dtype.type(clip[0]), out.dtype.type(clip[1]), out=out)
    return out
