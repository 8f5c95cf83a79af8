"""Random small networks from nnforge.nn, compared with the same network in PyTorch 2.13.

Hypothesis draws a layer stack (Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d,
BatchNorm2d, Flatten, Linear, BatchNorm1d, activations, Dropout, Residual blocks), a batch
and train or eval mode. The nnforge model (float64, its parameters and BatchNorm buffers
randomised) is copied into the torch model through `state_dict`/`load_state_dict(strict=
True)`, so the parameter names must match PyTorch's too. Outputs, the input gradient,
every parameter gradient and (in training) the updated running statistics must agree.
Dropout has p=0 in train mode (a random mask cannot be compared) and any p in eval mode.
The printed counterexample is the layer stack, e.g.
`train x=(2, 1, 5, 5) seed=0 | Conv2d(1, 2, kernel_size=3) | ReLU() | Flatten() | ...`.
"""
import os

import numpy as np
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nnforge as nf
from nnforge import nn
from nnforge.nn.conv import Conv2d
from nnforge.nn.normalization import BatchNorm1d, BatchNorm2d
from nnforge.nn.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d

SCALE = float(os.environ.get("NNFORGE_FUZZ_SCALE", "1"))
FUZZ = settings(derandomize=True, database=None, deadline=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
RTOL, ATOL = 1e-7, 1e-9


class Layer:
    """One layer: a PyTorch class name and its constructor arguments (or a Residual
    around a list of layers)."""

    def __init__(self, kind, *args, block=None, **kwargs):
        self.kind, self.args, self.kwargs, self.block = kind, args, kwargs, block

    def __repr__(self):
        if self.kind == "Residual":
            return f"Residual({', '.join(map(repr, self.block))})"
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.kind}({', '.join(parts)})"


class Network:
    def __init__(self, layers, input_shape, training, seed):
        self.layers, self.input_shape, self.training, self.seed = layers, input_shape, \
            training, seed

    def __repr__(self):
        mode = "train" if self.training else "eval"
        return " | ".join([f"{mode} x={self.input_shape} seed={self.seed}"]
                          + [repr(layer) for layer in self.layers])


class TorchResidual(torch.nn.Module):
    def __init__(self, block):
        super().__init__()
        self.block = block

    def forward(self, x):
        return x + self.block(x)


OURS = {"Conv2d": Conv2d, "MaxPool2d": MaxPool2d, "AvgPool2d": AvgPool2d,
        "AdaptiveAvgPool2d": AdaptiveAvgPool2d, "BatchNorm1d": BatchNorm1d,
        "BatchNorm2d": BatchNorm2d}


def build(layers, library):
    modules = []
    for layer in layers:
        if layer.kind == "Residual":
            inner = build(layer.block, library)
            modules.append(nn.Residual(inner) if library == "nnforge" else TorchResidual(inner))
            continue
        if library == "nnforge":
            cls = OURS.get(layer.kind) or getattr(nn, layer.kind)
        else:
            cls = getattr(torch.nn, layer.kind)
        modules.append(cls(*layer.args, **layer.kwargs))
    return nn.Sequential(*modules) if library == "nnforge" else torch.nn.Sequential(*modules)


# --- generation -----------------------------------------------------------------------------
ACTIVATIONS = [("ReLU", {}), ("Tanh", {}), ("Sigmoid", {}), ("LeakyReLU", {"negative_slope": 0.1}),
               ("ELU", {"alpha": 0.7}), ("Softplus", {"beta": 2.0}), ("SiLU", {}),
               ("Hardtanh", {"min_val": -0.5, "max_val": 0.8}), ("Identity", {})]


def _activation(draw, channels):
    if draw(st.integers(0, 9)) == 0:
        return Layer("PReLU", num_parameters=draw(st.sampled_from([1, channels])))
    kind, kwargs = draw(st.sampled_from(ACTIVATIONS))
    return Layer(kind, **kwargs)


def _dropout(draw, training):
    return Layer("Dropout", p=0.0 if training else draw(st.sampled_from([0.0, 0.3, 0.5])))


def _out(size, kernel, stride, padding, dilation=1):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _image_layer(draw, c, h, w, training):
    """One layer on an (N, c, h, w) activation -> (layer, c, h, w) or None."""
    kind = draw(st.sampled_from(["conv", "conv", "act", "maxpool", "avgpool", "adaptive",
                                 "bn", "residual", "dropout"]))
    if kind == "conv":
        k = draw(st.integers(1, min(3, h, w)))
        stride, dilation = draw(st.integers(1, 2)), draw(st.integers(1, 2))
        padding = draw(st.integers(0, k // 2 + 1))
        oh, ow = _out(h, k, stride, padding, dilation), _out(w, k, stride, padding, dilation)
        if min(oh, ow) < 1:
            return None
        out = draw(st.integers(1, 4))
        return Layer("Conv2d", c, out, k, stride=stride, padding=padding, dilation=dilation,
                     bias=draw(st.booleans())), out, oh, ow
    if kind in ("maxpool", "avgpool"):
        k = draw(st.integers(1, min(3, h, w)))
        stride = draw(st.sampled_from([None, 1, 2]))
        padding = draw(st.integers(0, k // 2))
        s = stride or k
        oh, ow = _out(h, k, s, padding), _out(w, k, s, padding)
        if min(oh, ow) < 1:
            return None
        if kind == "maxpool":
            return Layer("MaxPool2d", k, stride=stride, padding=padding), c, oh, ow
        return Layer("AvgPool2d", k, stride=stride, padding=padding,
                     count_include_pad=draw(st.booleans())), c, oh, ow
    if kind == "adaptive":
        oh, ow = draw(st.integers(1, h)), draw(st.integers(1, w))
        return Layer("AdaptiveAvgPool2d", (oh, ow)), c, oh, ow
    if kind == "bn":
        return Layer("BatchNorm2d", c, eps=draw(st.sampled_from([1e-5, 1e-3])),
                     momentum=draw(st.sampled_from([0.1, 0.5, None])),
                     affine=draw(st.booleans()),
                     track_running_stats=draw(st.booleans())), c, h, w
    if kind == "residual":
        k = draw(st.sampled_from([1, 3]))
        block = [Layer("Conv2d", c, c, k, padding=k // 2), _activation(draw, c)]
        return Layer("Residual", block=block), c, h, w
    if kind == "dropout":
        return _dropout(draw, training), c, h, w
    return _activation(draw, c), c, h, w


def _flat_layer(draw, f, training):
    kind = draw(st.sampled_from(["linear", "linear", "act", "bn", "residual", "dropout"]))
    if kind == "linear":
        out = draw(st.integers(1, 6))
        return Layer("Linear", f, out, bias=draw(st.booleans())), out
    if kind == "bn":
        return Layer("BatchNorm1d", f, momentum=draw(st.sampled_from([0.1, None])),
                     affine=draw(st.booleans())), f
    if kind == "residual":
        return Layer("Residual", block=[Layer("Linear", f, f), _activation(draw, f)]), f
    if kind == "dropout":
        return _dropout(draw, training), f
    return _activation(draw, f), f


@st.composite
def networks(draw, images=True):
    training = draw(st.booleans())
    n = draw(st.integers(2, 4))
    layers = []
    if images:
        c, h, w = draw(st.integers(1, 3)), draw(st.integers(3, 7)), draw(st.integers(3, 7))
        shape = (n, c, h, w)
        for _ in range(draw(st.integers(1, 4))):
            step = _image_layer(draw, c, h, w, training)
            if step is not None:
                layer, c, h, w = step
                layers.append(layer)
        layers.append(Layer("Flatten"))
        f = c * h * w
    else:
        f = draw(st.integers(1, 6))
        shape = (n, f)
    for _ in range(draw(st.integers(0 if images else 1, 4))):
        layer, f = _flat_layer(draw, f, training)
        layers.append(layer)
    if draw(st.integers(0, 4)) == 0:
        layers.append(Layer(draw(st.sampled_from(["Softmax", "LogSoftmax"])), dim=1))
    return Network(layers, shape, training, draw(st.integers(0, 2 ** 16)))


# --- comparison -----------------------------------------------------------------------------
def twin_models(network):
    """The nnforge model (float64, parameters and BatchNorm buffers randomised) and the
    same weights in the torch model."""
    rng = np.random.default_rng(network.seed)
    ours = build(network.layers, "nnforge").to(np.float64)
    for module in ours.modules():
        if isinstance(module, (BatchNorm1d, BatchNorm2d)):
            for name in ("weight", "bias", "running_mean"):
                array = getattr(module, name)
                if array is not None:
                    array = array.data if isinstance(array, nn.Parameter) else array
                    array[...] = rng.uniform(-1.0, 1.0, array.shape)
            if module.running_var is not None:
                module.running_var[...] = rng.uniform(0.5, 2.0, module.running_var.shape)
    theirs = build(network.layers, "torch").double()
    theirs.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in
                            ours.state_dict().items()}, strict=True)
    ours.train(network.training)
    theirs.train(network.training)
    return ours, theirs, rng


def check_network(network):
    ours, theirs, rng = twin_models(network)
    x = rng.standard_normal(network.input_shape)
    xo = nf.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    out, ref = ours(xo), theirs(xt)
    where = f"\n  in {network!r}"
    assert out.shape == tuple(ref.shape), f"output shape {out.shape} vs {tuple(ref.shape)}{where}"
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=RTOL, atol=ATOL,
                               err_msg="output" + where)
    grad = rng.uniform(-1.0, 1.0, out.shape)
    out.backward(grad)
    ref.backward(torch.from_numpy(grad))
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=RTOL, atol=ATOL,
                               err_msg="input gradient" + where)
    torch_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, torch_params[name].grad.numpy(), rtol=RTOL,
                                   atol=ATOL, err_msg=f"gradient of {name}{where}")
    torch_state = theirs.state_dict()
    for name, array in ours.state_dict().items():
        np.testing.assert_allclose(array, torch_state[name].numpy(), rtol=RTOL, atol=ATOL,
                                   err_msg=f"state {name} after the forward pass{where}")


@settings(FUZZ, max_examples=max(1, int(250 * SCALE)))
@given(networks(images=True))
def test_random_conv_networks(network):
    check_network(network)


@settings(FUZZ, max_examples=max(1, int(150 * SCALE)))
@given(networks(images=False))
def test_random_mlps(network):
    check_network(network)


@settings(FUZZ, max_examples=max(1, int(100 * SCALE)))
@given(networks(images=True))
def test_random_networks_stay_float32(network):
    """The same networks in float32 (the default dtype): no silent float64 upcast in any
    output, gradient or buffer, and agreement with torch's float32 to 1e-4."""
    ours, theirs, rng = twin_models(network)
    ours.to(np.float32)
    theirs.float()
    x = rng.standard_normal(network.input_shape).astype(np.float32)
    xo = nf.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    out, ref = ours(xo), theirs(xt)
    where = f"\n  in {network!r}"
    grad = rng.uniform(-1.0, 1.0, out.shape).astype(np.float32)
    out.backward(grad)
    ref.backward(torch.from_numpy(grad))
    assert out.dtype == np.float32 and xo.grad.dtype == np.float32, \
        f"output {out.dtype}, input grad {xo.grad.dtype}{where}"
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-4, atol=1e-5,
                               err_msg="output" + where)
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-4, atol=1e-5,
                               err_msg="input gradient" + where)
    for name, p in ours.named_parameters():
        assert p.grad.dtype == np.float32, f"{name}.grad is {p.grad.dtype}{where}"
    for name, array in ours.state_dict().items():
        assert array.dtype in (np.float32, np.int64), f"{name} is {array.dtype}{where}"
