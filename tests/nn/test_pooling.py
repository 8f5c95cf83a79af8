"""nn.pooling: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d and their functional forms against
PyTorch with odd sizes, overlapping windows and padding; tie routing; errors."""
import numpy as np
import pytest
import torch

from nnforge.autograd import Tensor
from nnforge.nn.pooling import (AdaptiveAvgPool2d, AvgPool2d, MaxPool2d,
                                adaptive_avg_pool2d, avg_pool2d, max_pool2d)

SHAPES = [(2, 3, 7, 9), (1, 2, 8, 8), (3, 1, 11, 6)]


def distinct(rng, shape):
    return rng.permutation(np.prod(shape)).reshape(shape) * 0.01 + rng.uniform(0, 1e-3, shape)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("args", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                  dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 1)),
                                  dict(kernel_size=3, stride=1), dict(kernel_size=3),
                                  dict(kernel_size=2, stride=1, dilation=2)])
def test_max_pool_matches_torch(torch_parity, rng, shape, args):
    torch_parity(MaxPool2d(**args), torch.nn.MaxPool2d(**args), [distinct(rng, shape)])


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("args", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                  dict(kernel_size=3, stride=2, padding=1,
                                       count_include_pad=False),
                                  dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 0)),
                                  dict(kernel_size=3, stride=1)])
def test_avg_pool_matches_torch(torch_parity, rng, shape, args):
    torch_parity(AvgPool2d(**args), torch.nn.AvgPool2d(**args), [rng.standard_normal(shape)])


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("size", [1, (1, 1), 3, (2, 4), (5, None), (4, 3)])
def test_adaptive_avg_pool_matches_torch(torch_parity, rng, shape, size):
    torch_parity(AdaptiveAvgPool2d(size), torch.nn.AdaptiveAvgPool2d(size),
                 [rng.standard_normal(shape)])


def test_functional_forms(torch_parity, rng):
    F = torch.nn.functional
    x = [distinct(rng, (2, 2, 7, 7))]
    torch_parity(lambda x: max_pool2d(x, 3, 2, 1), lambda x: F.max_pool2d(x, 3, 2, 1), x)
    torch_parity(lambda x: avg_pool2d(x, 3, 2, 1, count_include_pad=False),
                 lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False), x)
    torch_parity(lambda x: adaptive_avg_pool2d(x, (3, 2)),
                 lambda x: F.adaptive_avg_pool2d(x, (3, 2)), x)


@pytest.mark.parametrize("args", [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
                                  dict(kernel_size=3, stride=2)])
def test_max_pool_ties_route_like_torch(rng, args):
    x = rng.integers(0, 2, size=(2, 3, 9, 8)).astype(np.float64)   # ties everywhere
    ours = Tensor(x, requires_grad=True)
    out = MaxPool2d(**args)(ours)
    grad = rng.standard_normal(out.shape)
    out.backward(grad)
    theirs = torch.tensor(x, requires_grad=True)
    torch.nn.MaxPool2d(**args)(theirs).backward(torch.tensor(grad))
    # overlapping windows sum several gradients in another order: equal up to rounding,
    # while a gradient routed to the wrong input would be off by O(1)
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_global_pooling_feeds_a_classifier_head(rng):
    x = rng.standard_normal((4, 8, 5, 7)).astype(np.float32)
    out = AdaptiveAvgPool2d(1)(Tensor(x))
    assert out.shape == (4, 8, 1, 1) and out.dtype == np.float32
    np.testing.assert_allclose(out.data[:, :, 0, 0], x.mean(axis=(2, 3)), rtol=1e-5)


def test_reprs():
    assert repr(MaxPool2d(2)) == \
        "MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1))"
    assert repr(AdaptiveAvgPool2d(1)) == "AdaptiveAvgPool2d(output_size=(1, 1))"


def test_errors():
    with pytest.raises(ValueError, match=r"MaxPool2d\(kernel_size=2\): padding"):
        MaxPool2d(2, padding=2)(np.zeros((1, 1, 6, 6)))
    with pytest.raises(ValueError, match=r"AvgPool2d\(kernel_size=5\): input of shape "
                                         r"\(1, 1, 3, 3\) is too small"):
        AvgPool2d(5)(np.zeros((1, 1, 3, 3)))
    with pytest.raises(ValueError, match="output_size must be a positive int"):
        AdaptiveAvgPool2d(0)
    with pytest.raises(ValueError, match="kernel_size must be >= 1"):
        MaxPool2d(0)
