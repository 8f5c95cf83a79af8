"""Activation layers against torch.nn (float64 1e-6, a few in float32 1e-4), plus the
layers PyTorch lacks (Swish with learnable beta, Sign/Step and their straight-through
estimators), gradchecked."""
import numpy as np
import pytest
import torch

import nnforge as nf
from nnforge import nn
from nnforge.autograd import gradcheck

RNG = np.random.default_rng(7)
X = RNG.standard_normal((4, 3, 5)) * 3  # spans both sides of every kink and saturation

LAYERS = [
    ("ReLU", lambda: nn.ReLU(), lambda: torch.nn.ReLU()),
    ("Sigmoid", lambda: nn.Sigmoid(), lambda: torch.nn.Sigmoid()),
    ("Tanh", lambda: nn.Tanh(), lambda: torch.nn.Tanh()),
    ("Hardtanh", lambda: nn.Hardtanh(), lambda: torch.nn.Hardtanh()),
    ("Hardtanh(-2,0.5)", lambda: nn.Hardtanh(-2.0, 0.5), lambda: torch.nn.Hardtanh(-2.0, 0.5)),
    ("LeakyReLU", lambda: nn.LeakyReLU(), lambda: torch.nn.LeakyReLU()),
    ("LeakyReLU(0.2)", lambda: nn.LeakyReLU(0.2), lambda: torch.nn.LeakyReLU(0.2)),
    ("PReLU", lambda: nn.PReLU(), lambda: torch.nn.PReLU()),
    ("PReLU(3, 0.1)", lambda: nn.PReLU(3, 0.1), lambda: torch.nn.PReLU(3, 0.1)),
    ("SiLU", lambda: nn.SiLU(), lambda: torch.nn.SiLU()),
    ("ELU", lambda: nn.ELU(), lambda: torch.nn.ELU()),
    ("ELU(0.5)", lambda: nn.ELU(0.5), lambda: torch.nn.ELU(0.5)),
    ("Softplus", lambda: nn.Softplus(), lambda: torch.nn.Softplus()),
    ("Softplus(2, 3)", lambda: nn.Softplus(2.0, 3.0), lambda: torch.nn.Softplus(2.0, 3.0)),
    ("Softmax(1)", lambda: nn.Softmax(dim=1), lambda: torch.nn.Softmax(dim=1)),
    ("Softmax(-1)", lambda: nn.Softmax(dim=-1), lambda: torch.nn.Softmax(dim=-1)),
    ("LogSoftmax(1)", lambda: nn.LogSoftmax(dim=1), lambda: torch.nn.LogSoftmax(dim=1)),
    ("LogSoftmax(2)", lambda: nn.LogSoftmax(dim=2), lambda: torch.nn.LogSoftmax(dim=2)),
    ("Identity", lambda: nn.Identity(), lambda: torch.nn.Identity()),
]


@pytest.mark.parametrize("name, ours, theirs", LAYERS, ids=[row[0] for row in LAYERS])
def test_matches_torch_float64(name, ours, theirs, torch_parity):
    torch_parity(ours(), theirs(), [X])


@pytest.mark.parametrize("name, ours, theirs", LAYERS[:8], ids=[r[0] for r in LAYERS[:8]])
def test_matches_torch_float32(name, ours, theirs, torch_parity):
    torch_parity(ours(), theirs(), [X], dtype=np.float32, atol=1e-4, rtol=1e-4)


def test_kinks_follow_torch_conventions(torch_parity):
    """Exactly at 0 and at the hardtanh bounds the gradient conventions are PyTorch's."""
    x = np.array([[-1.0, 0.0, 1.0, -2.0, 2.0, 0.0]])
    for ours, theirs in [(nn.ReLU(), torch.nn.ReLU()), (nn.LeakyReLU(), torch.nn.LeakyReLU()),
                         (nn.Hardtanh(), torch.nn.Hardtanh()), (nn.ELU(), torch.nn.ELU()),
                         (nn.PReLU(), torch.nn.PReLU())]:
        torch_parity(ours, theirs, [x])


def test_softplus_is_stable_for_huge_inputs():
    x = nf.tensor(np.array([-1e4, -50.0, 0.0, 50.0, 1e4]), requires_grad=True)
    out = nn.Softplus(threshold=np.inf)(x)
    assert np.all(np.isfinite(out.data))
    np.testing.assert_allclose(out.data, [0.0, np.log1p(np.exp(-50.0)), np.log(2), 50.0, 1e4])
    out.sum().backward()
    np.testing.assert_allclose(x.grad, [0.0, 1 / (1 + np.exp(50.0)), 0.5, 1.0, 1.0])


def test_swish_fixed_beta_equals_x_sigmoid_beta_x(torch_parity):
    torch_parity(nn.Swish(beta=1.7), lambda x: x * torch.sigmoid(1.7 * x), [X])
    torch_parity(nn.Swish(), torch.nn.SiLU(), [X])


def test_swish_learnable_beta_gradcheck_and_torch():
    layer = nn.Swish(beta=0.8, learnable=True).double()
    assert [name for name, _ in layer.named_parameters()] == ["beta"]
    x = nf.tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    assert gradcheck(lambda x, b: nn.functional.swish(x, b), x, layer.beta)
    # the learned beta's gradient equals torch's for x * sigmoid(beta x)
    layer.zero_grad()
    layer(x).sum().backward()
    xt = torch.tensor(x.data)
    bt = torch.tensor([0.8], dtype=torch.float64, requires_grad=True)
    (xt * torch.sigmoid(bt * xt)).sum().backward()
    np.testing.assert_allclose(layer.beta.grad, bt.grad.numpy(), atol=1e-10)


def test_swish_is_bounded_below():
    """The minimum of x sigmoid(x) is about -0.2785 at x = -1.2785."""
    x = np.linspace(-5, 5, 100001)
    y = nn.Swish()(x).data
    assert y.min() == pytest.approx(-0.2785, abs=1e-4)
    assert x[np.argmin(y)] == pytest.approx(-1.2785, abs=1e-3)


def test_prelu_learns_its_slope_and_checks_channels():
    layer = nn.PReLU(3, init=0.25).double()
    assert layer.weight.shape == (3,)
    x = nf.tensor(RNG.standard_normal((2, 3, 4)), requires_grad=True)
    assert gradcheck(lambda x, w: nn.functional.prelu(x, w), x, layer.weight)
    with pytest.raises(ValueError, match=r"PReLU\(num_parameters=3\): input has 5 channels"):
        layer(np.zeros((2, 5)))


def test_sign_and_step_values_and_zero_gradient():
    x = nf.tensor(np.array([-2.0, -0.5, 0.0, 0.5, 2.0]), requires_grad=True)
    np.testing.assert_array_equal(nn.Sign()(x).data, [-1, -1, 0, 1, 1])
    np.testing.assert_array_equal(nn.Step()(x).data, [0, 0, 1, 1, 1])
    # like torch.sign: connected to the graph, but the gradient is zero
    (nn.Sign()(x).sum() + nn.Step()(x).sum()).backward()
    np.testing.assert_array_equal(x.grad, np.zeros(5))
    xt = torch.tensor(x.data, requires_grad=True)
    torch.sign(xt).sum().backward()
    np.testing.assert_array_equal(x.grad, xt.grad.numpy())


def test_straight_through_sign_is_the_hardtanh_gradient():
    """The estimator's backward is exactly the gradient of its surrogate (hardtanh), which
    the surrogate's own gradcheck certifies."""
    x = nf.tensor(RNG.standard_normal((3, 5)) * 2, requires_grad=True)
    upstream = RNG.standard_normal((3, 5))
    (nn.Sign(straight_through=True)(x) * nf.tensor(upstream)).sum().backward()
    ste = x.grad.numpy().copy()
    x.grad = None
    (nn.Hardtanh()(x) * nf.tensor(upstream)).sum().backward()
    np.testing.assert_array_equal(ste, x.grad)
    assert gradcheck(nn.functional.hardtanh, x)


def test_straight_through_step_passes_the_gradient_unchanged():
    x = nf.tensor(RNG.standard_normal((3, 5)), requires_grad=True)
    upstream = RNG.standard_normal((3, 5))
    (nn.Step(straight_through=True)(x) * nf.tensor(upstream)).sum().backward()
    np.testing.assert_array_equal(x.grad, upstream)


def test_straight_through_sign_lets_a_sign_network_train():
    """With the estimator a sign unit's incoming weights move towards the target."""
    layer = nn.Linear(2, 1, generator=0).double()
    x = np.array([[1.0, 0.2], [-1.0, -0.3], [0.8, -0.1], [-0.9, 0.1]])
    y = np.array([[1.0], [-1.0], [1.0], [-1.0]])
    for _ in range(50):
        loss = nn.MSELoss()(nn.Sign(straight_through=True)(layer(x)), y)
        layer.zero_grad()
        loss.backward()
        for p in layer.parameters():
            p.data -= 0.1 * p.grad
    assert np.array_equal(np.sign(layer(x).data), y)


def test_reprs_show_arguments():
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.PReLU(3)) == "PReLU(num_parameters=3)"
    assert repr(nn.Swish(2.0, learnable=True)) == "Swish(beta=2.0, learnable=True)"
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"
    assert repr(nn.Sign(True)) == "Sign(straight_through=True)"


def test_activations_keep_float32():
    x = np.ones((2, 3), dtype=np.float32)
    for layer in [nn.ReLU(), nn.LeakyReLU(), nn.ELU(), nn.Softplus(), nn.SiLU(), nn.Swish(2.0),
                  nn.Hardtanh(), nn.PReLU(), nn.Sign(), nn.Step(), nn.Sigmoid(), nn.Tanh()]:
        assert layer(x).dtype == np.float32, layer
