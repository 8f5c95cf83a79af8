"""Scalers against scikit-learn, fitted on train and applied to val/test with train
statistics; float32 kept; state dicts; and the NF-LEAK-001 leakage guard (fires when it
should, silent on correct use)."""
import warnings

import numpy as np
import pytest
from sklearn import preprocessing

from nnforge.data import (DataLeakageWarning, MinMaxScaler, StandardScaler, load_wine,
                          train_test_split, train_val_test_split)
from nnforge.data import scaler_base


def data(dtype=np.float64, n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(5, 3, size=(n, 6)) * np.array([1, 10, 0.01, 1e3, 1, 1])
    X[:, 4] = 7.25                                  # a constant feature
    return X.astype(dtype)


PAIRS = [(lambda: StandardScaler(), lambda: preprocessing.StandardScaler()),
         (lambda: StandardScaler(with_mean=False),
          lambda: preprocessing.StandardScaler(with_mean=False)),
         (lambda: MinMaxScaler(), lambda: preprocessing.MinMaxScaler()),
         (lambda: MinMaxScaler((-1, 1)), lambda: preprocessing.MinMaxScaler((-1, 1)))]


@pytest.mark.parametrize("ours, theirs", PAIRS)
def test_matches_scikit_learn_with_train_statistics(ours, theirs):
    X = data()
    train, val, test = train_val_test_split(len(X), seed=1)
    a = ours().fit(X[train])
    b = theirs().fit(X[train])
    for part in (train, val, test):
        np.testing.assert_allclose(a.transform(X[part]), b.transform(X[part]), rtol=1e-12,
                                   atol=1e-12)
    np.testing.assert_allclose(a.inverse_transform(a.transform(X[val])), X[val], rtol=1e-12)
    np.testing.assert_allclose(a.scale_, b.scale_, rtol=1e-12)
    # val statistics are not re-estimated: transformed val data are not exactly standard
    if isinstance(a, StandardScaler) and a.with_mean:
        assert np.abs(a.transform(X[val]).mean(0)[:4]).max() > 1e-3


def test_zero_variance_feature_like_scikit_learn():
    X = data()
    z = StandardScaler().fit_transform(X)
    assert np.all(z[:, 4] == 0) and StandardScaler().fit(X).scale_[4] == 1.0
    m = MinMaxScaler((2, 3)).fit_transform(X)
    np.testing.assert_array_equal(m[:, 4], 2.0)
    np.testing.assert_allclose(m, preprocessing.MinMaxScaler((2, 3)).fit_transform(X),
                               atol=1e-12)


@pytest.mark.parametrize("cls", [StandardScaler, MinMaxScaler])
def test_float32_preserved_and_close_to_float64(cls):
    X = data(np.float32)
    out = cls().fit(X).transform(X)
    assert out.dtype == np.float32
    ref = cls().fit(X.astype(np.float64)).transform(X.astype(np.float64))
    np.testing.assert_allclose(out, ref, atol=1e-4)
    assert cls().fit(X).inverse_transform(out).dtype == np.float32


def test_chunked_fit_equals_one_pass(monkeypatch):
    X = data(n=1000)
    whole = StandardScaler().fit(X)
    monkeypatch.setattr(scaler_base, "_CHUNK_ROWS", 37)
    chunked = StandardScaler().fit(X)
    np.testing.assert_allclose(chunked.mean_, whole.mean_, rtol=1e-12)
    np.testing.assert_allclose(chunked.var_, whole.var_, rtol=1e-10)
    mm = MinMaxScaler().fit(X)
    np.testing.assert_array_equal(mm.data_min_, X.min(0))


def test_fit_rows_equals_fit_on_the_rows():
    X = data()
    train, _ = train_test_split(len(X))
    a = StandardScaler().fit(X, rows=train)
    b = StandardScaler().fit(X[train])
    np.testing.assert_array_equal(a.mean_, b.mean_)
    np.testing.assert_array_equal(a.scale_, b.scale_)


@pytest.mark.parametrize("cls", [StandardScaler, MinMaxScaler])
def test_state_dict_round_trip(cls):
    X = data()
    a = cls().fit(X[:200])
    state = a.state_dict()
    assert all(isinstance(v, np.ndarray) for v in state.values())
    b = cls().load_state_dict({k: v.tolist() for k, v in state.items()})
    np.testing.assert_array_equal(a.transform(X[200:]), b.transform(X[200:]))
    with pytest.raises(KeyError, match="missing keys"):
        cls().load_state_dict({})


def test_leakage_warning_fires_when_it_should():
    wine = load_wine()
    train, val, test = train_val_test_split(wine.y, stratify=True)
    for rows in (val, test):
        with pytest.warns(DataLeakageWarning, match="NF-LEAK-001.*StandardScaler.fit on "
                                                    f"{rows.role} rows"):
            StandardScaler().fit(wine.X, rows=rows)
    with pytest.warns(DataLeakageWarning, match="NF-LEAK-001"):
        MinMaxScaler().fit(wine.subset(test))
    # an ArrayData that was split: fitting on all of its X includes val/test rows
    train_val_test_split(wine)
    with pytest.warns(DataLeakageWarning, match="NF-LEAK-001.*all 178 rows"):
        StandardScaler().fit(wine.X)
    with pytest.warns(DataLeakageWarning, match="NF-LEAK-001"):
        StandardScaler().fit(wine.X[:])                   # a full view is the same rows


def test_leakage_warning_silent_on_correct_use():
    wine = load_wine()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train, val, test = train_val_test_split(wine, stratify=True)
        scaler = StandardScaler().fit(wine.X, rows=train)
        StandardScaler().fit(wine.X[train])
        MinMaxScaler().fit(wine.subset(train))
        scaler.transform(wine.X[val])
        scaler.transform(wine.X[test])
        StandardScaler().fit(load_wine().X)               # never split: nothing to leak
        StandardScaler().fit(wine.X[:100])                # a slice is not the split array


@pytest.mark.parametrize("call, error, message", [
    (lambda: StandardScaler().transform(np.zeros((2, 2))), RuntimeError, "not fitted yet"),
    (lambda: StandardScaler().fit(np.zeros((4, 3))).transform(np.zeros((2, 2))), ValueError,
     "X has 2 features, but the scaler was fitted on 3"),
    (lambda: StandardScaler().fit(np.array([[1.0, np.nan]])), ValueError,
     "NaN or Inf .*feature 1"),
    (lambda: MinMaxScaler((1, 0)), ValueError, r"feature_range"),
    (lambda: StandardScaler().fit(np.zeros(5)), ValueError, r"expected a 2-d array"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_state_dict_before_fit_is_an_error():
    with pytest.raises(RuntimeError, match=r"MinMaxScaler.state_dict: this scaler is not "
                                           r"fitted yet"):
        MinMaxScaler().state_dict()
