"""The fused Conv2d + ReLU + MaxPool2d op (autograd/conv_pool.py): float64 gradchecks,
parity with torch's three ops in float64 and float32, on shapes the numba backend's
Winograd kernel takes (3x3, stride 1, 16 or more channels, MaxPool2d(2)) and on shapes
it leaves to the three ops in a row, and the errors of the layers it stands for."""
import numpy as np
import pytest
import torch

from nnforge.autograd import Tensor, gradcheck
from nnforge.autograd.conv_pool import Conv2dReLUMaxPool2d

POOL2 = ((2, 2), (2, 2), (0, 0), (1, 1))
# x shape, C_out, conv padding, pool geometry
CASES = [
    ((2, 16, 6, 6), 3, (1, 1), POOL2),                          # the Winograd kernel's case
    ((3, 17, 7, 5), 2, (1, 0), POOL2),                          # odd sizes: an edge dropped
    ((1, 16, 5, 6), 2, (0, 2), POOL2),
    ((2, 3, 6, 6), 2, (1, 1), POOL2),                           # few: kernels in a row
    ((3, 1, 7, 6), 4, (1, 0), POOL2),
    ((2, 16, 7, 7), 2, (1, 1), ((3, 3), (2, 2), (1, 1), (1, 1))),   # another pooling
]


def _inputs(rng, x_shape, c_out, dtype=np.float64):
    x = Tensor(rng.standard_normal(x_shape).astype(dtype), requires_grad=True)
    w = Tensor((rng.standard_normal((c_out, x_shape[1], 3, 3)) / 4).astype(dtype),
               requires_grad=True)
    b = Tensor(rng.standard_normal(c_out).astype(dtype), requires_grad=True)
    return x, w, b


def _fused(x, w, b, padding, pool):
    return Conv2dReLUMaxPool2d.apply(x, w, b, padding=padding, pool=pool)


@pytest.mark.parametrize("x_shape, c_out, padding, pool", CASES)
def test_gradcheck(x_shape, c_out, padding, pool):
    x, w, b = _inputs(np.random.default_rng(0), x_shape, c_out)
    assert gradcheck(lambda *a: _fused(*a, padding, pool), (x, w, b), eps=1e-6, atol=1e-5)


@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-10), (np.float32, 1e-4)])
@pytest.mark.parametrize("x_shape, c_out, padding, pool", CASES)
def test_equals_torchs_conv_relu_max_pool(x_shape, c_out, padding, pool, dtype, tolerance):
    x, w, b = _inputs(np.random.default_rng(1), x_shape, c_out, dtype)
    out = _fused(x, w, b, padding, pool)
    grad = np.random.default_rng(2).standard_normal(out.shape).astype(dtype)
    out.backward(Tensor(grad))
    tx, tw, tb = (torch.tensor(t.numpy(), requires_grad=True) for t in (x, w, b))
    ref = torch.nn.functional.max_pool2d(
        torch.relu(torch.nn.functional.conv2d(tx, tw, tb, padding=padding)),
        pool[0], pool[1], pool[2], pool[3])
    ref.backward(torch.from_numpy(grad))
    message = f"{dtype.__name__}, shape {x_shape}"
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=tolerance,
                               atol=tolerance, err_msg=message)
    for ours, theirs in ((x, tx), (w, tw), (b, tb)):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=tolerance,
                                   atol=tolerance * 10, err_msg=message)


def test_unbatched_input():
    x, w, b = _inputs(np.random.default_rng(3), (1, 16, 6, 6), 2)
    batched = _fused(x, w, b, (1, 1), POOL2)
    single = _fused(Tensor(x.numpy()[0]), w, b, (1, 1), POOL2)
    assert single.shape == (2, 3, 3)
    np.testing.assert_array_equal(single.numpy(), batched.numpy()[0])


def test_errors_name_the_layer_at_fault():
    x, w, b = _inputs(np.random.default_rng(4), (1, 16, 4, 4), 2)
    with pytest.raises(ValueError, match="conv1: input has 16 channels"):
        Conv2dReLUMaxPool2d.apply(Tensor(np.zeros((1, 16, 4, 4))), Tensor(np.zeros((2, 8, 3, 3))),
                                  None, pool=POOL2, layer="conv1")
    with pytest.raises(ValueError, match="pool1: "):
        Conv2dReLUMaxPool2d.apply(x, w, b, pool=((4, 4), (4, 4), (0, 0), (1, 1)),
                                  pool_layer="pool1")        # a 2x2 output, a 4x4 window
