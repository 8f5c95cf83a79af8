"""Datasets: the indexable containers a `DataLoader` batches from, and `ArrayData`, the
arrays-plus-metadata record every nnforge loader returns.

Array-backed datasets (`TensorDataset`, `Subset` of one, `ArrayData.to_dataset()`) answer
`dataset[index_array]` with whole batches in one fancy-indexing call, so the loader never
does per-sample Python work; memory-mapped arrays stay memory-mapped and only the rows a
batch asks for are read.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Optional

import numpy as np

TASKS = ("classification", "regression")


class Dataset:
    """Base class: a map from an integer index to a sample (a tuple of arrays).

    Subclasses implement `__len__` and `__getitem__`. A subclass whose `__getitem__` also
    accepts an integer index *array* and returns the stacked batch sets
    `supports_batch_indexing = True`; the DataLoader then fetches each batch in one call
    instead of stacking samples one by one.

    Examples
    --------
    >>> class Squares(Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, index):
    ...         return index, index ** 2
    >>> data = Squares()
    >>> len(data), data[3]
    (4, (3, 9))
    """

    supports_batch_indexing: bool = False

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")


def _as_array(array: Any, position: int) -> np.ndarray:
    """Accept ndarrays (incl. memmaps, kept as they are), Tensors and array-likes."""
    if isinstance(array, np.ndarray):
        return array
    data = getattr(array, "data", None)
    if isinstance(data, np.ndarray):          # an nnforge Tensor, without importing autograd
        return data
    try:
        return np.asarray(array)
    except Exception as error:                # noqa: BLE001 - re-raised with context
        raise TypeError(f"TensorDataset: argument {position} ({type(array).__name__}) cannot be "
                        f"converted to a NumPy array: {error}") from None


class TensorDataset(Dataset):
    """Rows of several equally long arrays: `TensorDataset(X, y)[i] == (X[i], y[i])`.

    Indexing with an integer array returns the whole batch `(X[idx], y[idx])`.

    Parameters
    ----------
    *arrays : array_like
        NumPy arrays (memory-mapped ones stay mapped), Tensors or array-likes, all with
        the same length along dimension 0.

    Examples
    --------
    >>> import numpy as np
    >>> data = TensorDataset(np.arange(6.0).reshape(3, 2), np.array([0, 1, 0]))
    >>> x, label = data[1]
    >>> len(data), x.tolist(), int(label)
    (3, [2.0, 3.0], 1)
    >>> X, y = data[np.array([0, 2])]
    >>> X.tolist(), y.tolist()
    ([[0.0, 1.0], [4.0, 5.0]], [0, 0])
    """

    supports_batch_indexing = True

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("TensorDataset: needs at least one array, got none")
        self.arrays = tuple(_as_array(a, i) for i, a in enumerate(arrays))
        for i, a in enumerate(self.arrays):
            if a.ndim == 0:
                raise ValueError(f"TensorDataset: argument {i} is a 0-d array (a scalar); every "
                                 "array needs a first (sample) dimension")
        lengths = [len(a) for a in self.arrays]
        if len(set(lengths)) > 1:
            shapes = ", ".join(str(a.shape) for a in self.arrays)
            raise ValueError(f"TensorDataset: all arrays must have the same length along dim 0, "
                             f"got lengths {lengths} (shapes {shapes})")

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index: Any) -> tuple[Any, ...]:
        return tuple(a[index] for a in self.arrays)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{a.shape} {a.dtype}" for a in self.arrays)
        return f"TensorDataset({shapes})"


class Subset(Dataset):
    """The rows `indices` of another dataset (e.g. one side of a split).

    Parameters
    ----------
    dataset : Dataset
        The dataset to take rows from.
    indices : array_like of int
        The rows, a 1-d integer array.

    Examples
    --------
    >>> import numpy as np
    >>> rows = Subset(TensorDataset(np.array([[10], [20], [30], [40]])), [3, 1])
    >>> len(rows), rows[0]
    (2, (array([40]),))
    """

    def __init__(self, dataset: Dataset, indices: Any) -> None:
        indices = np.asarray(indices)
        if indices.ndim != 1 or (indices.size and indices.dtype.kind not in "iu"):
            raise TypeError(f"Subset: indices must be a 1-d integer array, got dtype "
                            f"{indices.dtype} and shape {indices.shape}")
        n = len(dataset)
        if indices.size and (indices.min() < -n or indices.max() >= n):
            raise IndexError(f"Subset: indices must lie in [0, {n}) for a dataset of {n} "
                             f"samples, got range [{indices.min()}, {indices.max()}]")
        self.dataset = dataset
        self.indices = indices.astype(np.int64, copy=False)
        self.supports_batch_indexing = getattr(dataset, "supports_batch_indexing", False)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, (int, np.integer)):
            return self.dataset[int(self.indices[index])]
        return self.dataset[self.indices[index]]


@dataclass
class ArrayData:
    """A dataset in memory (or memory-mapped) with what a run needs to know about it.

    Parameters
    ----------
    X : numpy.ndarray
        Features, float32 (images as (N, C, H, W) or flat (N, D)); may be a memmap.
    y : numpy.ndarray, optional
        Targets, int64 class indices for classification, float32 for regression (shape
        (N,)), or None for unlabelled inputs.
    class_names : list of str, optional
        Class names (index i names class i), or None for regression.
    task : str
        "classification" or "regression".
    name : str
        A short dataset name ("digits", "fashion-mnist-train", a file name, ...).
    feature_names : list of str, optional
        Names of the columns of a flat X.
    role : str, optional
        None, or "train" / "val" / "test" when the data is one side of a split
        (`subset(split_indices)` sets it; scalers refuse to fit silently on val/test).

    Examples
    --------
    >>> import numpy as np
    >>> data = ArrayData(np.zeros((4, 3), np.float32), np.array([0, 1, 1, 0]), ["no", "yes"])
    >>> data.info()
    'data: X (4, 3) float32, y (4,) int64, classification, 2 classes'
    >>> X, y = data
    >>> data.subset([1, 2]).shape, data.n_features
    ((2, 3), 3)
    """

    X: np.ndarray
    y: Optional[np.ndarray] = None
    class_names: Optional[list[str]] = None
    task: str = "classification"
    name: str = "data"
    feature_names: Optional[list[str]] = None
    role: Optional[str] = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"ArrayData(task): expected one of {TASKS}, got {self.task!r}")
        if self.y is not None and len(self.y) != len(self.X):
            raise ValueError(f"ArrayData({self.name!r}): X has {len(self.X)} rows but y has "
                             f"{len(self.y)}")

    def __len__(self) -> int:
        return len(self.X)

    def __iter__(self) -> Iterator[Optional[np.ndarray]]:
        """Unpack as `X, y = data`."""
        return iter((self.X, self.y))

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of X: (N, D) for tabular data, (N, C, H, W) for images."""
        return tuple(self.X.shape)

    @property
    def n_samples(self) -> int:
        """Number of rows."""
        return len(self.X)

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """Shape of one input: (D,) or (C, H, W)."""
        return tuple(self.X.shape[1:])

    @property
    def n_features(self) -> int:
        """Number of input values per sample (the product of `sample_shape`)."""
        return int(np.prod(self.X.shape[1:], dtype=np.int64))

    @property
    def n_classes(self) -> Optional[int]:
        """Number of classes (None for regression)."""
        return None if self.class_names is None else len(self.class_names)

    def subset(self, indices: Any, name: Optional[str] = None) -> ArrayData:
        """The rows `indices`, keeping the metadata; a split's role tag is kept in `.role`."""
        role = getattr(indices, "role", None)
        indices = np.asarray(indices)
        X = self.X[indices]
        y = None if self.y is None else self.y[indices]
        suffix = f"[{role}]" if role else "[subset]"
        return ArrayData(X, y, self.class_names, self.task, name or self.name + suffix,
                         self.feature_names, role)

    def to_dataset(self) -> TensorDataset:
        """A `TensorDataset` over (X, y), or over (X,) when there are no targets."""
        return TensorDataset(self.X) if self.y is None else TensorDataset(self.X, self.y)

    def info(self) -> str:
        """One line: name, shapes, dtypes, task and class count."""
        y_part = "no targets" if self.y is None else f"y {tuple(self.y.shape)} {self.y.dtype}"
        classes = f", {self.n_classes} classes" if self.class_names is not None else ""
        return (f"{self.name}: X {self.shape} {self.X.dtype}, {y_part}, "
                f"{self.task}{classes}")
