"""L1/L2 penalties (autograd) and parameter groups that exempt biases and normalization
parameters from decay."""
import numpy as np
import pytest

import nnforge
import nnforge.nn as nn
import nnforge.optim as optim
from nnforge.nn.normalization import BatchNorm1d
from nnforge.nn.parameter import Parameter
from nnforge.optim.regularization import is_exempt


def _model():
    generator = np.random.default_rng(0)
    return nn.Sequential(nn.Linear(3, 4, generator=generator), BatchNorm1d(4), nn.ReLU(),
                         nn.Linear(4, 2, generator=generator))


def test_penalties_values_and_gradients():
    a, b = Parameter(np.array([1.0, -2.0])), Parameter(np.array([[0.5, 0.0]]))
    l2 = optim.l2_penalty([a, b])
    assert float(l2) == pytest.approx(1 + 4 + 0.25)
    l2.backward()
    np.testing.assert_allclose(a.grad, [2.0, -4.0])
    np.testing.assert_allclose(b.grad, [[1.0, 0.0]])
    a.grad = b.grad = None
    l1 = optim.l1_penalty([a, b])
    assert float(l1) == pytest.approx(3.5)
    l1.backward()
    np.testing.assert_allclose(a.grad, [1.0, -1.0])


def test_penalties_accept_named_parameters():
    model = _model()
    assert float(optim.l2_penalty(model.named_parameters())) == pytest.approx(
        sum(float((p.data ** 2).sum()) for p in model.parameters()))


def test_groups_exempt_biases_and_normalization_parameters():
    model = _model()
    groups = optim.regularized_param_groups(model, weight_decay=0.1, l1=0.01, lr=0.5)
    decayed, kept = groups
    names = {id(p): n for n, p in model.named_parameters()}
    assert [names[id(p)] for p in decayed["params"]] == ["0.weight", "3.weight"]
    assert [names[id(p)] for p in kept["params"]] == ["0.bias", "1.weight", "1.bias", "3.bias"]
    assert (decayed["weight_decay"], decayed["l1"], decayed["lr"]) == (0.1, 0.01, 0.5)
    assert (kept["weight_decay"], kept["l1"], kept["lr"]) == (0.0, 0.0, 0.5)


def test_exempt_rules_can_be_overridden():
    model = _model()
    everything = optim.regularized_param_groups(model, weight_decay=0.1, exempt=())
    assert len(everything) == 1 and len(everything[0]["params"]) == 6
    only_first_layer = optim.regularized_param_groups(
        model, weight_decay=0.1, exempt=(lambda name, p, module: not name.startswith("0."),))
    assert len(only_first_layer[0]["params"]) == 2
    assert is_exempt("fc.bias", Parameter(np.ones(2)), None)
    assert not is_exempt("fc.weight", Parameter(np.ones((2, 2))), None)


class RMSScaling(nn.Module):
    """A normalization layer written outside nnforge (x / rms(x) * gain): it opts in to the
    "norm" exemption by declaring ``is_normalization``, whatever its name."""

    is_normalization = True

    def __init__(self, n):
        super().__init__()
        self.gain = Parameter(np.ones(n))

    def forward(self, x):
        return x / ((x * x).mean(dim=-1, keepdim=True) + 1e-6).sqrt() * self.gain


class NormalizedGain(nn.Module):
    """Not a normalization layer though "Norm" is in its name: its 1-D weight is decayed."""

    def __init__(self, n):
        super().__init__()
        self.weight = Parameter(np.ones(n))

    def forward(self, x):
        return x * self.weight


def test_norm_rule_asks_the_class_not_its_name():
    generator = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(3, 4, generator=generator), RMSScaling(4),
                          NormalizedGain(4), nn.Linear(4, 2, bias=False, generator=generator))
    decayed, kept = optim.regularized_param_groups(model, weight_decay=0.1)
    names = {id(p): n for n, p in model.named_parameters()}
    assert [names[id(p)] for p in decayed["params"]] == ["0.weight", "2.weight", "3.weight"]
    assert [names[id(p)] for p in kept["params"]] == ["0.bias", "1.gain"]
    assert nn.Module.is_normalization is False and BatchNorm1d.is_normalization is True
    out = model(nnforge.tensor(np.ones((2, 3))))
    assert out.shape == (2, 2)


@pytest.mark.parametrize("cls, options", [(optim.SGD, dict(lr=0.1, momentum=0.9)),
                                          (optim.Adam, dict(lr=0.01)),
                                          (optim.AdamW, dict(lr=0.01))])
def test_exempt_parameters_are_untouched_by_decay(cls, options):
    """With zero data gradient, only decay moves parameters: every weight moves, biases and
    BatchNorm parameters stay exactly where they were (L1 can overshoot zero, so the test
    checks movement, not shrinkage)."""
    model = _model()
    opt = cls(optim.regularized_param_groups(model, weight_decay=0.5, l1=0.1), **options)
    before = {n: p.numpy().copy() for n, p in model.named_parameters()}
    for _ in range(3):
        for p in model.parameters():
            p.grad = np.zeros_like(p.data)
        opt.step()
    for name, p in model.named_parameters():
        if name.endswith("weight") and not name.startswith("1."):
            assert np.all(p.data != before[name]), name
        else:
            np.testing.assert_array_equal(p.data, before[name], err_msg=name)


def test_negative_strengths_are_rejected():
    with pytest.raises(ValueError, match="weight_decay and l1 must be >= 0"):
        optim.regularized_param_groups(_model(), weight_decay=-1.0)


def test_l2_is_the_lectures_lambda():
    groups = optim.regularized_param_groups(_model(), l2=0.05)
    assert groups[0]["weight_decay"] == 0.1
    with pytest.raises(ValueError, match="not both"):
        optim.regularized_param_groups(_model(), l2=0.05, weight_decay=0.1)
