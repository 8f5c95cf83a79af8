"""`nn.functional` is the bottom of `nn`: it depends on autograd only (layers call it, never
the reverse), every layer has its functional form under PyTorch's name, and the spatial,
normalization, dropout and embedding forms agree with torch.nn.functional."""
import ast
import importlib
import inspect
import pkgutil

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from nnforge import nn
from nnforge.nn import functional as F

ALLOWED = {"autograd", "random", "mistake_warnings"}    # nnforge modules F may import


def _functional_sources():
    """(dotted name, is a package, source) of nn.functional and each of its modules."""
    yield F.__name__, hasattr(F, "__path__"), inspect.getsource(F)
    for info in pkgutil.iter_modules(getattr(F, "__path__", []), F.__name__ + "."):
        module = importlib.import_module(info.name)
        yield module.__name__, info.ispkg, inspect.getsource(module)


def _imported_module(node, importer, is_package):
    """The dotted name a relative `from ... import` in module `importer` reads from."""
    parts = importer.split(".") if is_package else importer.split(".")[:-1]
    parts = parts[:len(parts) - node.level + 1]
    return ".".join(parts + ([node.module] if node.module else []))


def test_functional_imports_no_layer_module():
    allowed = tuple(f"nnforge.{name}" for name in ALLOWED) + (F.__name__,)
    for name, is_package, source in _functional_sources():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom):
                target = _imported_module(node, name, is_package) if node.level else \
                    node.module
                inside = any(target == a or target.startswith(a + ".") for a in allowed)
                assert inside or not target.startswith("nnforge"), \
                    f"{name} imports {target}: nn.functional may import only autograd, " \
                    f"random, mistake_warnings and its own modules, never a layer module"
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("nnforge") for a in node.names)


# layer -> its functional form (PyTorch's names); layers without one in PyTorch are absent
FORMS = {
    "Linear": "linear", "Conv2d": "conv2d", "MaxPool2d": "max_pool2d",
    "AvgPool2d": "avg_pool2d", "AdaptiveAvgPool2d": "adaptive_avg_pool2d",
    "BatchNorm1d": "batch_norm", "BatchNorm2d": "batch_norm", "Dropout": "dropout",
    "Embedding": "embedding", "Flatten": "flatten", "ReLU": "relu", "LeakyReLU": "leaky_relu",
    "PReLU": "prelu", "ELU": "elu", "Softplus": "softplus", "Hardtanh": "hardtanh",
    "Sigmoid": "sigmoid", "Tanh": "tanh", "SiLU": "silu", "Softmax": "softmax",
    "LogSoftmax": "log_softmax", "CrossEntropyLoss": "cross_entropy", "NLLLoss": "nll_loss",
    "MSELoss": "mse_loss", "L1Loss": "l1_loss", "BCELoss": "binary_cross_entropy",
    "BCEWithLogitsLoss": "binary_cross_entropy_with_logits",
    "SoftMarginLoss": "soft_margin_loss", "SmoothL1Loss": "smooth_l1_loss",
    "HuberLoss": "huber_loss",
}


def test_every_layer_has_its_functional_form():
    for name in nn.__all__:
        if hasattr(torch.nn, name) and isinstance(getattr(nn, name), type) and \
                issubclass(getattr(nn, name), nn.Module) and name not in (
                    "Module", "Sequential", "ModuleList", "Identity", "Parameter"):
            assert name in FORMS, f"{name} has no entry in the functional table"
    for layer, form in FORMS.items():
        assert hasattr(F, form), f"nn.functional.{form} (for nn.{layer}) is missing"
        assert hasattr(TF, form) or hasattr(torch, form)      # torch.flatten


RNG = np.random.default_rng(0)
IMAGE = RNG.standard_normal((2, 3, 7, 6))
KERNEL = RNG.standard_normal((4, 3, 3, 2))
BIAS = RNG.standard_normal(4)

CASES = [
    ("conv2d", lambda f, x, w, b: f.conv2d(x, w, b, stride=2, padding=1), (IMAGE, KERNEL, BIAS)),
    ("conv2d_dilated", lambda f, x, w: f.conv2d(x, w, dilation=(2, 1)), (IMAGE, KERNEL)),
    ("max_pool2d", lambda f, x: f.max_pool2d(x, 2), (IMAGE,)),
    ("max_pool2d_padded", lambda f, x: f.max_pool2d(x, 3, stride=2, padding=1), (IMAGE,)),
    ("avg_pool2d", lambda f, x: f.avg_pool2d(x, (2, 3), stride=1), (IMAGE,)),
    ("avg_pool2d_pad_excluded",
     lambda f, x: f.avg_pool2d(x, 3, 2, 1, count_include_pad=False), (IMAGE,)),
    ("adaptive_avg_pool2d", lambda f, x: f.adaptive_avg_pool2d(x, (3, 4)), (IMAGE,)),
    ("dropout_eval", lambda f, x: f.dropout(x, 0.4, training=False), (IMAGE,)),
    ("batch_norm_eval", lambda f, x, g, b: f.batch_norm(
        x, _like(x, np.linspace(-1, 1, 3)), _like(x, np.linspace(0.5, 2, 3)), g, b),
     (IMAGE, RNG.standard_normal(3), RNG.standard_normal(3))),
    ("batch_norm_train", lambda f, x: f.batch_norm(x, None, None, training=True), (IMAGE,)),
    ("embedding", lambda f, w: f.embedding(_like(w, np.array([[0, 2], [2, 1]])), w),
     (RNG.standard_normal((3, 4)),)),
    ("one_hot", lambda f, x: f.one_hot(_like(x, np.array([2, 0, 1])), 4) * x.sum(),
     (RNG.standard_normal(2),)),
]


def _like(reference, array):
    """`array` as a tensor of the same library as `reference`."""
    if isinstance(reference, torch.Tensor):
        return torch.from_numpy(array)
    return array


@pytest.mark.parametrize("name, fn, arrays", CASES, ids=[c[0] for c in CASES])
def test_functional_forms_match_torch(torch_parity, name, fn, arrays):
    torch_parity(lambda *xs: fn(F, *xs), lambda *xs: fn(TF, *xs), arrays)


def test_layers_and_functions_share_one_implementation():
    from nnforge.nn import conv, normalization, pooling

    assert conv.conv2d is F.conv2d and normalization.batch_norm is F.batch_norm
    assert pooling.max_pool2d is F.max_pool2d
