"""Winograd's F(2x2, 3x3) convolution (nnforge.kernels.winograd) equals the im2col
reference (nnforge.autograd.conv.conv2d_forward): output, input, weight and bias
gradients, on random shapes with odd and even sizes and any padding."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from nnforge import kernels
from nnforge.autograd.conv import conv2d_forward
from nnforge.kernels import activations, pooling, winograd
from kernel_strategies import DTYPES, arrays

#: the transforms add and subtract a few values before and after the products, so the
#: rounding differs from im2col's by a few ulps of the largest values involved
TOLERANCE = {np.float32: 2e-5, np.float64: 1e-12}


@st.composite
def winograd_geometries(draw):
    """(x_shape, C_out, padding) of a 3x3 stride-1 convolution with a non-empty output."""
    padding = (draw(st.integers(0, 3)), draw(st.integers(0, 3)))
    H = draw(st.integers(max(1, 3 - 2 * padding[0]), 11))
    W = draw(st.integers(max(1, 3 - 2 * padding[1]), 11))
    return ((draw(st.integers(1, 3)), draw(st.integers(1, 9)), H, W),
            draw(st.integers(1, 6)), padding)


def _close(ours, reference, dtype):
    scale = max(1.0, float(np.abs(reference).max()))
    np.testing.assert_allclose(ours, reference, rtol=0, atol=TOLERANCE[dtype] * scale)


@settings(max_examples=60, deadline=None)
@given(winograd_geometries(), DTYPES, st.integers(0, 2**31), st.booleans())
def test_winograd_equals_reference(geometry, dtype, seed, with_bias):
    x_shape, c_out, padding = geometry
    x = arrays(seed, x_shape, dtype)
    weight = arrays(seed + 1, (c_out, x_shape[1], 3, 3), dtype)
    bias = arrays(seed + 2, (c_out,), dtype) if with_bias else None
    out, gradients = winograd.conv2d(x, weight, bias, padding)
    ref_out, ref_gradients = conv2d_forward.reference(x, weight, bias, (1, 1), padding, (1, 1))
    assert out.dtype == dtype and out.shape == ref_out.shape and out.flags.c_contiguous
    _close(out, ref_out, dtype)
    grad = arrays(seed + 3, out.shape, dtype)
    for ours, reference in zip(gradients(grad, True, True, True),
                               ref_gradients(grad, True, True, True)):
        assert ours.dtype == dtype and ours.shape == reference.shape
        _close(ours, reference, dtype)


def test_only_the_gradients_asked_for_are_computed():
    x = arrays(0, (2, 3, 6, 6), np.float32)
    _, gradients = winograd.conv2d(x, arrays(1, (4, 3, 3, 3), np.float32), None, (1, 1))
    gx, gw, gb = gradients(arrays(2, (2, 4, 6, 6), np.float32), False, True, False)
    assert gx is None and gb is None and gw.shape == (4, 3, 3, 3)


def test_weight_tiles_and_their_gradient_are_adjoint():
    """<G w G^T, dU> = <w, G^T dU G>: what makes the weight gradient correct."""
    w = arrays(0, (3, 2, 3, 3), np.float64)
    shares = arrays(1, (2, 16, 2, 3), np.float64)       # two threads' shares of dU^T
    dU = shares.sum(axis=0).transpose(0, 2, 1)
    assert np.vdot(winograd.weight_tiles(w), dU) == pytest.approx(
        np.vdot(w, winograd.weight_grad_tiles(shares)), rel=1e-12)


def test_weight_tiles_are_g_w_g_transposed():
    G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
    w = arrays(0, (3, 2, 3, 3), np.float64)
    U = winograd.weight_tiles(w)
    for o, c in np.ndindex(3, 2):
        np.testing.assert_allclose(U[:, o, c].reshape(4, 4), G @ w[o, c] @ G.T,
                                   rtol=0, atol=1e-14)


@pytest.mark.parametrize("N", [1, 2, 3, 7, 64, 101])
@pytest.mark.parametrize("parts", [1, 2, 3])
def test_blocks_fit_the_cache_and_give_each_thread_as_many_images(N, parts):
    per_image = 16 * 49 * (32 + 64) * 4                 # the bench CNN's conv2, float32
    count = winograd.block_count(N, 49, 32, 64, 4, parts)
    edges = [b * N // count for b in range(count + 1)]
    sizes = np.diff(edges)
    assert 1 <= count <= N and sizes.min() >= 1
    assert sizes.max() * per_image <= winograd.CACHE_BYTES
    if count % parts == 0:                 # each thread's blocks: count // parts in a row
        shares = [edges[(p + 1) * count // parts] - edges[p * count // parts]
                  for p in range(parts)]
        assert max(shares) - min(shares) <= 1, shares
    else:
        assert count == N                   # fewer images than threads' blocks


@pytest.mark.parametrize("kernel_size, stride, dilation, channels", [
    ((3, 3), (1, 1), (1, 1), 8),        # too few channels for Winograd, too many for direct
    ((5, 5), (1, 1), (1, 1), 16),       # not 3x3
    ((3, 3), (2, 2), (1, 1), 16),       # strided
    ((3, 3), (1, 1), (2, 2), 16),       # dilated
])
def test_other_convolutions_fall_back_to_the_reference(kernel_size, stride, dilation,
                                                       channels):
    x = arrays(0, (1, channels, 12, 12), np.float32)
    weight = arrays(1, (2, channels) + kernel_size, np.float32)
    assert kernels.conv2d_forward(x, weight, None, stride, (1, 1), dilation) is \
        NotImplemented


def test_the_kernel_chooses_winograd_for_many_channels_and_copies_strided_inputs(
        monkeypatch):
    calls = []
    monkeypatch.setattr(winograd, "conv2d",
                        lambda *args, run=winograd.conv2d: calls.append(1) or run(*args))
    x = arrays(0, (2, 16, 8, 7), np.float64).transpose(0, 1, 3, 2)
    weight = arrays(1, (3, 16, 3, 3), np.float64)
    out, _ = kernels.conv2d_forward(x, weight, None, (1, 1), (1, 1), (1, 1))
    assert calls == [1]
    ref_out, _ = conv2d_forward.reference(x, weight, None, (1, 1), (1, 1), (1, 1))
    _close(out, ref_out, np.float64)
    assert kernels.conv2d_forward(x.astype(np.float16), weight.astype(np.float16), None,
                                  (1, 1), (1, 1), (1, 1)) is NotImplemented


def _conv_then_relu_pool(x, weight, bias, padding):
    """The unfused kernels in a row: what the pooled Winograd kernel must equal."""
    y, conv_gradients = winograd.conv2d(x, weight, bias, padding)
    pooled, switches = pooling.max_pool2d(y, *POOL2)
    out = activations.relu(pooled)

    def gradients(grad):
        grad_y = pooling.max_pool2d_backward(activations.relu_backward(grad, out), switches,
                                             y.shape, *POOL2)
        return conv_gradients(grad_y, True, True, True)

    return out, gradients


POOL2 = ((2, 2), (2, 2), (0, 0), (1, 1))


@settings(max_examples=60, deadline=None)
@given(winograd_geometries(), DTYPES, st.integers(0, 2**31), st.booleans(), st.booleans())
def test_pooled_winograd_equals_the_unfused_kernels(geometry, dtype, seed, with_bias, nan):
    """Each 2x2 output tile pooled as it comes out: the same values (bit for bit, NaNs
    included) and gradients as the convolution, ReLU and max pooling kernels."""
    x_shape, c_out, padding = geometry
    if min(x_shape[2] + 2 * padding[0], x_shape[3] + 2 * padding[1]) < 4:
        return                              # no complete 2x2 window to pool
    x = arrays(seed, x_shape, dtype)
    if nan:
        x[0, 0, 0, 0] = np.nan
    weight = arrays(seed + 1, (c_out, x_shape[1], 3, 3), dtype)
    bias = arrays(seed + 2, (c_out,), dtype) if with_bias else None
    out, gradients = winograd.conv2d(x, weight, bias, padding, pool=True)
    ref_out, ref_gradients = _conv_then_relu_pool(x, weight, bias, padding)
    assert out.shape == ref_out.shape and out.dtype == dtype
    np.testing.assert_array_equal(out, ref_out, err_msg=f"numba backend, {dtype.__name__}")
    if nan:
        return
    grad = arrays(seed + 3, out.shape, dtype)
    for ours, reference in zip(gradients(grad, True, True, True), ref_gradients(grad)):
        _close(ours, reference, dtype)


def test_the_kernel_pools_winograd_tiles_only_for_max_pool_2():
    x = arrays(0, (2, 16, 6, 6), np.float32)
    weight = arrays(1, (3, 16, 3, 3), np.float32)
    args = (x, weight, None, (1, 1), (1, 1), (1, 1))
    out, _ = kernels.conv2d_relu_max_pool2d(*args, POOL2)
    assert out.shape == (2, 3, 3, 3)
    assert kernels.conv2d_relu_max_pool2d(*args, ((3, 3), (2, 2), (1, 1), (1, 1))) is \
        NotImplemented
    assert kernels.conv2d_relu_max_pool2d(x[:, :8], weight[:, :8], None, (1, 1), (1, 1),
                                          (1, 1), POOL2) is NotImplemented
