"""nn.conv: Conv2d and F.conv2d against torch.nn.Conv2d (values, input and parameter
gradients), PyTorch's initialisation, state-dict names and the error messages."""
import numpy as np
import pytest
import torch

from nnforge.autograd import Tensor
from nnforge.nn.conv import Conv2d, conv2d

# in, out, kernel, stride, padding, dilation, input shape
SETTINGS = [
    (3, 4, 3, 1, 1, 1, (2, 3, 8, 8)),
    (2, 3, (3, 2), (2, 1), (1, 0), 1, (2, 2, 9, 7)),
    (2, 2, 3, 2, 0, 2, (1, 2, 11, 10)),
    (1, 5, 5, 1, 2, 1, (3, 1, 7, 9)),
    (3, 2, (1, 3), (1, 2), (0, 1), (1, 2), (2, 3, 5, 8)),
    (2, 3, 4, 3, 2, 1, (2, 2, 9, 9)),
    (2, 3, (3, 5), 1, (2, 1), (1, 2), (2, 2, 8, 13)),
    (2, 3, 2, 1, 2, 1, (2, 2, 5, 5)),
]


@pytest.mark.parametrize("c_in, c_out, k, s, p, d, shape", SETTINGS)
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-6), (np.float32, 1e-4)])
def test_matches_torch(torch_parity, rng, c_in, c_out, k, s, p, d, shape, dtype, tol):
    ours = Conv2d(c_in, c_out, k, stride=s, padding=p, dilation=d, generator=0)
    theirs = torch.nn.Conv2d(c_in, c_out, k, stride=s, padding=p, dilation=d)
    torch_parity(ours, theirs, [rng.standard_normal(shape)], dtype=dtype, atol=tol, rtol=tol)


def test_without_bias_and_functional_form(torch_parity, rng):
    ours = Conv2d(2, 3, 3, padding=1, bias=False, generator=1)
    assert ours.bias is None and [n for n, _ in ours.named_parameters()] == ["weight"]
    torch_parity(ours, torch.nn.Conv2d(2, 3, 3, padding=1, bias=False),
                 [rng.standard_normal((2, 2, 5, 5))])
    w, b = rng.standard_normal((3, 2, 2, 2)), rng.standard_normal(3)
    torch_parity(lambda x, w, b: conv2d(x, w, b, stride=2, padding=1),
                 lambda x, w, b: torch.nn.functional.conv2d(x, w, b, stride=2, padding=1),
                 [rng.standard_normal((2, 2, 5, 6)), w, b])


def test_unbatched_input(rng):
    conv = Conv2d(2, 3, 3, padding=1, generator=0)
    x = rng.standard_normal((2, 6, 6)).astype(np.float32)
    out = conv(Tensor(x))
    assert out.shape == (3, 6, 6)
    np.testing.assert_allclose(out.data, conv(Tensor(x[None])).data[0], rtol=1e-6)


def test_default_init_is_pytorch_kaiming_uniform():
    conv = Conv2d(16, 32, 5, generator=np.random.default_rng(0))
    bound = 1 / np.sqrt(16 * 25)
    w, b = conv.weight.data, conv.bias.data
    assert w.dtype == np.float32 and w.shape == (32, 16, 5, 5) and b.shape == (32,)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # U(-a, a) has standard deviation a / sqrt(3)
    assert abs(w.std() - bound / np.sqrt(3)) < 0.02 * bound / np.sqrt(3)


def test_named_initializer():
    conv = Conv2d(20, 30, 3, generator=0, init="he_normal")
    std = np.sqrt(2 / (20 * 9))
    assert abs(conv.weight.numpy().std() - std) < 0.03 * std
    np.testing.assert_array_equal(conv.bias.data, 0)


def test_weight_sharing_parameter_counts():
    # weight sharing: one unit on a 5x5 patch of a 3-channel image needs 75 weights, three
    # such filters 225, however large the image is
    assert Conv2d(3, 1, 5, bias=False).weight.numpy().size == 75
    assert Conv2d(3, 3, 5, bias=False).weight.numpy().size == 225


def test_generator_makes_init_repeatable():
    a, b = Conv2d(3, 4, 3, generator=7), Conv2d(3, 4, 3, generator=7)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)


def test_state_dict_loads_into_torch(rng):
    ours = Conv2d(3, 4, (3, 2), stride=2, padding=1, generator=0)
    theirs = torch.nn.Conv2d(3, 4, (3, 2), stride=2, padding=1)
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    x = rng.standard_normal((2, 3, 7, 7)).astype(np.float32)
    np.testing.assert_allclose(ours(Tensor(x)).data, theirs(torch.from_numpy(x)).detach(),
                               atol=1e-5)


def test_float32_stays_float32(rng):
    conv = Conv2d(3, 4, 3, padding=1, generator=0)
    x = Tensor(rng.standard_normal((2, 3, 6, 6)).astype(np.float32), requires_grad=True)
    out = conv(x)
    out.sum().backward()
    assert out.dtype == np.float32
    assert x.grad.dtype == conv.weight.grad.dtype == conv.bias.grad.dtype == np.float32


def test_repr():
    assert repr(Conv2d(1, 32, 3, padding=1, bias=False)) == \
        "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)"


def test_wrong_channel_count_names_layer_channels_and_shape():
    conv = Conv2d(3, 8, 3)
    with pytest.raises(ValueError) as err:
        conv(np.zeros((8, 1, 28, 28), np.float32))
    assert str(err.value) == ("Conv2d(in_channels=3): input has 1 channel at dim 1, "
                              "expected 3 (shape (8, 1, 28, 28))")


def test_wrong_ndim_and_too_small_input():
    conv = Conv2d(3, 8, 5, padding=1)
    with pytest.raises(ValueError, match=r"Conv2d\(in_channels=3\): expected a 4-D input "
                                         r".* got a 2-D input of shape \(8, 3\)"):
        conv(np.zeros((8, 3), np.float32))
    with pytest.raises(ValueError, match=r"Conv2d\(in_channels=3\): kernel height 5 .* "
                                         r"larger than the padded input height 4"):
        conv(np.zeros((1, 3, 2, 9), np.float32))


@pytest.mark.parametrize("kwargs, message", [
    (dict(in_channels=0, out_channels=2, kernel_size=3), "in_channels must be a positive"),
    (dict(in_channels=1, out_channels=2, kernel_size=0), "kernel_size must be >= 1"),
    (dict(in_channels=1, out_channels=2, kernel_size=3, stride=0), "stride must be >= 1"),
    (dict(in_channels=1, out_channels=2, kernel_size=3, padding=-1), "padding must be >= 0"),
    (dict(in_channels=1, out_channels=2, kernel_size=(3, 3, 3)), "kernel_size must be an int"),
    (dict(in_channels=1, out_channels=2, kernel_size=3, padding="same"), "string padding"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        Conv2d(**kwargs)
