"""The direct convolution for few input channels (nnforge.kernels.direct_conv) equals the
im2col reference (nnforge.autograd.conv.conv2d_forward): output and all gradients."""
import numpy as np
from hypothesis import given, settings, strategies as st

from nnforge import kernels
from nnforge.autograd.conv import conv2d_forward
from nnforge.kernels import direct_conv
from kernel_strategies import DTYPES, arrays

TOLERANCE = {np.float32: 1e-5, np.float64: 1e-12}


@st.composite
def direct_geometries(draw):
    """(x_shape, C_out, padding, dilation) of a 3x3 stride-1 convolution, non-empty."""
    padding = (draw(st.integers(0, 3)), draw(st.integers(0, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    H = draw(st.integers(max(1, 2 * dilation[0] + 1 - 2 * padding[0]), 11))
    W = draw(st.integers(max(1, 2 * dilation[1] + 1 - 2 * padding[1]), 11))
    return ((draw(st.integers(1, 3)), draw(st.integers(1, 3)), H, W),
            draw(st.integers(1, 5)), padding, dilation)


def _close(ours, reference, dtype):
    scale = max(1.0, float(np.abs(reference).max()))
    np.testing.assert_allclose(ours, reference, rtol=0, atol=TOLERANCE[dtype] * scale)


@settings(max_examples=60, deadline=None)
@given(direct_geometries(), DTYPES, st.integers(0, 2**31), st.booleans())
def test_direct_convolution_equals_reference(geometry, dtype, seed, with_bias):
    x_shape, c_out, padding, dilation = geometry
    x = arrays(seed, x_shape, dtype)
    weight = arrays(seed + 1, (c_out, x_shape[1], 3, 3), dtype)
    bias = arrays(seed + 2, (c_out,), dtype) if with_bias else None
    out, gradients = direct_conv.conv2d(x, weight, bias, padding, dilation)
    ref_out, ref_gradients = conv2d_forward.reference(x, weight, bias, (1, 1), padding,
                                                      dilation)
    assert out.dtype == dtype and out.shape == ref_out.shape and out.flags.c_contiguous
    _close(out, ref_out, dtype)
    grad = arrays(seed + 3, out.shape, dtype)
    for ours, reference in zip(gradients(grad, True, True, True),
                               ref_gradients(grad, True, True, True)):
        assert ours.dtype == dtype and ours.shape == reference.shape
        _close(ours, reference, dtype)


def test_the_kernel_chooses_the_direct_convolution_for_one_channel(monkeypatch):
    calls = []
    monkeypatch.setattr(direct_conv, "conv2d",
                        lambda *args, run=direct_conv.conv2d: calls.append(1) or run(*args))
    x = arrays(0, (2, 1, 9, 8), np.float32)
    weight = arrays(1, (4, 1, 3, 3), np.float32)
    out, gradients = kernels.conv2d_forward(x, weight, None, (1, 1), (1, 1), (1, 1))
    assert calls == [1]
    ref_out, _ = conv2d_forward.reference(x, weight, None, (1, 1), (1, 1), (1, 1))
    _close(out, ref_out, np.float32)
    gx, gw, gb = gradients(arrays(2, out.shape, np.float32), False, True, False)
    assert gx is None and gb is None and gw.shape == weight.shape
