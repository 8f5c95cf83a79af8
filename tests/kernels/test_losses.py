"""The fused softmax cross-entropy kernels equal their NumPy references
(nnforge.autograd.losses): losses, log-probabilities and the gradient with respect to the
logits, with class weights, ignored rows and label smoothing."""
import numpy as np
from hypothesis import given, settings, strategies as st

from nnforge import kernels
from nnforge.autograd.losses import softmax_cross_entropy, softmax_cross_entropy_backward
from kernel_strategies import DTYPES, arrays

TOL = {np.float32: 2e-5, np.float64: 1e-12}


def _case(seed, rows, classes, dtype, weighted, ignore):
    rng = np.random.default_rng(seed)
    logits = arrays(seed, (rows, classes), dtype) * 4
    target = rng.integers(0, classes, rows)
    valid = rng.random(rows) > 0.3 if ignore else np.ones(rows, bool)
    target = np.where(valid, target, 0)
    weight = (rng.random(classes) + 0.5).astype(dtype) if weighted else None
    picked = valid.astype(dtype) * (1 if weight is None else weight[target])
    return logits, target, valid, picked.astype(dtype), weight


def _close(ours, reference, dtype):
    assert ours.dtype == reference.dtype == dtype and ours.shape == reference.shape
    np.testing.assert_allclose(ours, reference, rtol=TOL[dtype], atol=TOL[dtype])


CASES = (st.integers(0, 2**31), st.integers(1, 9), st.integers(1, 12), DTYPES, st.booleans(),
         st.booleans(), st.sampled_from([0.0, 0.1, 0.35, 1.0]))


@settings(max_examples=80, deadline=None)
@given(*CASES)
def test_forward_equals_reference(seed, rows, classes, dtype, weighted, ignore, smoothing):
    args = _case(seed, rows, classes, dtype, weighted, ignore) + (smoothing,)
    for ours, reference in zip(kernels.softmax_cross_entropy(*args),
                               softmax_cross_entropy.reference(*args)):
        _close(ours, reference, dtype)


@settings(max_examples=80, deadline=None)
@given(*CASES)
def test_backward_equals_reference(seed, rows, classes, dtype, weighted, ignore, smoothing):
    logits, target, valid, picked, weight = _case(seed, rows, classes, dtype, weighted, ignore)
    _, logp = softmax_cross_entropy.reference(logits, target, valid, picked, weight, smoothing)
    scale = arrays(seed + 1, rows, dtype)
    args = (logp, target, valid, picked, weight, smoothing, scale)
    _close(kernels.softmax_cross_entropy_backward(*args),
           softmax_cross_entropy_backward.reference(*args), dtype)


def test_huge_logits_stay_finite_and_nan_propagates():
    logits = np.array([[1000.0, -1000.0, 0.0], [np.nan, 1.0, 2.0]], dtype=np.float32)
    args = (logits, np.array([0, 1]), np.ones(2, bool), np.ones(2, np.float32), None, 0.0)
    loss, logp = kernels.softmax_cross_entropy(*args)
    with np.errstate(invalid="ignore"):
        ref_loss, ref_logp = softmax_cross_entropy.reference(*args)
    np.testing.assert_allclose(loss[0], 0.0, atol=1e-6)
    np.testing.assert_array_equal(np.isnan(loss), np.isnan(ref_loss))
    np.testing.assert_array_equal(np.isnan(logp), np.isnan(ref_logp))


def test_integer_logits_fall_back():
    args = (np.ones((2, 3), np.int64), np.array([0, 1]), np.ones(2, bool), np.ones(2), None,
            0.0)
    assert kernels.softmax_cross_entropy(*args) is NotImplemented
