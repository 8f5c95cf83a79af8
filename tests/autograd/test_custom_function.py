"""Custom autograd Functions written as courses teach them (Tensors in forward and backward),
checked against finite differences and PyTorch; `autograd.grad`; `grad_fn.next_functions`."""
import numpy as np
import pytest
import torch

import nnforge as nf
from nnforge.autograd import Function, gradcheck


def _define(lib):
    class LegendrePolynomial3(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return 0.5 * (5 * x ** 3 - 3 * x)

        @staticmethod
        def backward(ctx, grad_output):
            x, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * x ** 2 - 1)

    class ScaledMul(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, w, scale):
            ctx.save_for_backward(x, w)
            ctx.scale = scale
            ctx.flags = ctx.needs_input_grad
            return x * w * scale

        @staticmethod
        def backward(ctx, grad):
            x, w = ctx.saved_tensors
            gx = grad * w * ctx.scale if ctx.needs_input_grad[0] else None
            gw = (grad * x * ctx.scale).sum(0) if ctx.needs_input_grad[1] else None
            return gx, gw, None

    return LegendrePolynomial3, ScaledMul


OURS = _define(nf)
THEIRS = _define(torch)


def test_forward_and_backward_see_tensors_and_match_torch():
    x = np.linspace(-1, 1, 7)
    a = nf.tensor(x, requires_grad=True)
    b = torch.tensor(x, requires_grad=True)
    ya, yb = OURS[0].apply(a), THEIRS[0].apply(b)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-12)
    (ya * ya).sum().backward()
    (yb * yb).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12)
    assert ya.grad_fn is not None and not ya.is_leaf


def test_gradcheck_on_custom_functions():
    rng = np.random.default_rng(0)
    x = nf.tensor(rng.standard_normal(5), requires_grad=True)
    assert gradcheck(OURS[0].apply, (x,))
    x = nf.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    w = nf.tensor(rng.standard_normal(3), requires_grad=True)
    assert gradcheck(lambda x, w: OURS[1].apply(x, w, 0.5), x, w)


def test_needs_input_grad_and_none_gradients():
    x = nf.tensor(np.ones((2, 3)), requires_grad=True)
    w = nf.tensor(np.full(3, 2.0))                      # no grad wanted
    out = OURS[1].apply(x, w, 3.0)
    assert out.grad_fn.flags == (True, False, False)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3), 6.0))
    assert w.grad is None


def test_without_grad_the_output_is_plain():
    with nf.no_grad():
        out = OURS[0].apply(nf.tensor([0.5], requires_grad=True))
    assert not out.requires_grad and out.grad_fn is None


def test_modifying_a_saved_tensor_is_caught():
    x = nf.tensor([0.5, 0.25], requires_grad=True)
    h = x * 1.0
    y = OURS[0].apply(h).sum()
    with nf.no_grad():
        h.mul_(2)
    with pytest.raises(RuntimeError, match="inplace"):
        y.backward()


def test_wrong_number_of_gradients_is_a_clear_error():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, grad):
            return grad

    out = Bad.apply(nf.tensor([1.0], requires_grad=True), nf.tensor([2.0]))
    with pytest.raises(RuntimeError, match="returned 1 gradient"):
        out.sum().backward()


def test_next_functions_have_torch_layout():
    w = nf.tensor([1.0, 2.0], requires_grad=True)
    x = nf.tensor([3.0, 4.0])
    y = (w * x).sum()
    (mul_node, index), = y.grad_fn.next_functions
    assert index == 0 and mul_node.name() == "MulBackward0"
    (acc, i0), (missing, i1) = mul_node.next_functions
    assert acc.name() == "AccumulateGrad" and acc.variable is w and missing is None
    t_w = torch.tensor([1.0, 2.0], requires_grad=True)
    t_y = (t_w * torch.tensor([3.0, 4.0])).sum()
    t_mul, _ = t_y.grad_fn.next_functions[0]
    assert [n is None for n, _ in t_mul.next_functions] == \
        [n is None for n, _ in mul_node.next_functions]


def test_autograd_grad_returns_gradients_without_touching_dot_grad():
    x, tx = (nf.tensor([1.0, 2.0, 3.0], requires_grad=True),
             torch.tensor([1.0, 2.0, 3.0], requires_grad=True))
    ours = nf.autograd.grad((x ** 3).sum(), x)
    theirs = torch.autograd.grad((tx ** 3).sum(), tx)
    np.testing.assert_allclose(ours[0].numpy(), theirs[0].numpy())
    assert x.grad is None
    h = x * 2
    g_h, g_x = nf.autograd.grad((h * h).sum(), [h, x])
    np.testing.assert_allclose(g_h.numpy(), 2 * h.detach().numpy())
    np.testing.assert_allclose(g_x.numpy(), 8 * x.detach().numpy())
    with pytest.raises(RuntimeError, match="not used"):
        nf.autograd.grad((x * 2).sum(), [x, nf.tensor([1.0], requires_grad=True)])


def _define_two_outputs(lib):
    class SortWithIndices(lib.autograd.Function):
        """Two outputs, one of them not differentiable (like torch.sort)."""

        @staticmethod
        def forward(ctx, x):
            order = lib.tensor(np.argsort(x.detach().numpy(), kind="stable"))
            values = x[order]
            scaled = values * 2
            ctx.mark_non_differentiable(order)
            ctx.save_for_backward(order)
            return values, scaled, order

        @staticmethod
        def backward(ctx, grad_values, grad_scaled, grad_order):
            order, = ctx.saved_tensors
            grad = lib.zeros_like(grad_values)
            grad[order] = grad_values + 2 * grad_scaled
            return grad

    return SortWithIndices


def test_custom_function_with_several_outputs_matches_torch():
    x = np.array([0.3, -1.2, 2.5, 0.7])
    results = []
    for lib in (nf, torch):
        t = lib.tensor(x, requires_grad=True)
        values, scaled, order = _define_two_outputs(lib).apply(t)
        assert not order.requires_grad and values.requires_grad
        (values * lib.tensor([1.0, 2.0, 3.0, 4.0], dtype=lib.float64)).sum().backward(
            retain_graph=True)
        first = t.grad.numpy().copy()
        t.grad = None
        (scaled ** 2).sum().backward()
        results.append((values.detach().numpy(), first, t.grad.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs)
    x = nf.tensor(x, requires_grad=True)
    fn = _define_two_outputs(nf)
    assert gradcheck(lambda x: fn.apply(x)[:2], x)
