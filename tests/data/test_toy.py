"""Toy generators: seeded, typed, and shaped the way their names promise."""
import numpy as np
import pytest

from nnforge.data import make_blobs, make_circles, make_sine, make_spirals, make_xor

MAKERS = [make_xor, make_spirals, make_circles, make_blobs, make_sine]


@pytest.mark.parametrize("make", MAKERS)
def test_seeded_and_typed(make):
    a = make(n_samples=101, seed=4)
    b = make(n_samples=101, generator=np.random.default_rng(4))
    c = make(n_samples=101, seed=5)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)
    assert a.X.dtype == np.float32 and len(a.X) == len(a.y) == 101
    if a.task == "classification":
        assert a.y.dtype == np.int64 and a.class_names and a.y.max() < len(a.class_names)
    else:
        assert a.y.dtype == np.float32 and a.class_names is None
    with pytest.raises(ValueError, match="either generator= or seed="):
        make(seed=1, generator=1)
    with pytest.raises(ValueError, match=r"\(n_samples\)"):
        make(n_samples=0)


def test_xor_labels_are_the_xor_of_the_signs():
    data = make_xor(400, noise=0.1, seed=0)
    positive = data.X > 0
    np.testing.assert_array_equal(data.y, positive[:, 0] ^ positive[:, 1])


def test_circles_radii_and_balance():
    data = make_circles(400, noise=0.0, factor=0.3, seed=0)
    radius = np.linalg.norm(data.X, axis=1)
    np.testing.assert_allclose(radius[data.y == 0], 1.0, rtol=1e-6)
    np.testing.assert_allclose(radius[data.y == 1], 0.3, rtol=1e-6)
    assert np.bincount(data.y).tolist() == [200, 200]


def test_spirals_are_two_classes_within_the_unit_disc():
    data = make_spirals(300, noise=0.0, seed=0)
    assert np.linalg.norm(data.X, axis=1).max() <= 1.0 + 1e-6
    assert np.bincount(data.y).tolist() == [150, 150]


def test_blobs_bad_std_names_the_argument():
    with pytest.raises(ValueError, match=r"make_blobs\(cluster_std\)"):
        make_blobs(10, cluster_std=-1.0)


def test_blobs_are_linearly_separable_for_distinct_centres():
    data = make_blobs(200, centers=[[-5, 0], [5, 0]], cluster_std=1.0, seed=0)
    assert np.all((data.X[:, 0] > 0) == (data.y == 1))
    assert make_blobs(30, centers=3, n_features=4, seed=1).X.shape == (30, 4)


def test_sine_follows_the_curve():
    data = make_sine(500, noise=0.0, seed=0)
    np.testing.assert_allclose(data.y, np.sin(data.X[:, 0]), atol=1e-6)
    assert data.X.shape == (500, 1) and data.task == "regression"
