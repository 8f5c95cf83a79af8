"""Rosenblatt's perceptron: converges on separable data, reports
non-convergence on XOR."""
import itertools
import warnings

import numpy as np
import pytest

from nnforge import nn

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([0, 1, 1, 0])


def test_learns_and_and_stops_at_the_first_clean_epoch():
    y = np.array([-1, -1, -1, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = nn.Perceptron(2, generator=0).fit(XOR_X, y)
    assert p.converged_ and p.errors_[-1] == 0 and all(e > 0 for e in p.errors_[:-1])
    assert p.n_epochs_ == len(p.errors_) < 100
    np.testing.assert_array_equal(p.predict(XOR_X), y)
    assert p.score(XOR_X, y) == 1.0
    assert "converged after" in p.message_


def test_rule_by_hand_one_update():
    """W <- W + lr (y - y_hat) X with the bias as a constant input, error 0 or +-2."""
    p = nn.Perceptron(2, lr=0.5, max_epochs=1, shuffle=False)
    with pytest.warns(nn.PerceptronConvergenceWarning):
        p.fit(np.array([[2.0, -1.0]]), np.array([1]))  # first epoch mistakes, then budget ends
    # score 0 -> predicted -1, error 2: w = 0.5 * 2 * (2, -1), b = 0.5 * 2 * 1
    np.testing.assert_allclose(p.weight.data, [[2.0, -1.0]])
    np.testing.assert_allclose(p.bias.data, [1.0])


def test_xor_does_not_converge_and_says_why():
    p = nn.Perceptron(2, max_epochs=50, generator=0)
    with pytest.warns(nn.PerceptronConvergenceWarning,
                      match=r"did not converge in 50 epochs.*not linearly separable"):
        p.fit(XOR_X, XOR_Y)
    assert not p.converged_ and p.n_epochs_ == 50 and min(p.errors_) > 0
    assert p.score(XOR_X, XOR_Y) < 1.0


def test_n3_no_threshold_unit_fits_xor():
    """XOR: a grid over w1, w2, b in [-3, 3] (121 values each) has no solution of the four
    constraints — the reason the perceptron above cannot converge."""
    grid = np.linspace(-3, 3, 121)
    w1, w2, b = np.meshgrid(grid, grid, grid, indexing="ij")
    fire = lambda x1, x2: w1 * x1 + w2 * x2 + b > 0
    ok = ~fire(0, 0) & fire(0, 1) & fire(1, 0) & ~fire(1, 1)
    assert not ok.any()


def test_forward_and_validation():
    p = nn.Perceptron(3)
    p.weight.data[...] = [[1.0, -1.0, 0.5]]
    np.testing.assert_array_equal(p(np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]])).data,
                                  [[1], [-1]])
    with pytest.raises(ValueError, match=r"Perceptron\(in_features=3\): X must have shape"):
        p.fit(np.zeros((4, 2)), np.ones(4))
    with pytest.raises(ValueError, match=r"labels must be -1/\+1 \(or 0/1\), got \[0, 1, 2\]"):
        p.fit(np.zeros((3, 3)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="lr must be positive"):
        nn.Perceptron(2, lr=0)


def test_xor_example_runs_and_the_mlp_solves_it(capsys):
    """examples/xor.py: perceptron fails, the MLP succeeds."""
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).parents[2] / "examples" / "xor.py"
    spec = importlib.util.spec_from_file_location("xor_example", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    assert not example.perceptron_fails().converged_
    np.testing.assert_array_equal(example.mlp_learns(steps=1500, seed=3), [0, 1, 1, 0])
    assert "did not converge" in capsys.readouterr().out


def test_forward_agrees_with_predict_unfitted_fitted_and_on_the_boundary():
    X = np.array([[0.0, 0.0], [1.0, 2.0], [-3.0, 0.5], [2.0, -2.0]])
    p = nn.Perceptron(2)                                   # unfitted: every score is 0
    np.testing.assert_array_equal(p.predict(X), [-1, -1, -1, -1])
    np.testing.assert_array_equal(p(X).data, [[-1.0], [-1.0], [-1.0], [-1.0]])
    p.weight.data[...] = [[1.0, 1.0]]                      # score of the last row is exactly 0
    np.testing.assert_array_equal(p(X).data[:, 0], p.predict(X))
    np.testing.assert_array_equal(p(X).data[:, 0], [-1, 1, -1, -1])
    fitted = nn.Perceptron(2, generator=0).fit(XOR_X, np.array([0, 0, 0, 1]))   # AND, 0/1
    signs = fitted(XOR_X).data[:, 0]
    np.testing.assert_array_equal(np.where(signs > 0, 1, 0), fitted.predict(XOR_X))
    assert not fitted(XOR_X).requires_grad
