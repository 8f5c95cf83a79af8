"""Initializers: each preset's sample statistics within 2% of its formula on a 400x300
weight, fans for dense and conv kernels, gains equal torch's, the name registry, seeds."""
import math

import numpy as np
import pytest
import torch

import nnforge as nf
from nnforge.nn import init

SHAPE = (400, 300)  # (out, in): fan_in 300, fan_out 400
FAN_IN, FAN_OUT = 300, 400

# name, fill, expected std, distribution
PRESETS = [
    ("xavier_uniform", lambda t, g: init.xavier_uniform_(t, generator=g),
     math.sqrt(2 / (FAN_IN + FAN_OUT)), "uniform"),
    ("xavier_uniform gain 5/3", lambda t, g: init.xavier_uniform_(t, gain=5 / 3, generator=g),
     5 / 3 * math.sqrt(2 / (FAN_IN + FAN_OUT)), "uniform"),
    ("xavier_normal", lambda t, g: init.xavier_normal_(t, generator=g),
     math.sqrt(2 / (FAN_IN + FAN_OUT)), "normal"),
    ("kaiming_uniform", lambda t, g: init.kaiming_uniform_(t, generator=g),
     math.sqrt(2 / FAN_IN), "uniform"),
    ("kaiming_normal", lambda t, g: init.kaiming_normal_(t, generator=g),
     math.sqrt(2 / FAN_IN), "normal"),
    ("kaiming_normal fan_out", lambda t, g: init.kaiming_normal_(t, mode="fan_out", generator=g),
     math.sqrt(2 / FAN_OUT), "normal"),
    ("kaiming_normal tanh", lambda t, g: init.kaiming_normal_(t, nonlinearity="tanh",
                                                                generator=g),
     5 / 3 / math.sqrt(FAN_IN), "normal"),
    ("kaiming_uniform a=sqrt5 (torch default)",
     lambda t, g: init.kaiming_uniform_(t, a=math.sqrt(5), generator=g),
     1 / math.sqrt(FAN_IN) / math.sqrt(3), "uniform"),
    ("lecun_normal", lambda t, g: init.lecun_normal_(t, generator=g), math.sqrt(1 / FAN_IN),
     "normal"),
    ("lecun_uniform", lambda t, g: init.lecun_uniform_(t, generator=g), math.sqrt(1 / FAN_IN),
     "uniform"),
    ("normal std 0.01", lambda t, g: init.normal_(t, 0.0, 0.01, generator=g), 0.01, "normal"),
    ("uniform(-0.3, 0.3)", lambda t, g: init.uniform_(t, -0.3, 0.3, generator=g),
     0.6 / math.sqrt(12), "uniform"),
    ("he_normal", lambda t, g: init.get_initializer("he_normal")(t, generator=g),
     math.sqrt(2 / FAN_IN), "normal"),
    ("he_uniform", lambda t, g: init.get_initializer("he_uniform")(t, generator=g),
     math.sqrt(2 / FAN_IN), "uniform"),
    ("glorot_normal", lambda t, g: init.get_initializer("glorot_normal")(t, generator=g),
     math.sqrt(2 / (FAN_IN + FAN_OUT)), "normal"),
    ("truncated normal variance scaling",
     lambda t, g: t.__setitem__(Ellipsis, init.variance_scaling(
         SHAPE, 2.0, "fan_in", "truncated_normal", g, np.float32)),
     math.sqrt(2 / FAN_IN), "truncated"),
]


@pytest.mark.parametrize("name, fill, std, distribution", PRESETS,
                         ids=[row[0] for row in PRESETS])
def test_preset_statistics(name, fill, std, distribution):
    weight = nf.nn.Parameter(np.empty(SHAPE, dtype=np.float32))
    result = fill(weight if distribution != "truncated" else weight.data,
                  np.random.default_rng(0))
    values = weight.data
    assert values.dtype == np.float32
    assert values.std() == pytest.approx(std, rel=0.02)
    assert abs(values.mean()) < 0.02 * std * 5
    if distribution == "uniform":
        limit = std * math.sqrt(3)
        assert np.abs(values).max() <= limit * (1 + 1e-6)
        assert np.abs(values).max() > 0.99 * limit
    if distribution == "truncated":
        assert np.abs(values).max() <= 2 * std / 0.87962566103423978 * (1 + 1e-6)
    if distribution != "truncated":
        assert result is weight  # in place, returning its argument like torch


def test_fans_for_dense_and_conv_kernels():
    assert init._calculate_fan_in_and_fan_out((32, 64)) == (64, 32)
    assert init._calculate_fan_in_and_fan_out((16, 3, 5, 5)) == (75, 400)
    for shape in [(32, 64), (16, 3, 5, 5), (8, 4, 3)]:
        assert init._calculate_fan_in_and_fan_out(shape) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


def test_conv_kernel_kaiming_std():
    w = np.empty((64, 16, 3, 3), dtype=np.float32)
    init.kaiming_normal_(w, generator=0)
    assert w.std() == pytest.approx(math.sqrt(2 / (16 * 9)), rel=0.02)


@pytest.mark.parametrize("nonlinearity, param", [("linear", None), ("sigmoid", None),
                                                 ("tanh", None), ("relu", None),
                                                 ("leaky_relu", None), ("leaky_relu", 0.2),
                                                 ("leaky_relu", math.sqrt(5)), ("selu", None),
                                                 ("conv2d", None)])
def test_calculate_gain_equals_torch(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-12)


def test_calculate_gain_rejects_unknown():
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swishy'"):
        init.calculate_gain("swishy")


def test_init_scales_worked_example():
    """A worked example: fan_in 784, fan_out 256."""
    shape = (256, 784)
    std = lambda scale, mode: math.sqrt(scale / {"fan_in": 784, "fan_out": 256,
                                                 "fan_avg": 520}[mode])
    assert std(1.0, "fan_avg") == pytest.approx(0.043853, abs=1e-6)
    assert std(2.0, "fan_in") == pytest.approx(0.050508, abs=1e-6)
    assert std(2.0, "fan_out") == pytest.approx(0.088388, abs=1e-6)
    assert std(1.0, "fan_in") == pytest.approx(0.035714, abs=1e-6)
    w = init.variance_scaling(shape, 1.0, "fan_avg", "uniform", 0)
    assert np.abs(w).max() == pytest.approx(0.075955, rel=1e-3)


def test_constant_fillers_and_registry():
    w = np.empty((3, 2), dtype=np.float32)
    init.zeros_(w)
    assert not w.any()
    init.ones_(w)
    assert (w == 1).all()
    init.constant_(w, 0.3)
    assert np.allclose(w, 0.3)
    init.get_initializer("small_positive")(w)
    assert np.allclose(w, 0.01)
    init.get_initializer("constant", val=2.0)(w, generator=None)
    assert np.allclose(w, 2.0)
    init.get_initializer("normal", std=0.5)(w, generator=1)
    for name in ["zeros", "constant", "normal", "uniform", "xavier_uniform", "glorot_uniform",
                 "xavier_normal", "glorot_normal", "he_normal", "kaiming_normal", "he_uniform",
                 "kaiming_uniform", "lecun_normal", "lecun_uniform", "small_positive"]:
        assert name in init.initializer_names()
    with pytest.raises(ValueError, match="needs val="):
        init.get_initializer("constant")
    with pytest.raises(ValueError, match="unknown initializer 'xavier'"):
        init.get_initializer("xavier")


def test_seeded_generators_repeat():
    a, b = np.empty((5, 4)), np.empty((5, 4))
    init.xavier_normal_(a, generator=np.random.default_rng(9))
    init.xavier_normal_(b, generator=9)
    np.testing.assert_array_equal(a, b)


def test_variance_scaling_validates_arguments():
    with pytest.raises(ValueError, match="mode must be one of"):
        init.variance_scaling((3, 3), mode="fan_sum")
    with pytest.raises(ValueError, match="distribution must be one of"):
        init.variance_scaling((3, 3), distribution="gamma")
    with pytest.raises(ValueError, match="0-d"):
        init.kaiming_normal_(np.empty(()))
    with pytest.raises(TypeError, match="expected a Tensor, Parameter or ndarray"):
        init.zeros_([1.0, 2.0])
