"""The data-leakage guard: split index arrays that know which side of a split they are,
and a warning with a stable code when a scaler is fitted on validation or test rows.

How it knows (simple and honest - it only reports what it can actually see):

1. Every split function returns `SplitIndices`, an int64 ndarray subclass with `.role`
   ("train", "val" or "test"). `scaler.fit(X, rows=val_idx)` warns; so does fitting on an
   `ArrayData` made by `data.subset(val_idx)` (its `.role` is "val").
2. `train_val_test_split` / `train_test_split` remember (weakly, by identity) the arrays
   they were handed - an `ArrayData`'s X and y, or the y array itself. Fitting a scaler on
   such an array as a whole (or a view of all of it) means fitting on rows that include
   the validation/test rows, and warns.

What it cannot see: arrays assembled by hand (`X[np.concatenate([train, val])]`) or a
full X whose *y* was split. The guard never fires on the correct pattern
`scaler.fit(X[train_idx])` / `scaler.fit(X, rows=train_idx)`.
Silence it with `warnings.filterwarnings("ignore", category=DataLeakageWarning)`.
"""
from __future__ import annotations

import warnings
import weakref
from typing import Any, Callable, Optional

import numpy as np
from numpy.typing import ArrayLike

ROLES = ("train", "val", "test")
LEAK_CODE = "NF-LEAK-001"          # scaler fitted on rows that include validation/test data
TIME_SHUFFLE_CODE = "NF-LEAK-002"  # a time-ordered split was shuffled

_split_sources: weakref.WeakValueDictionary[int, np.ndarray] = \
    weakref.WeakValueDictionary()                                   # id -> array


class DataLeakageWarning(UserWarning):
    """Information from validation/test data is about to reach training."""


class SplitIndices(np.ndarray):
    """Row indices (int64, 1-d) of one side of a split, tagged with `.role`.

    Behaves exactly like an integer array (`X[idx]`, `len(idx)`, iteration); indexing data
    with it gives a plain ndarray. `.role` is "train", "val" or "test".

    Parameters
    ----------
    indices : array_like of int
        The rows (flattened to 1-d).
    role : str
        "train", "val" or "test".

    Examples
    --------
    >>> import numpy as np
    >>> val = SplitIndices([4, 1], "val")
    >>> val, val.role
    (SplitIndices([4, 1], role='val'), 'val')
    >>> np.arange(10, 16)[val].tolist()
    [14, 11]
    """

    role: Optional[str]

    def __new__(cls, indices: ArrayLike, role: str) -> SplitIndices:
        if role not in ROLES:
            raise ValueError(f"SplitIndices(role): expected one of {ROLES}, got {role!r}")
        obj = np.asarray(indices, dtype=np.int64).reshape(-1).view(cls)
        obj.role = role
        return obj

    def __array_finalize__(self, obj: Optional[np.ndarray]) -> None:
        self.role = getattr(obj, "role", None)

    def __reduce__(self) -> tuple[Callable[..., np.ndarray], tuple[np.ndarray]]:
        """Plain arrays when pickled by others."""
        return (np.asarray, (np.asarray(self),))

    def __repr__(self) -> str:
        return f"SplitIndices({np.asarray(self).tolist()!r}, role={self.role!r})" \
            if self.size <= 10 else \
            f"SplitIndices(<{self.size} indices>, role={self.role!r})"


def register_split_source(*arrays: Any) -> None:
    """Remember arrays that were split into train/val/test (called by the split functions)."""
    for array in arrays:
        if isinstance(array, np.ndarray):
            _split_sources[id(array)] = array


def _is_split_source(array: Any) -> bool:
    """True when `array` (or the array it is a full view of) was handed to a split."""
    while isinstance(array, np.ndarray):
        source = _split_sources.get(id(array))
        if source is array:
            return True
        base = array.base
        if not isinstance(base, np.ndarray) or base.shape[:1] != array.shape[:1]:
            return False
        array = base
    return False


def check_fit_rows(owner: str, X: Any, rows: Optional[ArrayLike] = None, stacklevel: int = 3
                   ) -> bool:
    """Warn (DataLeakageWarning, NF-LEAK-001) when fitting `owner` on val/test rows."""
    role = getattr(rows, "role", None) if rows is not None else getattr(X, "role", None)
    if role in ("val", "test"):
        warnings.warn(f"{LEAK_CODE}: {owner}.fit on {role} rows - statistics of held-out data "
                      "leak into training; fit on the training split only and transform "
                      f"val/test with the fitted {owner}", DataLeakageWarning,
                      stacklevel=stacklevel)
        return True
    array = getattr(X, "X", X)
    if rows is None and _is_split_source(array):
        warnings.warn(f"{LEAK_CODE}: {owner}.fit on all {len(array)} rows of an array that was "
                      "split into train/val/test, so validation and test rows are included; "
                      f"fit on X[train_idx] (or {owner}.fit(X, rows=train_idx))",
                      DataLeakageWarning, stacklevel=stacklevel)
        return True
    return False
