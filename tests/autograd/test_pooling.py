"""Pooling kernels (autograd/pooling.py): float64 gradchecks, and the max-pool "switches"
routing the gradient exactly like PyTorch, ties included."""
import numpy as np
import pytest
import torch

from nnforge.autograd import Tensor, gradcheck
from nnforge.autograd.pooling import (AdaptiveAvgPool2d, AvgPool2d, MaxPool2d,
                                      ReLUMaxPool2d, adaptive_windows)

# kernel, stride, padding, dilation; input (2, 2, 7, 6)
MAX_CASES = [((2, 2), (2, 2), (0, 0), (1, 1)),      # tiled fast path, odd size cropped
             ((3, 3), (2, 2), (1, 1), (1, 1)),      # overlapping with -inf padding
             ((3, 2), (1, 2), (1, 1), (2, 1)),      # dilated, non-square
             ((3, 3), (3, 3), (0, 0), (1, 1))]      # tiled 3x3 (running max over 3 taps)


def distinct(rng, shape):
    """Values with no ties, so finite differences never cross a switch."""
    return rng.permutation(np.prod(shape)).reshape(shape) * 0.1 + rng.uniform(0, 0.01, shape)


@pytest.mark.parametrize("kernel, stride, padding, dilation", MAX_CASES)
def test_max_pool_gradcheck(rng, kernel, stride, padding, dilation):
    x = Tensor(distinct(rng, (2, 2, 7, 6)), requires_grad=True)
    assert gradcheck(lambda x: MaxPool2d.apply(x, kernel_size=kernel, stride=stride,
                                               padding=padding, dilation=dilation), x)


@pytest.mark.parametrize("kernel, stride, padding, include", [
    ((2, 2), (2, 2), (0, 0), True), ((3, 3), (2, 2), (1, 1), True),
    ((3, 2), (2, 1), (1, 1), False), ((2, 3), (1, 1), (0, 1), False)])
def test_avg_pool_gradcheck(rng, kernel, stride, padding, include):
    x = Tensor(rng.standard_normal((2, 2, 7, 6)), requires_grad=True)
    assert gradcheck(lambda x: AvgPool2d.apply(x, kernel_size=kernel, stride=stride,
                                               padding=padding, count_include_pad=include), x)


@pytest.mark.parametrize("size", [(1, 1), (3, 4), (5, 6), (2, None)])
def test_adaptive_avg_pool_gradcheck(rng, size):
    x = Tensor(rng.standard_normal((2, 2, 7, 6)), requires_grad=True)
    assert gradcheck(lambda x: AdaptiveAvgPool2d.apply(x, output_size=size), x)


def test_adaptive_windows_follow_pytorch_start_end_rule():
    # 7 inputs -> 3 outputs: windows [0, 3), [2, 5), [4, 7)
    a = adaptive_windows(7, 3, np.float64)
    np.testing.assert_allclose(a, [[1 / 3] * 3 + [0] * 4, [0, 0] + [1 / 3] * 3 + [0, 0],
                                   [0] * 4 + [1 / 3] * 3])


TIE_CASES = [((2, 2), (2, 2), (0, 0)), ((3, 3), (1, 1), (1, 1)), ((3, 3), (2, 2), (1, 1)),
             ((2, 2), (1, 1), (0, 0))]


def _assert_routes_like_torch(plane, ours_op, theirs_op):
    """Values and input gradients of ours_op equal torch's theirs_op exactly, on `plane`
    stacked with its negation and zeros as three channels (windows full of ties)."""
    x = np.array(plane, dtype=np.float64)[None, None]
    x = np.concatenate([x, -x, np.zeros_like(x)], axis=1)      # (1, 3, H, W)
    ours = Tensor(x, requires_grad=True)
    out = ours_op(ours)
    grad = np.arange(1.0, out.numpy().size + 1).reshape(out.shape)
    out.backward(grad)
    theirs = torch.tensor(x, requires_grad=True)
    ref = theirs_op(theirs)
    ref.backward(torch.tensor(grad))
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())


@pytest.mark.parametrize("kernel, stride, padding", TIE_CASES)
def test_max_pool_ties_route_like_pytorch(kernel, stride, padding):
    _assert_routes_like_torch(      # only 0s and 1s, with constant blocks
        [[1, 1, 0, 0, 1, 1], [1, 1, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0], [0, 1, 1, 0, 1, 1],
         [0, 1, 1, 0, 0, 0]],
        lambda x: MaxPool2d.apply(x, kernel_size=kernel, stride=stride, padding=padding),
        lambda x: torch.nn.functional.max_pool2d(x, kernel, stride, padding))


@pytest.mark.parametrize("kernel, stride, padding, dilation", MAX_CASES)
def test_relu_max_pool_gradcheck(rng, kernel, stride, padding, dilation):
    x = distinct(rng, (2, 2, 7, 6))
    x = Tensor(x - np.median(x), requires_grad=True)      # half the inputs negative
    assert gradcheck(lambda x: ReLUMaxPool2d.apply(x, kernel_size=kernel, stride=stride,
                                                   padding=padding, dilation=dilation), x)


@pytest.mark.parametrize("kernel, stride, padding", TIE_CASES)
def test_relu_max_pool_equals_torch_relu_then_max_pool_ties_included(kernel, stride, padding):
    _assert_routes_like_torch(
        [[1, 1, 0, -1, 1, 1], [1, 1, 0, 0, 1, -2], [-1, 0, 0, 0, 0, 0], [0, 1, 1, -3, 1, 1],
         [0, 1, 1, 0, 0, -1]],
        lambda x: ReLUMaxPool2d.apply(x, kernel_size=kernel, stride=stride, padding=padding),
        lambda x: torch.nn.functional.max_pool2d(torch.relu(x), kernel, stride, padding))


def test_max_pool_sends_each_gradient_to_one_input():
    x = Tensor(np.array([[[[1.0, 3.0], [3.0, 2.0]]]]), requires_grad=True)
    MaxPool2d.apply(x, kernel_size=(2, 2), stride=(2, 2)).backward(np.array([[[[5.0]]]]))
    np.testing.assert_array_equal(x.grad, [[[[0, 5.0], [0, 0]]]])   # first of the two 3s


def test_float32_stays_float32(rng):
    x = Tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32), requires_grad=True)
    for op, kw in ((MaxPool2d, dict(kernel_size=(2, 2), stride=(2, 2))),
                   (MaxPool2d, dict(kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))),
                   (AvgPool2d, dict(kernel_size=(3, 3), stride=(2, 2), padding=(1, 1),
                                    count_include_pad=False)),
                   (AdaptiveAvgPool2d, dict(output_size=(3, 3)))):
        out = op.apply(x, **kw)
        out.sum().backward()
        assert out.dtype == np.float32 and x.grad.dtype == np.float32
        x.grad = None


def test_pool_errors_are_clear():
    with pytest.raises(ValueError, match="padding .* at most half of the kernel"):
        MaxPool2d.apply(np.zeros((1, 1, 4, 4)), kernel_size=(2, 2), stride=(2, 2),
                        padding=(2, 2))
    with pytest.raises(ValueError, match=r"too small for kernel \(5, 5\)"):
        AvgPool2d.apply(np.zeros((1, 1, 3, 3)), kernel_size=(5, 5), stride=(5, 5))
    with pytest.raises(ValueError, match=r"4-D input .* got shape \(4, 4\)"):
        MaxPool2d.apply(np.zeros((4, 4)), kernel_size=(2, 2), stride=(2, 2))
