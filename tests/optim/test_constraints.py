"""The max-norm constraint equals Keras's formula and torch.renorm, in place, and the Trainer
callback keeps every unit inside the ball during training."""
import numpy as np
import pytest
import torch

from nnforge import nn
from nnforge.optim import SGD, MaxNorm, max_norm_
from nnforge.optim.constraints import constrained_weights, unit_norms
from nnforge.nn.parameter import Parameter
from nnforge.train import MaxNormConstraint, Trainer


def _weights(shape, dtype=np.float64, seed=0, scale=2.0):
    return np.random.default_rng(seed).normal(scale=scale, size=shape).astype(dtype)


def _keras_max_norm(w, c, axis):
    """Keras's MaxNorm by hand: w * clip(norm, 0, c) / (eps + norm), norms over `axis`."""
    norms = np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))
    return w * (np.clip(norms, 0, c) / (1e-7 + norms))


@pytest.mark.parametrize("shape, dim", [((6, 5), 0), ((6, 5), 1), ((4, 3, 2, 2), 0),
                                        ((4, 3, 2, 2), 1), ((5, 7), -1)])
@pytest.mark.parametrize("max_value", [0.5, 3.0, 100.0])
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-6)])
def test_max_norm_equals_torch_renorm(shape, dim, max_value, dtype, tol):
    w = _weights(shape, dtype)
    p = Parameter(w.copy())
    max_norm_(p, max_value, dim=dim)
    expected = torch.renorm(torch.from_numpy(w), 2, dim, max_value).numpy()
    np.testing.assert_allclose(p.numpy(), expected, rtol=tol, atol=tol)
    assert p.numpy().dtype == dtype


@pytest.mark.parametrize("max_value", [0.5, 2.0, 6.0])
def test_linear_weight_rows_match_keras_formula(max_value):
    # PyTorch's Linear weight is (out, in): unit i's incoming vector is row i, which is
    # Keras's kernel (in, out) reduced over axis 0, i.e. our rows reduced over axis 1.
    w = _weights((8, 5), seed=1) * np.geomspace(0.02, 2.0, 8)[:, None]   # norms ~0.1..9
    p = Parameter(w.copy())
    max_norm_(p, max_value)
    keras = _keras_max_norm(w.T, max_value, axis=0).T
    n = np.sqrt((w ** 2).sum(axis=1))
    inside = n <= max_value
    assert inside.any() and (~inside).any()                 # both cases are exercised
    np.testing.assert_allclose(p.numpy()[~inside], keras[~inside], rtol=1e-12)
    # inside the ball Keras still multiplies by n / (n + 1e-7); we leave the unit untouched
    np.testing.assert_array_equal(p.numpy()[inside], w[inside])
    np.testing.assert_allclose(p.numpy()[inside],
                               keras[inside] * ((n + 1e-7) / n)[inside, None], rtol=1e-12)
    assert np.all(unit_norms(p) <= max_value * (1 + 1e-12))


def test_conv_filters_match_keras_formula():
    w = _weights((4, 3, 3, 3), seed=2)                        # (out, in, kh, kw)
    p = Parameter(w.copy())
    MaxNorm(4.0)(p)
    keras_kernel = w.transpose(2, 3, 1, 0)                    # Keras: (kh, kw, in, out)
    expected = _keras_max_norm(keras_kernel, 4.0, axis=(0, 1, 2)).transpose(3, 2, 0, 1)
    np.testing.assert_allclose(p.numpy(), expected, rtol=1e-6)   # all filters are outside


def test_module_constrains_weight_matrices_only_and_in_place():
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.BatchNorm1d(6), nn.Linear(6, 3))
    for p in model.parameters():
        p.numpy()[...] = _weights(p.numpy().shape, p.numpy().dtype, seed=p.numpy().size, scale=5.0)
    before = {name: p.numpy().copy() for name, p in model.named_parameters()}
    arrays = {name: p.numpy() for name, p in model.named_parameters()}
    largest = max_norm_(model, 1.5)
    assert [p.numpy().shape for p in constrained_weights(model)] == [(6, 4), (3, 6)]
    for name, p in model.named_parameters():
        assert p.numpy() is arrays[name]                          # optimizers keep their arrays
        if name in ("0.weight", "3.weight"):
            expected = torch.renorm(torch.from_numpy(before[name]), 2, 0, 1.5).numpy()
            np.testing.assert_allclose(p.numpy(), expected, rtol=1e-6)
        else:
            np.testing.assert_array_equal(p.numpy(), before[name])
    assert largest == pytest.approx(max(unit_norms(before[k]).max()
                                        for k in ("0.weight", "3.weight")), rel=1e-6)


def test_max_norm_is_idempotent_and_returns_largest_norm_before():
    p = Parameter(np.array([[3.0, 4.0], [0.3, 0.4]]))
    assert max_norm_([p], 2.0) == pytest.approx(5.0)
    np.testing.assert_allclose(p.numpy(), [[1.2, 1.6], [0.3, 0.4]], rtol=1e-6)
    once = p.numpy().copy()
    assert max_norm_([p], 2.0) == pytest.approx(2.0, rel=1e-6)
    np.testing.assert_array_equal(p.numpy(), once)


@pytest.mark.parametrize("kwargs, error", [({"max_value": 0}, ValueError),
                                           ({"max_value": -1.0}, ValueError),
                                           ({"max_value": float("inf")}, ValueError),
                                           ({"max_value": True}, ValueError),
                                           ({"dim": 0.5}, TypeError)])
def test_bad_arguments_are_named(kwargs, error):
    with pytest.raises(error, match="max_value|dim"):
        MaxNorm(**kwargs)
    with pytest.raises(error, match="max_norm_"):
        max_norm_(Parameter(np.ones((2, 2))), **{"max_value": 1.0, **kwargs})


def test_missing_axis_and_non_tensor_are_rejected():
    with pytest.raises(ValueError, match=r"shape \(2, 2\) has no axis 3"):
        max_norm_(Parameter(np.ones((2, 2))), 1.0, dim=3)
    with pytest.raises(TypeError, match="item 0 is a ndarray"):
        max_norm_([np.ones((2, 2))], 1.0)


def test_trainer_callback_keeps_units_inside_the_ball():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 5)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    model = nn.Sequential(nn.Linear(5, 16, generator=rng), nn.ReLU(),
                          nn.Linear(16, 2, generator=rng))
    callback = MaxNormConstraint(0.3)
    trainer = Trainer(model, SGD(model.parameters(), lr=1.0, momentum=0.9),
                      nn.CrossEntropyLoss(), metrics=(), callbacks=[callback], generator=0)
    trainer.fit((X, y), epochs=3, batch_size=16, verbose=0)
    for p in constrained_weights(model):
        assert unit_norms(p).max() <= 0.3 * (1 + 1e-6)
    assert callback.largest_norm > 0.3                        # the constraint had work to do
    unconstrained = nn.Sequential(nn.Linear(5, 16, generator=np.random.default_rng(0)),
                                  nn.ReLU(), nn.Linear(16, 2))
    Trainer(unconstrained, SGD(unconstrained.parameters(), lr=1.0, momentum=0.9),
            nn.CrossEntropyLoss(), metrics=(), generator=0).fit((X, y), epochs=3,
                                                                 batch_size=16, verbose=0)
    assert unit_norms(unconstrained[0].weight).max() > 0.3
