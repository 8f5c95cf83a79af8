"""Gradchecks (float64) of the fused loss Functions for every reduction and option."""
import numpy as np
import pytest

import nnforge as nf
from nnforge.autograd import gradcheck
from nnforge.autograd import losses as L

RNG = np.random.default_rng(0)
REDUCTIONS = ["mean", "sum", "none"]


def _t(array, grad=True):
    return nf.tensor(np.asarray(array, dtype=np.float64), requires_grad=grad)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, np.array([0.5, 2.0, 1.0])])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
def test_cross_entropy(reduction, weight, label_smoothing):
    logits = _t(RNG.standard_normal((4, 3)))
    target = np.array([0, 2, 1, 2])
    kwargs = dict(weight=weight, reduction=reduction, label_smoothing=label_smoothing)
    assert gradcheck(lambda z: L.CrossEntropy.apply(z, target, ignore_index=1, **kwargs), logits)
    probs = RNG.dirichlet(np.ones(3), size=4)
    assert gradcheck(lambda z: L.CrossEntropy.apply(z, probs, **kwargs), logits)
    spatial = _t(RNG.standard_normal((2, 3, 2)))
    assert gradcheck(lambda z: L.CrossEntropy.apply(z, np.array([[0, 1], [2, 2]]), **kwargs),
                     spatial)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, np.array([0.5, 2.0, 1.0])])
def test_nll_loss(reduction, weight):
    logp = _t(RNG.standard_normal((5, 3)))
    target = np.array([0, 2, 1, 2, 1])
    assert gradcheck(lambda x: L.NLLLoss.apply(x, target, weight=weight, ignore_index=2,
                                               reduction=reduction), logp)
    spatial = _t(RNG.standard_normal((2, 3, 2, 2)))
    assert gradcheck(lambda x: L.NLLLoss.apply(x, RNG.integers(0, 3, (2, 2, 2)) * 0 + 1,
                                               weight=weight, reduction=reduction), spatial)


def test_nll_loss_values_by_hand():
    logp = np.log(np.array([[0.2, 0.8], [0.6, 0.4]]))
    out = L.NLLLoss.apply(logp, np.array([1, 0]), weight=np.array([1.0, 3.0]))
    # mean weighted by the picked weights: (3 (-log 0.8) + 1 (-log 0.6)) / 4
    assert out.item() == pytest.approx((-3 * np.log(0.8) - np.log(0.6)) / 4)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(reduction):
    p = _t(RNG.uniform(0.1, 0.9, (3, 4)))
    y = _t(RNG.uniform(0, 1, (3, 4)))
    w = RNG.uniform(0.5, 2, (3, 4))
    assert gradcheck(lambda p, y: L.BinaryCrossEntropy.apply(p, y, weight=w,
                                                             reduction=reduction), p, y)


def test_binary_cross_entropy_finite_at_0_and_1():
    p = _t([0.0, 1.0, 1e-30])
    out = L.BinaryCrossEntropy.apply(p, np.array([1.0, 0.0, 1.0]), reduction="sum")
    out.backward()
    assert out.item() == pytest.approx(200 + 69.0775527898, rel=1e-9)
    assert np.all(np.isfinite(p.grad))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits(reduction):
    z = _t(RNG.standard_normal((3, 4)) * 3)
    y = _t(RNG.uniform(0, 1, (3, 4)))
    assert gradcheck(lambda z, y: L.BinaryCrossEntropyWithLogits.apply(
        z, y, weight=RNG.uniform(0.5, 2, (3, 4)) * 0 + 1.5, pos_weight=np.array([1, 2, .5, 3.]),
        reduction=reduction), z, y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_backends_agree(dtype, reduction):
    """The fused class-index path (a numba kernel or its NumPy reference) gives the same
    loss and logits gradient under both backends: spatial logits, class weights, an
    ignored class and label smoothing together."""
    pytest.importorskip("numba")
    rng = np.random.default_rng(5)
    logits = rng.standard_normal((3, 4, 2, 5)).astype(dtype) * 3
    target = rng.integers(0, 4, (3, 2, 5))
    weight = (rng.random(4) + 0.5).astype(dtype)
    results = {}
    for backend in ("numpy", "numba"):
        previous = nf.set_backend(backend)
        try:
            z = nf.tensor(logits, requires_grad=True)
            loss = L.CrossEntropy.apply(z, target, weight=weight, ignore_index=2,
                                        reduction=reduction, label_smoothing=0.15)
            loss.backward(np.ones(loss.shape, dtype))
            results[backend] = loss.numpy(), z.grad.numpy()
        finally:
            nf.set_backend(previous)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for a, b, what in zip(results["numpy"], results["numba"], ("loss", "gradient")):
        assert a.dtype == b.dtype == dtype
        np.testing.assert_allclose(b, a, rtol=tol, atol=tol, err_msg=f"{what}, numba vs numpy")
