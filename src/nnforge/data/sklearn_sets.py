"""scikit-learn's bundled datasets (shipped inside the package, so they load offline) as
`ArrayData`: digits, iris, wine and breast cancer (classification) and diabetes
(regression). scikit-learn is imported only when one of these is called.
"""
from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import Any, Optional

import numpy as np

from .dataset import ArrayData


def _datasets(caller: str) -> ModuleType:
    try:
        from sklearn import datasets
    except ImportError:
        raise ImportError(f"{caller}() needs scikit-learn, which is not installed; install it "
                          "with `pip install nnforge[sklearn]`") from None
    return datasets


def _classification(bunch: Any, name: str, class_names: Optional[Sequence[str]] = None
                    ) -> ArrayData:
    names = list(class_names if class_names is not None else
                 [str(c) for c in bunch.target_names])
    features = getattr(bunch, "feature_names", None)
    feature_names = None if features is None else [str(f) for f in features]
    return ArrayData(np.ascontiguousarray(bunch.data, dtype=np.float32),
                     np.ascontiguousarray(bunch.target, dtype=np.int64), names,
                     "classification", name, feature_names)


def load_digits() -> ArrayData:
    """8x8 handwritten digits: X (1797, 64) float32 with pixel counts 0..16 (not scaled),
    y int64 0..9, class names "0".."9"."""
    bunch = _datasets("load_digits").load_digits()
    return _classification(bunch, "digits", [str(d) for d in range(10)])


def load_iris() -> ArrayData:
    """Fisher's iris: X (150, 4) float32 in cm, 3 classes (setosa, versicolor, virginica)."""
    return _classification(_datasets("load_iris").load_iris(), "iris")


def load_wine() -> ArrayData:
    """Wine recognition: X (178, 13) float32 (unscaled chemistry), 3 cultivars."""
    return _classification(_datasets("load_wine").load_wine(), "wine")


def load_breast_cancer() -> ArrayData:
    """Wisconsin breast cancer: X (569, 30) float32, classes ("malignant", "benign")."""
    return _classification(_datasets("load_breast_cancer").load_breast_cancer(),
                           "breast_cancer")


def load_diabetes() -> ArrayData:
    """Diabetes progression (regression): X (442, 10) float32 (already mean-centred and
    scaled by scikit-learn), y float32 (N,) disease progression after one year."""
    bunch = _datasets("load_diabetes").load_diabetes()
    return ArrayData(np.ascontiguousarray(bunch.data, dtype=np.float32),
                     np.ascontiguousarray(bunch.target, dtype=np.float32), None, "regression",
                     "diabetes", [str(f) for f in bunch.feature_names])
