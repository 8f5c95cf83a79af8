"""Numerical robustness: float32 training on badly scaled inputs stays finite with the
stable losses; softmax, log-softmax, sigmoid, cross-entropy and BCE-with-logits give no NaN
for finite inputs up to the float32 extremes; and ties and kinks (max-pooling windows,
ReLU at 0, clamp/hardtanh bounds, max/maximum ties) follow PyTorch's gradient conventions.
"""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import nnforge as nf
from nnforge import nn, optim
from nnforge.nn import functional as F
from nnforge.nn.pooling import MaxPool2d

F32_MAX = np.float32(3e38)
EXTREMES = np.array([[3e38, -3e38, 0.0, 1e4, -1e4, 1.0],
                     [-3e38, -3e38, -1e4, -3e38, 2.0, -1.0],
                     [1e4, 1e4, -1e4, 0.5, 1e4, 3e38],
                     [0.0, 1e-30, -1e-30, 1e-4, -1e-4, 0.0]], dtype=np.float32)


# --- training on scaled inputs --------------------------------------------------------------
def _blobs(scale, rng, classes=3, n=96, features=8):
    centres = rng.standard_normal((classes, features)) * 3
    y = rng.integers(0, classes, n)
    X = centres[y] + rng.standard_normal((n, features))
    return (X * scale).astype(np.float32), y


def _mlp(features, outputs, seed):
    return nn.Sequential(nn.Linear(features, 16, generator=seed), nn.ReLU(),
                         nn.Linear(16, 16, generator=seed + 1), nn.Tanh(),
                         nn.Linear(16, outputs, generator=seed + 2))


def _train(model, optimizer, loss_fn, X, target, steps=60):
    losses = []
    for step in range(steps):
        index = np.arange(step * 16, step * 16 + 16) % len(X)
        optimizer.zero_grad()
        loss = loss_fn(model(nf.tensor(X[index])), target[index])
        loss.backward()
        for name, p in model.named_parameters():
            assert p.grad.dtype == np.float32, f"{name}.grad became {p.grad.dtype}"
            assert np.all(np.isfinite(p.grad)), f"step {step}: {name}.grad is not finite"
        optimizer.step()
        losses.append(loss.item())
    for name, p in model.named_parameters():
        assert p.dtype == np.float32 and np.all(np.isfinite(p.data)), name
    assert np.all(np.isfinite(losses)), losses
    return losses


@pytest.mark.parametrize("scale", [1e4, 1e-4])
@pytest.mark.parametrize("optimizer", ["Adam", "SGD"])
def test_cross_entropy_training_stays_finite(scale, optimizer, rng):
    X, y = _blobs(scale, rng)
    model = _mlp(8, 3, seed=1)
    lr = 1e-2 if optimizer == "Adam" else 1e-3
    opt = getattr(optim, optimizer)(model.parameters(), lr=lr)
    losses = _train(model, opt, nn.CrossEntropyLoss(), X, y)
    if optimizer == "Adam":      # scale-free steps: it also learns
        assert np.mean(losses[-6:]) < np.mean(losses[:6])


@pytest.mark.parametrize("scale", [1e4, 1e-4])
@pytest.mark.parametrize("optimizer", ["Adam", "SGD"])
def test_bce_with_logits_training_stays_finite(scale, optimizer, rng):
    X, y = _blobs(scale, rng, classes=2)
    target = y[:, None].astype(np.float32)
    model = _mlp(8, 1, seed=4)
    lr = 1e-2 if optimizer == "Adam" else 1e-3
    opt = getattr(optim, optimizer)(model.parameters(), lr=lr)
    losses = _train(model, opt, nn.BCEWithLogitsLoss(), X, target)
    if optimizer == "Adam":
        assert np.mean(losses[-6:]) < np.mean(losses[:6])


# --- stable functions at the float32 extremes ------------------------------------------------
def _both(fn_ours, fn_torch, x, upstream=None):
    """Forward and backward in nnforge and torch (float32); returns the four arrays."""
    a = nf.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # numpy's overflow notes
        out, ref = fn_ours(a), fn_torch(t)
        g = np.ones(out.shape, np.float32) if upstream is None else upstream
        out.backward(g)
    ref.backward(torch.from_numpy(g))
    return out.data, ref.detach().numpy(), a.grad, t.grad.numpy()


def _assert_no_nan_and_matches(ours, theirs, what):
    assert not np.any(np.isnan(ours)), f"{what}: NaN in {ours}"
    assert ours.dtype == np.float32, f"{what}: dtype {ours.dtype}"
    np.testing.assert_array_equal(np.isinf(ours), np.isinf(theirs), err_msg=what)
    finite = np.isfinite(theirs)
    np.testing.assert_allclose(ours[finite], theirs[finite], rtol=1e-5, atol=1e-6,
                               err_msg=what)


@pytest.mark.parametrize("dim", [0, 1])
def test_softmax_is_finite_at_extremes(dim):
    out, ref, g, tg = _both(lambda a: F.softmax(a, dim=dim), lambda t: t.softmax(dim),
                            EXTREMES, upstream=np.linspace(-1, 1, EXTREMES.size,
                                                           dtype=np.float32).reshape(4, 6))
    assert np.all(np.isfinite(out)) and np.all((out >= 0) & (out <= 1))
    np.testing.assert_allclose(out.sum(axis=dim), 1, rtol=1e-6)
    assert np.all(np.isfinite(g))
    _assert_no_nan_and_matches(out, ref, "softmax")
    _assert_no_nan_and_matches(g, tg, "softmax gradient")


@pytest.mark.parametrize("dim", [0, 1])
def test_log_softmax_has_no_nan_at_extremes(dim):
    """log-softmax of 3e38 next to -3e38 is about -6e38, below float32's range: -inf is the
    right float32 answer (PyTorch's too); everything representable is finite and no NaN."""
    out, ref, g, tg = _both(lambda a: F.log_softmax(a, dim=dim), lambda t: t.log_softmax(dim),
                            EXTREMES)
    assert np.all(out <= 0)
    _assert_no_nan_and_matches(out, ref, "log_softmax")
    assert np.all(np.isfinite(g))
    _assert_no_nan_and_matches(g, tg, "log_softmax gradient")


def test_log_softmax_is_finite_within_range():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [88.0, 89.0, -104.0]], np.float32)
    out, ref, g, tg = _both(lambda a: F.log_softmax(a, dim=1), lambda t: t.log_softmax(1), x)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(g))
    _assert_no_nan_and_matches(out, ref, "log_softmax")
    _assert_no_nan_and_matches(g, tg, "log_softmax gradient")


def test_sigmoid_is_finite_at_extremes():
    x = np.concatenate([EXTREMES.ravel(), [-88.7, -103.0, 88.7, 100.0]]).astype(np.float32)
    out, ref, g, tg = _both(F.sigmoid, torch.sigmoid, x)
    assert np.all(np.isfinite(out)) and np.all((out >= 0) & (out <= 1))
    assert np.all(np.isfinite(g))
    _assert_no_nan_and_matches(out, ref, "sigmoid")
    _assert_no_nan_and_matches(g, tg, "sigmoid gradient")


@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_cross_entropy_has_no_nan_at_extremes(reduction):
    """Each target class in turn: the loss is finite whenever its true value fits in
    float32 (the target is the maximum, or within 1e4 of it), and the gradient always is."""
    for target in range(EXTREMES.shape[1]):
        y = np.full(EXTREMES.shape[0], target)
        out, ref, g, tg = _both(
            lambda a: F.cross_entropy(a, y, reduction=reduction),
            lambda t: TF.cross_entropy(t, torch.from_numpy(y), reduction=reduction),
            EXTREMES)
        _assert_no_nan_and_matches(out, ref, f"cross_entropy target {target}")
        assert np.all(np.isfinite(g)), f"target {target}: gradient {g}"
        _assert_no_nan_and_matches(g, tg, f"cross_entropy gradient target {target}")
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 3.0]], np.float32)
    y = np.array([1, 0])
    out, ref, g, tg = _both(lambda a: F.cross_entropy(a, y), lambda t: TF.cross_entropy(
        t, torch.from_numpy(y)), x)
    assert np.isfinite(out) and out == pytest.approx(2e4, rel=1e-6)
    _assert_no_nan_and_matches(g, tg, "cross_entropy gradient at 1e4")


@pytest.mark.parametrize("pos_weight", [None, 3.0])
def test_bce_with_logits_is_finite_at_extremes(pos_weight):
    x = EXTREMES.ravel()
    for y in (np.zeros_like(x), np.ones_like(x), np.full_like(x, 0.3)):
        pw = None if pos_weight is None else np.float32(pos_weight)
        out, ref, g, tg = _both(
            lambda a: F.binary_cross_entropy_with_logits(a, y, reduction="none",
                                                         pos_weight=pw),
            lambda t: TF.binary_cross_entropy_with_logits(
                t, torch.from_numpy(y), reduction="none",
                pos_weight=None if pw is None else torch.tensor(pw)), x)
        # |x| <= 3e38 and the loss is at most max(x, 0) * weight: finite up to 3e38
        representable = np.abs(x.astype(np.float64)) * (pos_weight or 1) < F32_MAX
        assert np.all(np.isfinite(out[representable])), out
        assert np.all(np.isfinite(g)), g
        _assert_no_nan_and_matches(out, ref, "bce_with_logits")
        _assert_no_nan_and_matches(g, tg, "bce_with_logits gradient")


# --- kinks and ties: PyTorch's gradient conventions -------------------------------------------
def _grads(fn_ours, fn_torch, *arrays):
    ours = [nf.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = fn_ours(*ours), fn_torch(*theirs)
    g = np.arange(1, out.numpy().size + 1, dtype=np.float64).reshape(out.shape)
    out.backward(g)
    ref.backward(torch.from_numpy(g))
    np.testing.assert_allclose(out.data, ref.detach().numpy())
    return [o.grad for o in ours], [t.grad.numpy() for t in theirs]


AT_ZERO = np.array([-1.0, 0.0, 1.0, 0.0, -0.0])
KINKS = [
    ("Tensor.relu", lambda a: a.relu(), lambda t: t.relu(), [AT_ZERO]),
    ("F.relu", F.relu, TF.relu, [AT_ZERO]),
    ("nn.ReLU", nn.ReLU(), torch.nn.ReLU(), [AT_ZERO]),
    ("leaky_relu", lambda a: F.leaky_relu(a, 0.2), lambda t: TF.leaky_relu(t, 0.2), [AT_ZERO]),
    ("elu", lambda a: F.elu(a, 0.5), lambda t: TF.elu(t, 0.5), [AT_ZERO]),
    ("hardtanh_bounds", lambda a: F.hardtanh(a, -1.0, 1.0),
     lambda t: TF.hardtanh(t, -1.0, 1.0), [np.array([-1.0, -0.5, 1.0, 2.0])]),
    ("clamp_bounds", lambda a: a.clamp(-1.0, 1.0), lambda t: t.clamp(-1.0, 1.0),
     [np.array([-1.0, -0.5, 1.0, 2.0])]),
    ("abs", lambda a: a.abs(), lambda t: t.abs(), [AT_ZERO]),
    ("maximum_tie", lambda a, b: a.maximum(b), torch.maximum,
     [np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0])]),
    ("minimum_tie", lambda a, b: a.minimum(b), torch.minimum,
     [np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0])]),
    ("max_all_tie", lambda a: a.max(), lambda t: t.max(),
     [np.array([[2.0, 1.0, 2.0], [0.0, 2.0, -1.0]])]),
    ("min_all_tie", lambda a: a.min(), lambda t: t.min(),
     [np.array([[2.0, -1.0, 2.0], [-1.0, 2.0, -1.0]])]),
    ("max_dim_tie", lambda a: a.max(1).values, lambda t: t.max(1).values,
     [np.array([[2.0, 1.0, 2.0], [3.0, 3.0, 3.0]])]),
    ("min_dim_tie_keepdim", lambda a: a.min(0, keepdim=True).values,
     lambda t: t.min(0, keepdim=True).values, [np.array([[2.0, 1.0], [2.0, 1.0]])]),
]


@pytest.mark.parametrize("name, ours, theirs, arrays", KINKS, ids=[k[0] for k in KINKS])
def test_gradient_conventions_at_kinks_and_ties(name, ours, theirs, arrays):
    got, expected = _grads(ours, theirs, *arrays)
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e, err_msg=name)


def test_relu_gradient_at_zero_is_zero():
    x = nf.tensor(np.zeros(4), requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros(4))


POOL_TIES = [
    # all-equal windows (constant input), non-overlapping and overlapping windows
    (np.ones((1, 1, 4, 4)), dict(kernel_size=2)),
    (np.ones((1, 1, 4, 4)), dict(kernel_size=3, stride=1)),
    (np.ones((1, 1, 5, 5)), dict(kernel_size=3, stride=2, padding=1)),
    (np.ones((1, 1, 5, 5)), dict(kernel_size=2, stride=1, dilation=2)),
    # a ReLU'd map: windows of zeros next to windows with one winner
    (np.maximum(np.array([[[[-1.0, -2.0, 3.0, 3.0], [-1.0, -0.5, 1.0, 3.0],
                            [0.0, 0.0, -2.0, 5.0], [0.0, -1.0, 5.0, 1.0]]]]), 0),
     dict(kernel_size=2)),
    # two channels, a tie on a row and one on a column inside the window
    (np.array([[[[1.0, 4.0, 4.0], [2.0, 4.0, 0.0], [4.0, 1.0, 1.0]],
                [[7.0, 0.0, 7.0], [7.0, 7.0, 0.0], [0.0, 0.0, 0.0]]]]),
     dict(kernel_size=2, stride=1)),
]


@pytest.mark.parametrize("x, kwargs", POOL_TIES)
def test_max_pool_ties_route_the_gradient_like_pytorch(x, kwargs):
    got, expected = _grads(MaxPool2d(**kwargs), torch.nn.MaxPool2d(**kwargs), x)
    np.testing.assert_array_equal(got[0], expected[0])


def test_max_pool_tie_after_relu_at_zero():
    """ReLU(0) then a pool over a window of zeros: the pool picks one zero, ReLU then
    blocks it, so the input gradient is 0 there in both libraries."""
    x = np.array([[[[0.0, 0.0], [0.0, -1.0]]]])
    got, expected = _grads(lambda a: MaxPool2d(2)(a.relu()),
                           lambda t: TF.max_pool2d(t.relu(), 2), x)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[0], np.zeros_like(x))
