"""ReLU and LeakyReLU kernels equal their NumPy references (nnforge.autograd.activations)."""
import numpy as np
from hypothesis import given, settings, strategies as st

from nnforge import kernels
from nnforge.autograd.activations import (leaky_relu, leaky_relu_backward, relu,
                                          relu_backward)
from kernel_strategies import DTYPES, arrays

SHAPES = st.lists(st.integers(1, 6), min_size=0, max_size=4).map(tuple)


def _input(seed, shape, dtype):
    x = arrays(seed, shape, dtype)
    x[np.random.default_rng(seed).random(shape) < 0.2] = 0       # exact zeros: the kink
    if x.size:
        x.reshape(-1)[0] = np.nan
    return x


@settings(max_examples=60, deadline=None)
@given(SHAPES, DTYPES, st.integers(0, 2**31))
def test_relu_equals_reference(shape, dtype, seed):
    x = _input(seed, shape, dtype)
    ours, reference = kernels.relu(x), relu.reference(x)
    assert ours.dtype == reference.dtype == dtype and ours.shape == reference.shape
    np.testing.assert_array_equal(ours, reference)


@settings(max_examples=60, deadline=None)
@given(SHAPES, DTYPES, st.integers(0, 2**31))
def test_relu_backward_equals_reference(shape, dtype, seed):
    out = relu.reference(_input(seed, shape, dtype))
    grad = arrays(seed + 1, shape, dtype)
    ours, reference = kernels.relu_backward(grad, out), relu_backward.reference(grad, out)
    assert ours.dtype == reference.dtype == dtype and ours.shape == reference.shape
    np.testing.assert_array_equal(ours, reference)


def test_non_contiguous_and_mixed_dtypes_fall_back():
    x = np.ones((4, 4))[:, ::2]
    assert kernels.relu(x) is NotImplemented
    assert kernels.relu_backward(np.ones(3, np.float32), np.ones(3)) is NotImplemented


@settings(max_examples=60, deadline=None)
@given(SHAPES, DTYPES, st.integers(0, 2**31), st.floats(-2, 2))
def test_leaky_relu_equals_reference(shape, dtype, seed, slope):
    x = _input(seed, shape, dtype)
    (out, positive), (ref_out, ref_positive) = (kernels.leaky_relu(x, slope),
                                                leaky_relu.reference(x, slope))
    assert out.dtype == ref_out.dtype == dtype and positive.dtype == ref_positive.dtype
    np.testing.assert_array_equal(out, ref_out)
    np.testing.assert_array_equal(positive, ref_positive)
    grad = arrays(seed + 1, shape, dtype)
    np.testing.assert_array_equal(kernels.leaky_relu_backward(grad, positive, slope),
                                  leaky_relu_backward.reference(grad, positive, slope))


def test_a_list_input_goes_to_the_reference_under_either_backend():
    import nnforge.nn.functional as F
    from nnforge import set_backend, get_backend
    previous = get_backend()
    try:
        for backend in ("numpy", "numba"):
            set_backend(backend)
            assert F.relu([-1.0, 2.0]).tolist() == [0.0, 2.0], backend
    finally:
        set_backend(previous)
