"""The Conv2d op (autograd/conv.py): float64 gradchecks, float64 and float32 parity with
torch.nn.functional.conv2d, im2col/col2im as adjoints, and input validation."""
import numpy as np
import pytest
import torch

from nnforge.autograd import Tensor, gradcheck
from nnforge.autograd.conv import Conv2d, col2im, im2col

# x shape, weight shape, stride, padding, dilation
CASES = [
    ((2, 3, 5, 6), (4, 3, 3, 3), (1, 1), (1, 1), (1, 1)),     # "same" padding
    ((2, 2, 6, 5), (3, 2, 2, 3), (2, 1), (1, 0), (1, 2)),     # strided, dilated, non-square
    ((1, 2, 7, 7), (2, 2, 3, 3), (2, 2), (0, 0), (1, 1)),     # no padding, stride 2
    ((2, 1, 5, 4), (2, 1, 4, 4), (1, 1), (0, 0), (1, 1)),     # stride 1, large kernel
    ((2, 2, 5, 5), (3, 2, 1, 1), (1, 1), (0, 0), (1, 1)),     # 1x1 kernel
    ((1, 2, 6, 7), (2, 2, 3, 2), (3, 2), (2, 1), (2, 1)),     # odd sizes, stride 3
    ((2, 2, 6, 7), (2, 2, 3, 3), (1, 1), (2, 1), (2, 2)),     # dilated, pad (2, 1)
    ((2, 2, 5, 6), (3, 2, 1, 2), (1, 1), (1, 1), (1, 1)),     # padding > kernel reach
    ((2, 3, 7, 8), (2, 3, 3, 3), (1, 1), (0, 0), (1, 1)),     # stride 1 without padding
]


def _inputs(rng, x_shape, w_shape, dtype=np.float64, bias=True):
    x = Tensor(rng.standard_normal(x_shape).astype(dtype), requires_grad=True)
    w = Tensor(rng.standard_normal(w_shape).astype(dtype), requires_grad=True)
    b = Tensor(rng.standard_normal(w_shape[0]).astype(dtype), requires_grad=True) \
        if bias else None
    return x, w, b


@pytest.mark.parametrize("x_shape, w_shape, stride, padding, dilation", CASES)
def test_col2im_is_the_adjoint_of_im2col(rng, x_shape, w_shape, stride, padding, dilation):
    """<im2col(x), c> = <x, col2im(c)> for random x and c: what makes dX correct."""
    x = rng.standard_normal(x_shape)
    cols = im2col(x, w_shape[2:], stride, padding, dilation)
    c = rng.standard_normal(cols.shape)
    back = col2im(c, x_shape, w_shape[2:], stride, padding, dilation)
    assert back.shape == x_shape
    assert np.vdot(cols, c) == pytest.approx(np.vdot(x, back), rel=1e-12)


@pytest.mark.parametrize("x_shape, w_shape, stride, padding, dilation", CASES)
def test_gradcheck(rng, x_shape, w_shape, stride, padding, dilation):
    x, w, b = _inputs(rng, x_shape, w_shape)
    fn = lambda x, w, b: Conv2d.apply(x, w, b, stride=stride, padding=padding,  # noqa: E731
                                      dilation=dilation)
    assert gradcheck(fn, x, w, b)


def test_gradcheck_without_bias_and_unbatched(rng):
    x, w, _ = _inputs(rng, (2, 5, 5), (3, 2, 3, 3), bias=False)
    assert gradcheck(lambda x, w: Conv2d.apply(x, w, None, padding=(1, 1)), x, w)


def _torch_reference(x, w, b, stride, padding, dilation, grad):
    tx, tw, tb = (torch.tensor(a.data, requires_grad=True) for a in (x, w, b))
    out = torch.nn.functional.conv2d(tx, tw, tb, stride=stride, padding=padding,
                                     dilation=dilation)
    out.backward(torch.tensor(grad))
    return out.detach().numpy(), tx.grad.numpy(), tw.grad.numpy(), tb.grad.numpy()


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-6), (np.float32, 1e-4)])
@pytest.mark.parametrize("x_shape, w_shape, stride, padding, dilation", CASES)
def test_matches_torch(rng, dtype, tol, x_shape, w_shape, stride, padding,
                       dilation):
    x, w, b = _inputs(rng, x_shape, w_shape, dtype)
    out = Conv2d.apply(x, w, b, stride=stride, padding=padding, dilation=dilation)
    assert out.dtype == dtype
    grad = rng.standard_normal(out.shape).astype(dtype)
    out.backward(grad)
    ref_out, ref_gx, ref_gw, ref_gb = _torch_reference(x, w, b, stride, padding, dilation,
                                                       grad)
    np.testing.assert_allclose(out.data, ref_out, atol=tol, rtol=tol)
    for ours, ref in ((x.grad, ref_gx), (w.grad, ref_gw), (b.grad, ref_gb)):
        assert ours.dtype == dtype
        np.testing.assert_allclose(ours, ref, atol=tol, rtol=tol)


def test_large_layer_matches_torch(rng):
    x, w, b = _inputs(rng, (2, 32, 8, 8), (64, 32, 3, 3), np.float32)
    out = Conv2d.apply(x, w, b, padding=(1, 1))
    grad = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(grad)
    ref = _torch_reference(x, w, b, (1, 1), (1, 1), (1, 1), grad)
    for ours, theirs in zip((out.data, x.grad, w.grad, b.grad), ref):
        np.testing.assert_allclose(ours, theirs, atol=1e-4, rtol=1e-4)


def test_input_that_needs_no_grad_gets_none(rng):
    x = Tensor(rng.standard_normal((2, 1, 6, 6)))
    w = Tensor(rng.standard_normal((2, 1, 3, 3)), requires_grad=True)
    Conv2d.apply(x, w, None, padding=(1, 1)).sum().backward()
    assert x.grad is None and w.grad.shape == (2, 1, 3, 3)


def test_errors_name_the_layer_and_shapes(rng):
    w = rng.standard_normal((4, 3, 3, 3))
    with pytest.raises(ValueError, match=r"input has 1 channel at dim 1, expected 3 "
                                         r"\(shape \(8, 1, 28, 28\)\)"):
        Conv2d.apply(np.zeros((8, 1, 28, 28)), w, None, layer="conv")
    with pytest.raises(ValueError, match=r"4-D input .* got a 2-D input of shape \(3, 28\)"):
        Conv2d.apply(np.zeros((3, 28)), w, None)
    with pytest.raises(ValueError, match=r"kernel height 3 .* larger than the padded input "
                                         r"height 2"):
        Conv2d.apply(np.zeros((1, 3, 2, 9)), w, None)
    with pytest.raises(TypeError, match=r"input dtype float32 does not match the weight dtype "
                                        r"float64; convert the input \(x.astype\(np.float64\)\)"):
        Conv2d.apply(np.zeros((1, 3, 5, 5), np.float32), w, None)


WINOGRAD_CASES = [c for c in CASES if c[1][2:] == (3, 3) and c[2] == (1, 1) == c[4]]


@pytest.fixture
def winograd_everywhere(monkeypatch):
    """The numba backend, with Winograd's F(2x2, 3x3) for every 3x3 stride-1 convolution
    (normally only for many channels), so small cases test it."""
    pytest.importorskip("numba")
    import nnforge
    from nnforge.kernels import conv as conv_kernels
    monkeypatch.setattr(conv_kernels, "WINOGRAD_MIN_CHANNELS", 1)
    previous = nnforge.set_backend("numba")
    yield
    nnforge.set_backend(previous)


@pytest.mark.parametrize("x_shape, w_shape, stride, padding, dilation", WINOGRAD_CASES)
def test_winograd_gradcheck_and_torch(rng, winograd_everywhere, x_shape, w_shape, stride,
                                      padding, dilation):
    assert len(WINOGRAD_CASES) == 2
    x, w, b = _inputs(rng, x_shape, w_shape)
    assert gradcheck(lambda x, w, b: Conv2d.apply(x, w, b, padding=padding), x, w, b)
    test_matches_torch(rng, np.float32, 1e-4, x_shape, w_shape, stride, padding, dilation)


def test_winograd_gradcheck_unbatched_without_bias(rng, winograd_everywhere):
    x, w, _ = _inputs(rng, (2, 5, 6), (3, 2, 3, 3), bias=False)
    assert gradcheck(lambda x, w: Conv2d.apply(x, w, None, padding=(2, 0)), x, w)


@pytest.mark.parametrize("padding, dilation", [((1, 1), (1, 1)), ((0, 2), (2, 1))])
def test_direct_convolution_gradcheck(rng, padding, dilation):
    """One input channel and a 3x3 kernel: the numba backend convolves directly."""
    x, w, b = _inputs(rng, (2, 1, 6, 7), (3, 1, 3, 3))
    assert gradcheck(lambda x, w, b: Conv2d.apply(x, w, b, padding=padding,
                                                  dilation=dilation), x, w, b)
