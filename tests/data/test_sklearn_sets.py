"""scikit-learn's bundled sets as ArrayData, offline, with the agreed dtypes."""
import subprocess
import sys

import numpy as np
import pytest

from nnforge.data import (load_breast_cancer, load_diabetes, load_digits, load_iris,
                          load_wine)


@pytest.mark.parametrize("load, shape, n_classes", [
    (load_digits, (1797, 64), 10), (load_iris, (150, 4), 3), (load_wine, (178, 13), 3),
    (load_breast_cancer, (569, 30), 2)])
def test_classification_sets(load, shape, n_classes):
    data = load()
    assert data.X.shape == shape and data.X.dtype == np.float32
    assert data.y.dtype == np.int64 and data.task == "classification"
    assert len(data.class_names) == n_classes
    np.testing.assert_array_equal(np.unique(data.y), np.arange(n_classes))
    assert len(data.feature_names) == shape[1]


def test_digits_details():
    data = load_digits()
    assert data.class_names == [str(d) for d in range(10)] and data.name == "digits"
    assert data.X.min() == 0 and data.X.max() == 16


def test_diabetes_is_regression():
    data = load_diabetes()
    assert data.X.shape == (442, 10) and data.task == "regression"
    assert data.y.dtype == np.float32 and data.class_names is None


def test_scikit_learn_is_imported_lazily():
    code = ("import sys, nnforge.data; assert 'sklearn' not in sys.modules; "
            "nnforge.data.load_iris(); assert 'sklearn' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
