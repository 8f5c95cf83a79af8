"""Max and average pooling kernels equal their NumPy references (nnforge.autograd.pooling);
max pooling including ties (first tap wins), NaN (propagates) and -inf padding."""
import numpy as np
from hypothesis import given, settings, strategies as st

from nnforge import kernels
from nnforge.autograd.pooling import (avg_pool2d, avg_pool2d_backward, max_pool2d,
                                      max_pool2d_backward)
from kernel_strategies import DTYPES, RTOL, arrays, window_geometries


def _input(seed, shape, dtype, style):
    x = arrays(seed, shape, dtype)
    if style == "ties":                  # few distinct values: many tied windows
        x = np.round(x).astype(dtype)
    elif style == "nan":
        x[np.random.default_rng(seed).random(shape) < 0.1] = np.nan
    elif style == "negative":            # everything below 0, so padding never wins
        x = -np.abs(x) - 1
    return x


@settings(max_examples=80, deadline=None)
@given(window_geometries(max_padding_half_kernel=True), DTYPES, st.integers(0, 2**31),
       st.sampled_from(["random", "ties", "nan", "negative"]))
def test_max_pool_forward_equals_reference(geometry, dtype, seed, style):
    x_shape, *rest = geometry
    x = _input(seed, x_shape, dtype, style)
    out, switches = kernels.max_pool2d(x, *rest)
    ref_out, ref_switches = max_pool2d.reference(x, *rest)
    assert out.dtype == ref_out.dtype == dtype and switches.dtype == ref_switches.dtype
    np.testing.assert_array_equal(out, ref_out)          # NaNs in the same places
    np.testing.assert_array_equal(switches, ref_switches)


@settings(max_examples=80, deadline=None)
@given(window_geometries(max_padding_half_kernel=True), DTYPES, st.integers(0, 2**31))
def test_max_pool_backward_equals_reference(geometry, dtype, seed):
    x_shape, *rest = geometry
    _, switches = max_pool2d.reference(_input(seed, x_shape, dtype, "ties"), *rest)
    grad = arrays(seed + 1, switches.shape, dtype)
    ours = kernels.max_pool2d_backward(grad, switches, x_shape, *rest)
    reference = max_pool2d_backward.reference(grad, switches, x_shape, *rest)
    assert ours.dtype == reference.dtype == dtype and ours.shape == reference.shape
    np.testing.assert_allclose(ours, reference, rtol=RTOL[dtype], atol=RTOL[dtype])


def test_integer_input_falls_back_to_the_reference():
    x = np.arange(16, dtype=np.int32).reshape(1, 1, 4, 4)
    assert kernels.max_pool2d(x, (2, 2), (2, 2), (0, 0), (1, 1)) is NotImplemented


@st.composite
def tiled_geometries(draw):
    """MaxPool2d(k) as networks use it: stride = kernel, no padding (the kernels' fast
    path), with sizes that do and do not divide the image."""
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 4)),
             draw(st.integers(k[0], 9)), draw(st.integers(k[1], 9)))
    return shape, k, k, (0, 0), (1, 1)


@settings(max_examples=60, deadline=None)
@given(tiled_geometries(), DTYPES, st.integers(0, 2**31),
       st.sampled_from(["random", "ties", "nan"]))
def test_tiled_windows_equal_reference(geometry, dtype, seed, style):
    x_shape, *rest = geometry
    x = _input(seed, x_shape, dtype, style)
    out, switches = kernels.max_pool2d(x, *rest)
    ref_out, ref_switches = max_pool2d.reference(x, *rest)
    np.testing.assert_array_equal(out, ref_out)
    np.testing.assert_array_equal(switches, ref_switches)
    grad = arrays(seed + 1, out.shape, dtype)
    np.testing.assert_array_equal(
        kernels.max_pool2d_backward(grad, switches, x_shape, *rest),
        max_pool2d_backward.reference(grad, switches, x_shape, *rest))


@settings(max_examples=60, deadline=None)
@given(window_geometries(max_padding_half_kernel=True), DTYPES, st.integers(0, 2**31),
       st.booleans())
def test_avg_pool_equals_reference(geometry, dtype, seed, count_include_pad):
    x_shape, kernel, stride, padding, _ = geometry          # average pooling: no dilation
    x = arrays(seed, x_shape, dtype)
    out, scale = kernels.avg_pool2d(x, kernel, stride, padding, count_include_pad)
    ref_out, ref_scale = avg_pool2d.reference(x, kernel, stride, padding, count_include_pad)
    assert out.dtype == ref_out.dtype == dtype and out.shape == ref_out.shape
    np.testing.assert_array_equal(scale, ref_scale)
    np.testing.assert_allclose(out, ref_out, rtol=RTOL[dtype], atol=RTOL[dtype])
    grad = arrays(seed + 1, out.shape, dtype)
    ours = kernels.avg_pool2d_backward(grad, scale, x_shape, kernel, stride, padding)
    reference = avg_pool2d_backward.reference(grad, scale, x_shape, kernel, stride, padding)
    assert ours.dtype == reference.dtype == dtype and ours.shape == reference.shape
    np.testing.assert_allclose(ours, reference, rtol=RTOL[dtype], atol=RTOL[dtype])
