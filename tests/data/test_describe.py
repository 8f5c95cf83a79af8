"""describe(): sizes, class balance, feature ranges and NaN/Inf counts, dict and text."""
import importlib

import numpy as np
import pytest

from nnforge.data import ArrayData, describe, load_arrays, load_iris, save_arrays

describe_module = importlib.import_module("nnforge.data.describe")


def test_iris_summary():
    d = describe(load_iris())
    assert d["n_samples"] == 150 and d["shape"] == [150, 4]
    assert d["class_counts"] == {"setosa": 50, "versicolor": 50, "virginica": 50}
    assert d["imbalance_ratio"] == 1.0 and d["nan_count"] == 0
    X = load_iris().X
    first = d["features"][0]
    assert first["name"] == "sepal length (cm)"
    assert first["min"] == pytest.approx(X[:, 0].min()) and first["max"] == pytest.approx(
        X[:, 0].max())
    assert first["std"] == pytest.approx(X[:, 0].astype(np.float64).std(), rel=1e-5)
    text = str(d)
    assert "setosa" in text and "150" in text and "NaN / Inf   0 / 0" in text


def test_nan_inf_counts_and_regression(monkeypatch):
    monkeypatch.setattr(describe_module, "_CHUNK_ROWS", 3)
    X = np.arange(20, dtype=np.float32).reshape(10, 2)
    X[1, 0], X[4, 1], X[7, 1] = np.nan, np.inf, -np.inf
    y = np.linspace(0, 1, 10).astype(np.float32)
    y[2] = np.nan
    d = describe(ArrayData(X, y, task="regression", name="r"))
    assert d["nan_count"] == 1 and d["inf_count"] == 2
    assert d["y_nan_count"] == 1
    assert d["features"][0]["nan"] == 1 and d["features"][1]["inf"] == 2
    assert d["features"][0]["min"] == 0 and d["features"][1]["max"] == 19
    assert d["target_range"] == [0.0, 1.0]
    assert "target" in d.to_text()


def test_images_and_memmap(tmp_path):
    X = np.zeros((8, 1, 4, 4), np.float32)
    X[0, 0, 0, 0] = 1.0
    save_arrays(tmp_path / "i.npz", X, np.array([0, 1] * 4))
    d = describe(load_arrays(tmp_path / "i.npz"))
    assert d["value_range"] == [0.0, 1.0] and "features" not in d
    assert d["class_counts"] == {"0": 4, "1": 4}


def test_imbalance_and_out_of_range_labels():
    data = ArrayData(np.zeros((6, 1), np.float32), np.array([0, 0, 0, 0, 1, 5]), ["a", "b"])
    d = describe(data)
    assert d["class_counts"] == {"a": 4, "b": 1} and d["imbalance_ratio"] == 4.0
    assert d["labels_outside_classes"] == 1
    with pytest.raises(ValueError, match="empty"):
        describe(np.zeros((0, 3)))
