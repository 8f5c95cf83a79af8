"""Augmentation that changes the number of samples: batch augmentation (several augmented
copies of each sample in one batch) and the offline expansion of a dataset."""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence, Union

import numpy as np

from ...errors import ArgumentError
from ...random import resolve_generator
from .base import GeneratorLike, check_batch

__all__ = ["BatchAugment", "expand_dataset"]

TransformLike = Callable[..., np.ndarray]


class BatchAugment:
    """Batch augmentation (Hoffer et al., 2019, "Augment your batch"): each sample
    appears `copies` times in the batch, each copy augmented independently, labels
    repeated. Called as `(X, y) = batch_augment(X, y, generator)`; the DataLoader passes
    targets to it (`needs_targets`). Copies of sample i are consecutive rows.

    Examples
    --------
    >>> import numpy as np
    >>> from nnforge.data import RandomHorizontalFlip
    >>> augment = BatchAugment(RandomHorizontalFlip(), copies=3)
    >>> X, y = augment(np.zeros((2, 1, 4, 4)), np.array([7, 9]), generator=0)
    >>> X.shape, y
    ((6, 1, 4, 4), array([7, 7, 7, 9, 9, 9]))
    """

    needs_targets = True

    def __init__(self, transform: TransformLike, copies: int = 2) -> None:
        if not callable(transform):
            raise TypeError(f"BatchAugment(transform): expected a callable, got "
                            f"{type(transform).__name__}")
        if isinstance(copies, bool) or not isinstance(copies, (int, np.integer)) or copies < 1:
            raise ArgumentError("copies", f"BatchAugment(copies): expected a positive integer, got "
                                          f"{copies!r}")
        self.transform = transform
        self.copies = int(copies)

    def __call__(self, X: Any, y: Any = None, generator: GeneratorLike = None
                 ) -> tuple[np.ndarray, Optional[np.ndarray]]:
        X = np.repeat(np.asarray(X), self.copies, axis=0)
        X = self.transform(X, resolve_generator(generator))
        return X, (None if y is None else np.repeat(np.asarray(y), self.copies, axis=0))

    def __repr__(self) -> str:
        return f"BatchAugment({self.transform!r}, copies={self.copies})"


def _copies_of(transform: Union[TransformLike, Sequence[TransformLike]],
               factor: Optional[int]) -> list[TransformLike]:
    """The transforms that make the augmented copies: `factor - 1` times one transform, or
    the given list (whose length + 1 `factor` must then equal, if given)."""
    if not isinstance(transform, (list, tuple)):
        if not callable(transform):
            raise TypeError(f"expand_dataset(transform): expected a transform or a list of "
                            f"transforms, got {type(transform).__name__}")
        if isinstance(factor, bool) or not isinstance(factor, (int, np.integer)) or factor < 1:
            raise ValueError(f"expand_dataset(factor): expected a positive integer (the size "
                             f"of the result in multiples of the dataset), got {factor!r}")
        return [transform] * (int(factor) - 1)
    transforms = list(transform)
    if factor is not None and factor != len(transforms) + 1:
        raise ValueError(f"expand_dataset(factor={factor!r}): {len(transforms)} transforms "
                         f"give the originals plus {len(transforms)} copies, factor "
                         f"{len(transforms) + 1}")
    return transforms


def expand_dataset(X: Any, y: Any, transform: Union[TransformLike, Sequence[TransformLike]],
                   factor: Optional[int] = None, generator: GeneratorLike = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Offline augmentation: the originals followed by augmented copies, labels repeated.

    `transform` is one transform, applied `factor - 1` times with fresh random draws
    (factor=5: the dataset five times as large), or a list of transforms, each applied
    once to every image (`factor` is then len(list) + 1 and may be omitted). The course's
    recipe: `expand_dataset(X, y, [RandomRotation((45, 45), fill_mode="wrap"),
    RandomHorizontalFlip(1.0), RandomVerticalFlip(1.0), GaussianNoise(0.2)])` gives
    original, rotated, mirrored, flipped and noisy copies: x5.

    Returns (X_new, y_new): X_new[:n] is X unchanged, block k (rows k*n .. (k+1)*n - 1) the
    k-th augmented copy of every image, y_new = y repeated `factor` times in the same
    blocks. Expand the training split only (after splitting), never validation/test data.

    Examples
    --------
    >>> import numpy as np
    >>> from nnforge.data import RandomHorizontalFlip
    >>> X, y = expand_dataset(np.zeros((5, 1, 4, 4)), np.arange(5), RandomHorizontalFlip(),
    ...                       factor=3, generator=0)
    >>> X.shape, y.shape
    ((15, 1, 4, 4), (15,))
    """
    X = check_batch(X, "expand_dataset")
    y = np.asarray(y)
    if len(y) != len(X):
        raise ValueError(f"expand_dataset: X has {len(X)} images but y has {len(y)} labels")
    transforms = _copies_of(transform, factor)
    rng = resolve_generator(generator)
    copies = [X] + [t(X, rng) for t in transforms]
    return np.concatenate(copies), np.concatenate([y] * len(copies))
