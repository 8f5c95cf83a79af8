"""The loaders a fit reads: from (X, y) arrays, ArrayData, a Dataset or a DataLoader to a
`DataLoader`, with the checks that belong at the door (NaN/Inf in the data, a batch size
that is not a positive integer), and the copy of a loader with a new batch size that a
batch-size schedule asks for."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..data import ArrayData, DataLoader, TensorDataset

__all__ = ["make_loader", "with_batch_size", "positive_int"]


def positive_int(value: Any, where: str, what: str) -> int:
    """`value` as an int, or a ValueError "`where`: expected `what`, got `value`"."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{where}: expected {what}, got {value!r}")
    return int(value)


def _arrays(data: Any, where: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(X, y) arrays from an (X, y) pair or an ArrayData; None for other datasets."""
    if isinstance(data, tuple) and len(data) == 2:
        return np.asarray(data[0]), np.asarray(data[1])
    if isinstance(data, ArrayData):
        if data.y is None:
            raise ValueError(f"{where}: {getattr(data, 'name', 'the data')} has no targets (y "
                             "is None)")
        return data.X, data.y
    return None


def _check_finite(pair: tuple[np.ndarray, np.ndarray], where: str) -> None:
    """Refuse NaN/Inf in the inputs or targets before training on them (one pass each)."""
    for name, array in zip(("X", "y"), pair):
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            bad = np.argwhere(~np.isfinite(array))[0]
            raise ValueError(f"{where}: the data contain NaN or Inf ({name}"
                             f"[{', '.join(map(str, bad))}] = {array[tuple(bad)]}); clean or "
                             "impute them before training")


def make_loader(data: Any, batch_size: int | None, shuffle: bool, where: str,
                generator: np.random.Generator, check_finite: bool = True) -> DataLoader:
    """`data` as a DataLoader (a DataLoader is returned as it is).

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.zeros((10, 2), dtype=np.float32), np.zeros(10, dtype=np.int64)
    >>> loader = make_loader((X, y), 4, False, "fit", np.random.default_rng(0))
    >>> len(loader), loader.batch_size
    (3, 4)
    """
    if isinstance(data, DataLoader):
        return data
    pair = _arrays(data, where)
    if pair is not None and check_finite:
        _check_finite(pair, where)
    dataset = TensorDataset(*pair) if pair is not None else data
    if batch_size is not None:
        positive_int(batch_size, f"{where}(batch_size)", "a positive integer or None")
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=generator)


def with_batch_size(loader: DataLoader, batch_size: int | None) -> DataLoader:
    """`loader`, or a copy that differs only in its batch size."""
    if batch_size == loader.batch_size or not isinstance(loader, DataLoader):
        return loader
    return DataLoader(loader.dataset, batch_size=batch_size, shuffle=loader.shuffle,
                      drop_last=loader.drop_last, generator=loader.generator,
                      transform=loader.transform, prefetch=loader.prefetch)
