"""Linear, Maxout, Identity and Flatten: torch parity, PyTorch's default init, the
`init=` keyword, and the wrong-feature-count error."""
import math

import numpy as np
import pytest
import torch

import nnforge as nf
from nnforge import nn
from nnforge.autograd import gradcheck

RNG = np.random.default_rng(11)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (4,)])
def test_linear_matches_torch(bias, shape, torch_parity):
    torch_parity(nn.Linear(4, 3, bias=bias, generator=0), torch.nn.Linear(4, 3, bias=bias),
                 [RNG.standard_normal(shape)])


def test_linear_float32(torch_parity):
    layer = nn.Linear(6, 5, generator=1)
    assert layer.weight.dtype == np.float32
    torch_parity(layer, torch.nn.Linear(6, 5), [RNG.standard_normal((7, 6))],
                 dtype=np.float32, atol=1e-4, rtol=1e-4)


def test_linear_parameters_names_shapes_and_repr():
    layer = nn.Linear(64, 32)
    assert [(n, p.shape) for n, p in layer.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in torch.nn.Linear(64, 32).named_parameters()]
    assert repr(layer) == "Linear(in_features=64, out_features=32, bias=True)"
    assert repr(nn.Linear(2, 1, bias=False)) == "Linear(in_features=2, out_features=1, " \
                                                "bias=False)"
    assert nn.Linear(3, 2, dtype=np.float64).weight.dtype == np.float64


def test_linear_default_init_is_pytorchs_uniform():
    """kaiming_uniform_(a=sqrt(5)) = U(+-1/sqrt(fan_in)) for weight and bias."""
    layer = nn.Linear(400, 300, generator=0)
    bound = 1 / math.sqrt(400)
    for p in (layer.weight.data, layer.bias.data):
        assert np.abs(p).max() <= bound
        assert np.abs(p).max() > 0.95 * bound
    assert layer.weight.numpy().std() == pytest.approx(bound / math.sqrt(3), rel=0.02)


def test_linear_init_is_seeded():
    a, b = nn.Linear(5, 4, generator=3), nn.Linear(5, 4, generator=3)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    nf.manual_seed(5)
    c = nn.Linear(5, 4)
    nf.manual_seed(5)
    d = nn.Linear(5, 4)
    np.testing.assert_array_equal(c.weight.data, d.weight.data)


def test_linear_init_by_name():
    layer = nn.Linear(400, 300, generator=0, init="he_normal", bias_init="small_positive")
    assert layer.weight.numpy().std() == pytest.approx(math.sqrt(2 / 400), rel=0.02)
    np.testing.assert_array_equal(layer.bias.data, np.full(300, 0.01, dtype=np.float32))
    layer = nn.Linear(400, 300, generator=0, init="glorot_uniform")
    np.testing.assert_array_equal(layer.bias.data, 0)
    with pytest.raises(ValueError, match="unknown initializer 'he_norm'"):
        nn.Linear(3, 2, init="he_norm")


def test_linear_wrong_feature_count_message():
    with pytest.raises(ValueError) as info:
        nn.Linear(64, 32)(np.zeros((8, 10), dtype=np.float32))
    assert str(info.value) == ("Linear(in_features=64, out_features=32): input has 10 features "
                               "in its last dimension, expected 64 (input shape (8, 10))")
    with pytest.raises(ValueError, match=r"input has 3 features .* \(input shape \(2, 5, 3\)\)"):
        nn.Linear(4, 2)(nf.tensor(np.zeros((2, 5, 3), dtype=np.float32)))


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_linear_rejects_bad_sizes(bad):
    with pytest.raises(ValueError, match="Linear: in_features must be a positive integer"):
        nn.Linear(bad, 3)


def test_maxout_is_the_max_of_its_pieces():
    layer = nn.Maxout(4, 3, pieces=2, generator=0).double()
    assert layer.weight.shape == (6, 4) and layer.bias.shape == (6,)
    x = RNG.standard_normal((5, 4))
    z = x @ layer.weight.data.T + layer.bias.data
    np.testing.assert_allclose(layer(x).data, z.reshape(5, 3, 2).max(axis=-1))
    assert repr(layer) == "Maxout(in_features=4, out_features=3, pieces=2, bias=True)"


def test_maxout_gradcheck():
    layer = nn.Maxout(3, 2, pieces=3, generator=1).double()
    x = nf.tensor(RNG.standard_normal((4, 3)), requires_grad=True)
    assert gradcheck(lambda x, w, b: nn.functional.linear(x, w, b)
                     .reshape(4, 2, 3).max(dim=-1).values, x, layer.weight, layer.bias)
    assert gradcheck(lambda x: layer(x), x)
    out = layer(x)
    out.sum().backward()
    assert layer.weight.grad.shape == (6, 3)
    # each sample sends gradient to exactly one piece per unit
    assert np.count_nonzero(np.abs(layer.bias.grad)) <= 6


def test_maxout_with_one_piece_is_linear():
    maxout = nn.Maxout(3, 2, pieces=1, generator=0)
    linear = nn.Linear(3, 2, generator=0)
    x = RNG.standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(maxout(x).data, linear(x).data)


def test_maxout_wrong_features():
    with pytest.raises(ValueError, match=r"Maxout\(in_features=3, out_features=2, pieces=2\): "
                                         r"input has 5 features"):
        nn.Maxout(3, 2, 2)(np.zeros((1, 5), dtype=np.float32))


def test_flatten_and_identity_match_torch(torch_parity):
    x = RNG.standard_normal((2, 3, 4, 5))
    torch_parity(nn.Flatten(), torch.nn.Flatten(), [x])
    torch_parity(nn.Flatten(0, 2), torch.nn.Flatten(0, 2), [x])
    torch_parity(nn.Flatten(2), torch.nn.Flatten(2), [x])
    assert nn.Flatten()(x).shape == (2, 60)
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert nn.Identity(54, unused="x")(x) is x
