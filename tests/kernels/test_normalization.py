"""Batch-norm kernels equal their NumPy references (nnforge.autograd.normalization):
statistics, normalization and the backward, in training and evaluation mode."""
import numpy as np
from hypothesis import given, settings, strategies as st

from nnforge import kernels
from nnforge.autograd.normalization import batch_norm_backward, batch_statistics, normalize
from kernel_strategies import DTYPES, arrays

SHAPES = st.lists(st.integers(1, 5), min_size=0, max_size=2).flatmap(
    lambda rest: st.tuples(st.integers(2, 6), st.integers(1, 4)).map(lambda nc: nc + tuple(rest)))
TOL = {np.float32: 2e-5, np.float64: 1e-12}


def _close(ours, reference, dtype):
    assert ours.dtype == reference.dtype == dtype and ours.shape == reference.shape
    np.testing.assert_allclose(ours, reference, rtol=TOL[dtype], atol=TOL[dtype])


@settings(max_examples=50, deadline=None)
@given(SHAPES, DTYPES, st.integers(0, 2**31))
def test_statistics_equal_reference(shape, dtype, seed):
    x = arrays(seed, shape, dtype) * 3 + 1
    for ours, reference in zip(kernels.batch_statistics(x), batch_statistics.reference(x)):
        _close(ours, reference, dtype)


@settings(max_examples=50, deadline=None)
@given(SHAPES, DTYPES, st.integers(0, 2**31), st.booleans())
def test_normalize_equals_reference(shape, dtype, seed, with_bias):
    x = arrays(seed, shape, dtype)
    mean, scale = arrays(seed + 1, shape[1], dtype), arrays(seed + 2, shape[1], dtype)
    bias = arrays(seed + 3, shape[1], dtype) if with_bias else None
    for ours, reference in zip(kernels.normalize(x, mean, scale, bias),
                               normalize.reference(x, mean, scale, bias)):
        _close(ours, reference, dtype)


@settings(max_examples=50, deadline=None)
@given(SHAPES, DTYPES, st.integers(0, 2**31), st.booleans(), st.booleans())
def test_backward_equals_reference(shape, dtype, seed, batch_stats, input_grad):
    grad, centered = arrays(seed, shape, dtype), arrays(seed + 1, shape, dtype)
    invstd = np.abs(arrays(seed + 2, shape[1], dtype)) + 0.5
    scale = arrays(seed + 3, shape[1], dtype)
    ours = kernels.batch_norm_backward(grad, centered, invstd, scale, batch_stats, input_grad)
    reference = batch_norm_backward.reference(grad, centered, invstd, scale, batch_stats,
                                              input_grad)
    assert (ours[0] is None) == (reference[0] is None) == (not input_grad)
    for a, b in zip(ours, reference):
        if b is not None:
            _close(a, b, dtype)
