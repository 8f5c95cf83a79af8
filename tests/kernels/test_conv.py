"""im2col and col2im kernels equal their NumPy references (nnforge.autograd.conv)."""
import numpy as np
from hypothesis import given, settings, strategies as st

from nnforge import kernels
from nnforge.autograd.conv import (col2im, columns_to_images, im2col, images_to_columns,
                                   weight_grad)
from kernel_strategies import DTYPES, RTOL, arrays, window_geometries


@settings(max_examples=60, deadline=None)
@given(window_geometries(), DTYPES, st.integers(0, 2**31))
def test_im2col_equals_reference(geometry, dtype, seed):
    x_shape, *rest = geometry
    x = arrays(seed, x_shape, dtype)
    ours = kernels.im2col(x, *rest)
    reference = im2col.reference(x, *rest)
    assert ours.dtype == reference.dtype == dtype
    assert ours.shape == reference.shape
    assert np.array_equal(ours, reference)       # a copy: exactly equal


@settings(max_examples=60, deadline=None)
@given(window_geometries(), DTYPES, st.integers(0, 2**31))
def test_col2im_equals_reference(geometry, dtype, seed):
    x_shape, *rest = geometry
    cols_shape = im2col.reference(np.zeros(x_shape, dtype), *rest).shape
    cols = arrays(seed, cols_shape, dtype)
    ours = kernels.col2im(cols, x_shape, *rest)
    reference = col2im.reference(cols, x_shape, *rest)
    assert ours.dtype == reference.dtype == dtype and ours.shape == reference.shape == x_shape
    np.testing.assert_allclose(ours, reference, rtol=RTOL[dtype], atol=RTOL[dtype])


def test_non_contiguous_input_is_copied_and_integers_fall_back():
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5).transpose(0, 1, 3, 2)
    args = ((2, 2), (1, 1), (1, 1), (1, 1))
    assert np.array_equal(kernels.im2col(x, *args), im2col.reference(x, *args))
    assert kernels.im2col(x.astype(np.int64), *args) is NotImplemented


@st.composite
def image_shapes(draw):
    return tuple(draw(st.integers(1, 5)) for _ in range(4))


@settings(max_examples=50, deadline=None)
@given(image_shapes(), DTYPES, st.integers(0, 2**31), st.booleans())
def test_columns_to_images_equals_reference(shape, dtype, seed, with_bias):
    N, C, H, W = shape
    columns = arrays(seed, (C, N * H * W), dtype)
    bias = arrays(seed + 1, (C,), dtype) if with_bias else None
    ours = kernels.columns_to_images(columns, bias, shape)
    reference = columns_to_images.reference(columns, bias, shape)
    assert ours.dtype == reference.dtype == dtype and ours.flags.c_contiguous
    np.testing.assert_array_equal(ours, reference)


@settings(max_examples=50, deadline=None)
@given(image_shapes(), DTYPES, st.integers(0, 2**31))
def test_images_to_columns_equals_reference(shape, dtype, seed):
    images = arrays(seed, shape, dtype)
    ours = kernels.images_to_columns(images)
    reference = images_to_columns.reference(images)
    assert ours.dtype == reference.dtype == dtype and ours.shape == reference.shape
    np.testing.assert_array_equal(ours, reference)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 20), st.integers(1, 20), st.integers(1, 50), DTYPES,
       st.integers(0, 2**31))
def test_weight_grad_equals_reference(c_out, k, columns, dtype, seed):
    g2, cols = arrays(seed, (c_out, columns), dtype), arrays(seed + 1, (k, columns), dtype)
    ours = kernels.weight_grad(g2, cols)
    reference = weight_grad.reference(g2, cols)
    if ours is NotImplemented:
        assert k < c_out
        return
    assert ours.dtype == reference.dtype == dtype and ours.shape == reference.shape
    np.testing.assert_allclose(ours, reference, rtol=1e-4 if dtype == np.float32 else 1e-12,
                               atol=1e-4 if dtype == np.float32 else 1e-12)


@st.composite
def same_size_geometries(draw):
    """Stride-1 "same" convolutions (output as large as the input), the layers of most
    CNNs and the im2col kernel's long-run path: odd kernels, padding = dilation*(k-1)/2."""
    kernel = (draw(st.sampled_from([1, 3, 5])), draw(st.sampled_from([1, 3, 5])))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = tuple(d * (k - 1) // 2 for d, k in zip(dilation, kernel))
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 9)),
             draw(st.integers(1, 9)))
    return shape, kernel, (1, 1), padding, dilation


@settings(max_examples=60, deadline=None)
@given(same_size_geometries(), DTYPES, st.integers(0, 2**31))
def test_same_size_convolutions_equal_reference(geometry, dtype, seed):
    x_shape, *rest = geometry
    x = arrays(seed, x_shape, dtype)
    cols = kernels.im2col(x, *rest)
    assert np.array_equal(cols, im2col.reference(x, *rest))
    np.testing.assert_allclose(kernels.col2im(cols, x_shape, *rest),
                               col2im.reference(cols, x_shape, *rest),
                               rtol=RTOL[dtype], atol=RTOL[dtype])
