"""PCA and ZCA whitening: identity covariance on the training data, ZCA the closest
whitening to its input, scikit-learn's PCA(whiten=True) reproduced, float32 kept, state
dicts, chunked fitting and the leakage guard."""
import warnings

import numpy as np
import pytest

from nnforge.data import (SCALERS, DataLeakageWarning, PCAWhitening, StandardScaler,
                          ZCAWhitening, make_scaler, train_val_test_split)
from nnforge.data import scaler_base


def correlated(n=400, d=5, seed=0, dtype=np.float64):
    """Strongly correlated features with very different scales and a non-zero mean."""
    rng = np.random.default_rng(seed)
    mixing = rng.standard_normal((d, d)) * np.array([3.0, 1.0, 0.3, 10.0, 0.05])
    return (rng.standard_normal((n, d)) @ mixing + rng.uniform(-5, 5, d)).astype(dtype)


def covariance(Z):
    centred = Z - Z.mean(axis=0)
    return centred.T @ centred / len(Z)


@pytest.mark.parametrize("cls", [PCAWhitening, ZCAWhitening])
def test_whitened_training_data_have_zero_mean_and_identity_covariance(cls):
    X = correlated()
    assert np.abs(covariance(X) - np.diag(np.diag(covariance(X)))).max() > 1.0   # correlated
    Z = cls(eps=0).fit_transform(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-10)
    np.testing.assert_allclose(covariance(Z), np.eye(5), atol=1e-10)
    scaler = cls(eps=0.01)                      # eps shrinks each variance to v / (v + eps)
    Z = scaler.fit_transform(X)
    shrink = scaler.explained_variance_ / (scaler.explained_variance_ + 0.01)
    U = scaler.components_.T
    expected = np.diag(shrink) if cls is PCAWhitening else U @ np.diag(shrink) @ U.T
    np.testing.assert_allclose(covariance(Z), expected, atol=1e-10)
    assert shrink.min() < 0.9


@pytest.mark.parametrize("cls", [PCAWhitening, ZCAWhitening])
def test_held_out_rows_use_the_training_statistics_and_inverse_round_trips(cls):
    X = correlated(n=600)
    train, val, test = train_val_test_split(len(X), seed=0)
    scaler = cls().fit(X, rows=train)
    np.testing.assert_allclose(scaler.transform(X[val]),
                               cls().fit(X[train]).transform(X[val]), atol=1e-12)
    assert np.abs(covariance(scaler.transform(X[test])) - np.eye(5)).max() > 1e-3
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(X[test])), X[test],
                               rtol=1e-9, atol=1e-9)


def test_zca_is_the_whitening_closest_to_its_input():
    X = correlated()
    centred = X - X.mean(axis=0)
    zca = ZCAWhitening(eps=0).fit_transform(X)
    pca = PCAWhitening(eps=0).fit_transform(X)
    zca_distance = np.mean(np.sum((zca - centred) ** 2, axis=1))
    assert zca_distance < np.mean(np.sum((pca - centred) ** 2, axis=1))
    rng = np.random.default_rng(1)
    for _ in range(20):                           # any rotation of white data is white too
        q, _ = np.linalg.qr(rng.standard_normal((5, 5)))
        rotated = zca @ q
        np.testing.assert_allclose(covariance(rotated), np.eye(5), atol=1e-9)
        assert zca_distance < np.mean(np.sum((rotated - centred) ** 2, axis=1))
    # ZCA is symmetric (no rotation away from the input axes); PCA sorts by variance
    W = ZCAWhitening(eps=0).fit(X)._whitening_matrices(np.dtype(np.float64))[0]
    np.testing.assert_allclose(W, W.T, atol=1e-12)
    assert np.all(np.diff(PCAWhitening().fit(X).explained_variance_) <= 0)


def test_pca_whitening_matches_scikit_learn_up_to_sign_and_ddof():
    from sklearn.decomposition import PCA

    X = correlated(n=300)
    ours = PCAWhitening(eps=0).fit(X)
    theirs = PCA(whiten=True).fit(X)
    n = len(X)
    np.testing.assert_allclose(ours.explained_variance_ * n / (n - 1),
                               theirs.explained_variance_, rtol=1e-9)
    signs = np.sign(np.sum(ours.components_ * theirs.components_, axis=1))
    np.testing.assert_allclose(ours.components_ * signs[:, None], theirs.components_,
                               atol=1e-9)
    # scikit-learn divides by the ddof=1 std; ours by the population (ddof=0) std
    np.testing.assert_allclose(ours.transform(X) * signs * np.sqrt((n - 1) / n),
                               theirs.transform(X), atol=1e-9)


def test_components_are_deterministic_and_eigenvectors_of_the_covariance():
    X = correlated()
    a, b = PCAWhitening().fit(X), PCAWhitening().fit(X[::-1].copy())
    np.testing.assert_allclose(a.components_, b.components_, atol=1e-10)
    cov = covariance(X)
    for value, vector in zip(a.explained_variance_, a.components_):
        np.testing.assert_allclose(cov @ vector, value * vector, atol=1e-8 * value + 1e-10)
        assert vector[np.argmax(np.abs(vector))] > 0


@pytest.mark.parametrize("cls", [PCAWhitening, ZCAWhitening])
def test_float32_kept_and_close_to_float64(cls):
    X = correlated()
    scaler = cls().fit(X)
    out = scaler.transform(X.astype(np.float32))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, scaler.transform(X), rtol=1e-4, atol=1e-4)
    assert scaler.transform(X.astype(np.int64)).dtype == np.float32


def test_chunked_fit_equals_one_block(monkeypatch):
    X = correlated(n=1000)
    whole = ZCAWhitening().fit(X)
    monkeypatch.setattr(scaler_base, "_CHUNK_ROWS", 64)
    chunked = ZCAWhitening().fit(X)
    np.testing.assert_allclose(chunked.mean_, whole.mean_, rtol=1e-12)
    np.testing.assert_allclose(chunked.explained_variance_, whole.explained_variance_,
                               rtol=1e-10)
    np.testing.assert_allclose(chunked.transform(X), whole.transform(X), atol=1e-9)


def test_eps_handles_constant_and_duplicate_features():
    X = correlated()
    X = np.hstack([X, np.full((len(X), 1), 3.0), X[:, :1] * 2])   # constant and collinear
    with pytest.raises(ValueError, match=r"ZCAWhitening.fit: the training covariance is "
                                         r"singular.*use eps > 0"):
        ZCAWhitening(eps=0).fit(X)
    Z = ZCAWhitening(eps=1e-3).fit_transform(X)
    assert np.isfinite(Z).all()
    np.testing.assert_allclose(Z[:, 5], 0, atol=1e-9)               # the constant feature
    for bad in (-1.0, "0.1", None, True):
        with pytest.raises(ValueError, match=r"PCAWhitening\(eps\): expected a number >= 0"):
            PCAWhitening(eps=bad)


@pytest.mark.parametrize("cls", [PCAWhitening, ZCAWhitening])
def test_state_dict_round_trip(cls):
    X = correlated()
    fitted = cls(eps=0.01).fit(X)
    restored = cls().load_state_dict(fitted.state_dict())
    assert restored.eps == 0.01 and restored.n_features_in_ == 5
    np.testing.assert_allclose(restored.transform(X), fitted.transform(X), atol=1e-12)
    np.testing.assert_allclose(restored.inverse_transform(X), fitted.inverse_transform(X),
                               atol=1e-12)
    with pytest.raises(RuntimeError, match=r"ZCAWhitening.transform: this scaler is not "
                                           r"fitted yet"):
        ZCAWhitening().transform(X)
    with pytest.raises(ValueError, match=r"X has 3 features, but the scaler was fitted on 5"):
        fitted.transform(X[:, :3])


def test_leakage_guard_fires_on_held_out_rows_and_not_on_training_rows():
    X = correlated()
    train, val, _ = train_val_test_split(len(X), seed=0)
    with pytest.warns(DataLeakageWarning, match=r"NF-LEAK-001: ZCAWhitening.fit on val rows"):
        ZCAWhitening().fit(X, rows=val)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataLeakageWarning)
        PCAWhitening().fit(X, rows=train)
        PCAWhitening().fit(X[train])


def test_make_scaler_names():
    assert isinstance(make_scaler("zca"), ZCAWhitening)
    assert isinstance(make_scaler("pca"), PCAWhitening)
    assert isinstance(make_scaler("standard"), StandardScaler)
    assert make_scaler("none") is None
    assert sorted(SCALERS) == ["minmax", "pca", "standard", "zca"]
    with pytest.raises(ValueError, match="unknown scaler 'whiten'; expected one of standard"):
        make_scaler("whiten")


def test_config_scaler_key_builds_whitening_fitted_on_the_training_split():
    from nnforge.build import build_data
    from nnforge.config import parse_config

    raw = {"data": {"dataset": "iris", "scaler": "zca"},
           "model": {"layers": [{"type": "Linear", "in_features": 4, "out_features": 3}]}}
    config = parse_config(raw)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataLeakageWarning)
        train, val, test, scaler = build_data(config.data, config.seed)
    assert isinstance(scaler, ZCAWhitening)
    X = np.asarray(train.X, dtype=np.float64)
    np.testing.assert_allclose(covariance(X), np.eye(4), atol=1e-3)
    assert scaler.n_samples_seen_ == len(train.X)


def test_a_saved_run_restores_its_whitening_for_evaluate_and_predict(tmp_path):
    from nnforge.build import build_data, run_experiment
    from nnforge.config import parse_config
    from nnforge.cli.saved_run import load_run_model

    raw = {"data": {"dataset": "iris", "scaler": "pca"}, "train": {"epochs": 1},
           "model": {"layers": [{"type": "Linear", "in_features": 4, "out_features": 3}]}}
    summary = run_experiment(parse_config(raw), out_dir=tmp_path / "run", quiet=True)
    _, _, scaler, _ = load_run_model(summary["run_dir"])
    assert isinstance(scaler, PCAWhitening)
    fitted = build_data(parse_config(raw).data, 0)[3]
    X = np.random.default_rng(0).uniform(0, 8, size=(10, 4))
    np.testing.assert_allclose(scaler.transform(X), fitted.transform(X), rtol=1e-6,
                               atol=1e-6)
