"""The data of a run: the `[data]` section's dataset loaded, split into train, validation
and test parts (the one split training, `nnforge data describe` and the tuner share) and
scaled by a scaler fitted on the training rows only."""
import csv
from collections.abc import Sequence
from typing import TYPE_CHECKING, Optional, Protocol, Union, cast

import numpy as np

from . import data as D
from .config import ConfigError
from .config.datasets import dataset_source

if TYPE_CHECKING:                     # the schema needs pydantic
    from .config.schema import DataConfig

__all__ = ["split_data", "build_data", "target_column", "scale_rows", "RowScaler", "Splits"]

#: (train, val, test); val or test is None when its fraction is 0
Splits = tuple[D.ArrayData, Optional[D.ArrayData], Optional[D.ArrayData]]


class RowScaler(Protocol):
    """What a run needs of a scaler (`data.make_scaler`): fitted on rows of features, it
    transforms rows and saves its statistics.

    Examples
    --------
    >>> X = np.array([[1.0], [3.0]])
    >>> scaler: RowScaler = D.StandardScaler()
    >>> _ = scaler.fit(X)
    >>> scale_rows(scaler, X).ravel().tolist()
    [-1.0, 1.0]
    """

    def fit(self, X: np.ndarray) -> object: ...

    def transform(self, X: np.ndarray) -> np.ndarray: ...

    def state_dict(self) -> dict[str, np.ndarray]: ...


def _load_dataset(cfg: "DataConfig", seed: int
                  ) -> Union[D.ArrayData, tuple[D.ArrayData, D.ArrayData]]:
    """What the dataset's loader returns: an ArrayData, or (train, test) ArrayData for
    datasets that ship a test set (Fashion-MNIST, MNIST)."""
    source, options, name = dataset_source(cfg.dataset), dict(cfg.options), cfg.dataset
    load = source.function()
    if source.ships_test_set:
        return load(cfg.path, **options)
    if name == "csv":
        return load(cfg.path, target_column(cfg.path, cfg.target), task=cfg.task, **options)
    if name == "npz":
        return load(cfg.path, x_key=cfg.x_key, y_key=cfg.y_key, task=cfg.task, **options)
    if source.generated:
        options.setdefault("seed", seed)                   # toy data: drawn from the seed
    return load(**options)


def target_column(path: Optional[str], target: Union[str, int, None]
                  ) -> Union[str, int, None]:
    """The CSV's target column: `data.target` is its name, or its 0-based index."""
    if not isinstance(target, int) or isinstance(target, bool) or path is None:
        return target
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            header = next((row for row in csv.reader(f) if any(c.strip() for c in row)), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return str(target)                  # load_csv reports the unreadable file
    header = [h.strip() for h in header]
    if not -len(header) <= target < len(header):
        raise ConfigError(f"data.target: column index {target} is out of range for {path} "
                          f"({len(header)} columns: 0 to {len(header) - 1})")
    return header[target]


def _check_split_sizes(n: int, fractions: Sequence[float],
                       parts: Sequence[Optional[D.ArrayData]],
                       name: str) -> None:
    """Every part of `data.split` with a positive fraction got at least one row."""
    for label, fraction, part in zip(("train", "validation", "test"), fractions, parts):
        if fraction > 0 and part is None:
            raise ConfigError(f"data.split: {name} has {n} row{'s' if n != 1 else ''}, too "
                              f"few for the split "
                              f"{[round(f, 4) for f in fractions]}: the {label} part would be "
                              "empty; use more data or set its fraction to 0")


def scale_rows(scaler: RowScaler, X: np.ndarray) -> np.ndarray:
    """Scaler transform of image or tabular X (scalers see rows of features)."""
    return scaler.transform(X.reshape(len(X), -1)).reshape(X.shape)


def _flatten(part: D.ArrayData) -> D.ArrayData:
    """Images (N, C, H, W) as rows (N, C*H*W); other data unchanged."""
    if part.X.ndim <= 2:
        return part
    return D.ArrayData(part.X.reshape(len(part.X), -1), part.y, part.class_names, part.task,
                     part.name, part.feature_names)


def split_data(cfg: "DataConfig", seed: int) -> Splits:
    """(train, val, test) ArrayData splits of the `[data]` section, unscaled.

    The one split every consumer shares (training, `nnforge data describe`, the tuner's
    k-fold pool of train + val rows). `data.split` = (train, val, test) fractions of the
    whole set; a dataset that ships its own test set (Fashion-MNIST, MNIST) keeps it as
    the test split and divides its training set train : val in the ratio
    split[0] : split[1].

    Parameters
    ----------
    cfg : DataConfig
        The ``[data]`` section.
    seed : int
        The run's seed (toy data and the split are drawn from it unless
        ``data.split_seed`` is given).

    Returns
    -------
    tuple of ArrayData
        (train, val, test); val or test is None when its fraction is 0.
    """
    loaded = _load_dataset(cfg, seed)
    data, official_test = loaded if isinstance(loaded, tuple) else (loaded, None)
    if cfg.flatten:
        data = _flatten(data)
        official_test = None if official_test is None else _flatten(official_test)
    if data.y is None:
        raise ValueError(f"data: {data.name} has no targets to train on")
    split_seed = seed if cfg.split_seed is None else cfg.split_seed
    stratify = cfg.stratify and data.task == "classification"
    fractions = list(cfg.split)
    if official_test is not None:
        fractions = [fractions[0] / (fractions[0] + fractions[1]),
                     fractions[1] / (fractions[0] + fractions[1]), 0.0]
    train_idx, val_idx, test_idx = D.train_val_test_split(data.y, fractions=fractions,
                                                          seed=split_seed, stratify=stratify)
    train, val, test = (data.subset(i) if len(i) else None
                        for i in (train_idx, val_idx, test_idx))
    _check_split_sizes(len(data.y), fractions, (train, val, test), data.name)
    if official_test is not None:
        test = official_test
    # the schema keeps the train fraction positive, and the check above refused an empty part
    return cast(D.ArrayData, train), val, test


def build_data(cfg: "DataConfig", seed: int
               ) -> tuple[D.ArrayData, Optional[D.ArrayData], Optional[D.ArrayData],
                          Optional[RowScaler]]:
    """`split_data`'s splits, scaled by a scaler fitted on the training rows only.

    Parameters
    ----------
    cfg : DataConfig
        The ``[data]`` section.
    seed : int
        The run's seed.

    Returns
    -------
    tuple
        (train, val, test, scaler); the scaler is None for ``scaler = "none"``.
    """
    train, val, test = split_data(cfg, seed)
    scaler = D.make_scaler(cfg.scaler)
    if scaler is None:                              # scaler = "none"
        return train, val, test, None
    scaler.fit(np.asarray(train.X).reshape(len(train.X), -1))
    return (_scaled(train, scaler), None if val is None else _scaled(val, scaler),
            None if test is None else _scaled(test, scaler), scaler)


def _scaled(part: D.ArrayData, scaler: RowScaler) -> D.ArrayData:
    return D.ArrayData(scale_rows(scaler, np.asarray(part.X)), part.y, part.class_names,
                       part.task, part.name, part.feature_names, part.role)
