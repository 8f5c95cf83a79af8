"""The datasets a config may name in `data.dataset`, each declaring what a run needs to
know about it: the `nnforge.data` function that loads it, whether that function generates
the data from a seed, and whether the dataset ships its own test set.

Code that treats datasets differently asks the declaration, never the loader's name.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import data

__all__ = ["DatasetSource", "DATASET_SOURCES", "dataset_source", "loader_function"]


@dataclass(frozen=True)
class DatasetSource:
    """How one dataset of a config is loaded.

    Parameters
    ----------
    loader : str
        The name of the `nnforge.data` function that loads it.
    generated : bool
        The loader draws the data (toy data): it takes a ``seed``, which defaults to the
        run's seed, and its columns are positions (x1, x2, ...) rather than named features.
    ships_test_set : bool
        The loader returns (train, test): the test split is the dataset's own.

    Examples
    --------
    >>> source = DATASET_SOURCES["xor"]
    >>> source.generated, source.ships_test_set
    (True, False)
    >>> len(source.function()(n_samples=8, seed=0))
    8
    """

    loader: str
    generated: bool = False
    ships_test_set: bool = False

    def function(self) -> Callable[..., Any]:
        """The loader function itself."""
        return getattr(data, self.loader)        # a name of this table, never user input


DATASET_SOURCES: dict[str, DatasetSource] = {
    "digits": DatasetSource("load_digits"),
    "iris": DatasetSource("load_iris"),
    "wine": DatasetSource("load_wine"),
    "breast_cancer": DatasetSource("load_breast_cancer"),
    "diabetes": DatasetSource("load_diabetes"),
    "fashion_mnist": DatasetSource("load_fashion_mnist", ships_test_set=True),
    "mnist": DatasetSource("load_mnist", ships_test_set=True),
    "csv": DatasetSource("load_csv"),
    "npz": DatasetSource("load_arrays"),
    "xor": DatasetSource("make_xor", generated=True),
    "spirals": DatasetSource("make_spirals", generated=True),
    "circles": DatasetSource("make_circles", generated=True),
    "blobs": DatasetSource("make_blobs", generated=True),
    "sine": DatasetSource("make_sine", generated=True),
}


def dataset_source(dataset: str) -> DatasetSource:
    """The declaration of `data.dataset` (one of the schema's DATASETS).

    Examples
    --------
    >>> dataset_source("mnist").ships_test_set
    True
    """
    return DATASET_SOURCES[dataset]


def loader_function(dataset: str) -> Callable[..., Any]:
    """The `nnforge.data` function that loads `data.dataset`.

    Parameters
    ----------
    dataset : str
        One of the schema's DATASETS ("digits" -> load_digits, "xor" -> make_xor,
        "npz" -> load_arrays).

    Returns
    -------
    callable

    Examples
    --------
    >>> loader_function("npz").__name__
    'load_arrays'
    """
    return dataset_source(dataset).function()
