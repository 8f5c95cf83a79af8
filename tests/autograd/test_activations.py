"""Gradchecks (float64 central differences) of every activation Function, on a 0-d, a 1-D
and a 3-D input, and their values against torch where torch has the op."""
import numpy as np
import pytest
import torch

import nnforge as nf
from nnforge.autograd import activations as A
from nnforge.autograd import gradcheck

SHAPES = [(), (5,), (2, 3, 4)]


def _input(shape, seed=0, scale=2.0):
    values = np.random.default_rng(seed).standard_normal(shape) * scale
    # keep away from the kinks (0, +-1) by more than gradcheck's eps
    values = np.where(np.abs(values) < 1e-3, 0.1, values)
    values = np.where(np.abs(np.abs(values) - 1) < 1e-3, 1.1, values)
    return nf.tensor(values, requires_grad=True)


OPS = [
    ("relu", lambda x: A.ReLU.apply(x), torch.relu),
    ("sigmoid", lambda x: A.Sigmoid.apply(x), torch.sigmoid),
    ("tanh", lambda x: A.Tanh.apply(x), torch.tanh),
    ("leaky_relu", lambda x: A.LeakyReLU.apply(x, negative_slope=0.1),
     lambda x: torch.nn.functional.leaky_relu(x, 0.1)),
    ("elu", lambda x: A.ELU.apply(x, alpha=1.3), lambda x: torch.nn.functional.elu(x, 1.3)),
    ("softplus", lambda x: A.Softplus.apply(x, beta=1.5, threshold=2.0),
     lambda x: torch.nn.functional.softplus(x, 1.5, 2.0)),
    ("hardtanh", lambda x: A.Hardtanh.apply(x, min_val=-1.0, max_val=1.0),
     torch.nn.functional.hardtanh),
    ("silu", lambda x: A.Swish.apply(x), torch.nn.functional.silu),
    ("swish(2)", lambda x: A.Swish.apply(x, beta=2.0), lambda x: x * torch.sigmoid(2 * x)),
    ("sign", lambda x: A.Sign.apply(x), torch.sign),
    ("step", lambda x: A.Step.apply(x), lambda x: (x >= 0).to(x.dtype)),
]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name, op, reference", OPS, ids=[o[0] for o in OPS])
def test_gradcheck_and_values(name, op, reference, shape):
    x = _input(shape)
    assert gradcheck(op, x)
    np.testing.assert_allclose(op(x).data, reference(torch.tensor(x.data)).numpy(),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_and_log_softmax_gradcheck(dim):
    x = _input((3, 4), seed=1)
    assert gradcheck(lambda x: A.Softmax.apply(x, dim=dim), x)
    assert gradcheck(lambda x: A.LogSoftmax.apply(x, dim=dim), x)


@pytest.mark.parametrize("shape, weight_shape", [((), (1,)), ((5,), (1,)), ((5, 2), (2,)),
                                                 ((2, 3, 4), (1,)), ((2, 3, 4), (3,))])
def test_prelu_gradcheck_input_and_weight(shape, weight_shape):
    x = _input(shape, seed=2)
    w = nf.tensor(np.random.default_rng(3).uniform(0.05, 0.5, weight_shape), requires_grad=True)
    assert gradcheck(A.PReLU.apply, x, w)
    reference = torch.nn.functional.prelu(torch.tensor(x.data), torch.tensor(w.data))
    np.testing.assert_allclose(A.PReLU.apply(x, w).data, reference.numpy(), rtol=1e-12)


def test_prelu_rejects_a_channel_mismatch():
    with pytest.raises(ValueError, match=r"prelu: weight has 3 entries .* shape \(5,\) has 1"):
        A.PReLU.apply(np.ones(5), np.ones(3))


@pytest.mark.parametrize("beta_shape", [(), (1,)])
def test_swish_learnable_beta_gradcheck(beta_shape):
    x = _input((3, 4), seed=4)
    beta = nf.tensor(np.full(beta_shape, 0.7), requires_grad=True)
    assert gradcheck(A.Swish.apply, x, beta)


def test_straight_through_backward_is_its_surrogates_gradient():
    """Sign's estimator = hardtanh's gradient; step's = the identity's."""
    x = _input((4, 5), seed=5)
    g = np.random.default_rng(6).standard_normal((4, 5))
    for op, surrogate in [(lambda x: A.Sign.apply(x, straight_through=True),
                           lambda x: A.Hardtanh.apply(x)),
                          (lambda x: A.Step.apply(x, straight_through=True), lambda x: x * 1.0)]:
        x.grad = None
        (op(x) * nf.tensor(g)).sum().backward()
        ste = x.grad
        x.grad = None
        (surrogate(x) * nf.tensor(g)).sum().backward()
        np.testing.assert_array_equal(ste, x.grad)
        assert gradcheck(surrogate, x)


def test_float32_stays_float32():
    x = nf.tensor(np.linspace(-3, 3, 7, dtype=np.float32), requires_grad=True)
    w = nf.tensor(np.array([0.25], dtype=np.float32), requires_grad=True)
    outs = [A.LeakyReLU.apply(x), A.ELU.apply(x), A.Softplus.apply(x), A.Hardtanh.apply(x),
            A.Swish.apply(x, beta=1.5), A.Sign.apply(x), A.Step.apply(x), A.PReLU.apply(x, w)]
    for out in outs:
        assert out.dtype == np.float32
        out.sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_elu_and_softplus_do_not_overflow():
    x = nf.tensor(np.array([-1e4, 1e4]), requires_grad=True)
    for op in (lambda x: A.ELU.apply(x), lambda x: A.Softplus.apply(x, threshold=np.inf)):
        with np.errstate(over="raise"):
            out = op(x)
            out.sum().backward()
        assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(x.grad))
        x.grad = None
