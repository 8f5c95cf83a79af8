"""Every autograd op: float64 gradcheck against finite differences, and values and gradients
against PyTorch 2.13 on the same random inputs."""
import numpy as np
import pytest
import torch

import nnforge as nf
from nnforge.autograd import gradcheck


def positive(shape, rng):
    return rng.uniform(0.5, 2.0, size=shape)


def anything(shape, rng):
    return rng.standard_normal(shape)


def away_from_zero(shape, rng):
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.3, 2.0, size=shape)


# name, function (works on nnforge and torch tensors alike), input shapes, input sampler
OPS = [
    ("add", lambda a, b: a + b, [(3, 4), (3, 4)], anything),
    ("add_broadcast", lambda a, b: a + b, [(2, 3, 4), (3, 1)], anything),
    ("add_scalar_0d", lambda a, b: a + b, [(), (2, 3)], anything),
    ("radd_python", lambda a: 2.5 + a, [(3,)], anything),
    ("sub", lambda a, b: a - b, [(4, 1), (1, 5)], anything),
    ("rsub_python", lambda a: 1.0 - a, [(2, 2)], anything),
    ("mul", lambda a, b: a * b, [(2, 3), (2, 3)], anything),
    ("mul_broadcast_0d", lambda a, b: a * b, [(2, 3), ()], anything),
    ("rmul_python", lambda a: 3.0 * a, [(4,)], anything),
    ("div", lambda a, b: a / b, [(2, 3), (3,)], away_from_zero),
    ("rdiv_python", lambda a: 2.0 / a, [(3, 2)], away_from_zero),
    ("pow_scalar", lambda a: a ** 3, [(2, 3)], anything),
    ("pow_square", lambda a: a ** 2, [(5,)], anything),
    ("pow_fractional", lambda a: a ** 0.5, [(2, 3)], positive),
    ("pow_tensor", lambda a, b: a ** b, [(2, 3), (2, 3)], positive),
    ("rpow_python", lambda a: 2.0 ** a, [(3,)], anything),
    ("neg", lambda a: -a, [(2, 2)], anything),
    ("matmul_2d", lambda a, b: a @ b, [(3, 4), (4, 2)], anything),
    ("matmul_batched", lambda a, b: a @ b, [(2, 3, 4), (2, 4, 5)], anything),
    ("matmul_broadcast_batch", lambda a, b: a @ b, [(2, 3, 4), (4, 5)], anything),
    ("matmul_vec_mat", lambda a, b: a @ b, [(4,), (4, 3)], anything),
    ("matmul_mat_vec", lambda a, b: a @ b, [(3, 4), (4,)], anything),
    ("matmul_vec_vec", lambda a, b: a @ b, [(4,), (4,)], anything),
    ("exp", lambda a: a.exp(), [(2, 3)], anything),
    ("log", lambda a: a.log(), [(2, 3)], positive),
    ("sqrt", lambda a: a.sqrt(), [(2, 3)], positive),
    ("abs", lambda a: a.abs(), [(2, 3)], away_from_zero),
    ("clamp", lambda a: a.clamp(-0.5, 0.5), [(4, 5)], anything),
    ("clamp_min", lambda a: a.clamp(min=0.1), [(4, 5)], anything),
    ("maximum", lambda a, b: a.maximum(b), [(3, 4), (4,)], anything),
    ("minimum", lambda a, b: a.minimum(b), [(3, 4), (3, 1)], anything),
    ("sum_all", lambda a: a.sum(), [(2, 3, 4)], anything),
    ("sum_dim", lambda a: a.sum(1), [(2, 3, 4)], anything),
    ("sum_dims_keepdim", lambda a: a.sum((0, 2), keepdim=True), [(2, 3, 4)], anything),
    ("sum_0d", lambda a: a.sum(), [()], anything),
    ("mean_all", lambda a: a.mean(), [(2, 3)], anything),
    ("mean_dim_neg", lambda a: a.mean(-1), [(2, 3, 4)], anything),
    ("max_all", lambda a: a.max(), [(3, 4)], anything),
    ("min_all", lambda a: a.min(), [(3, 4)], anything),
    ("max_dim", lambda a: _values(a.max(1)), [(3, 4, 2)], anything),
    ("min_dim_keepdim", lambda a: _values(a.min(0, keepdim=True)), [(3, 4)], anything),
    ("reshape", lambda a: a.reshape(4, 3) * 2, [(2, 6)], anything),
    ("view_infer", lambda a: a.view(-1) * 2, [(2, 3)], anything),
    ("transpose", lambda a: a.transpose(0, 2) * 2, [(2, 3, 4)], anything),
    ("permute", lambda a: a.permute(2, 0, 1) * 2, [(2, 3, 4)], anything),
    ("flatten", lambda a: a.flatten(1) * 2, [(2, 3, 4)], anything),
    ("unsqueeze_squeeze", lambda a: a.unsqueeze(1).squeeze(1) * 2, [(2, 3)], anything),
    ("expand", lambda a: a.expand(3, 4) * 2, [(1, 4)], anything),
    ("getitem_slice", lambda a: a[1:, ::2] * 2, [(3, 5)], anything),
    ("getitem_int", lambda a: a[1] * 2, [(3, 5)], anything),
    ("getitem_ellipsis", lambda a: a[..., 0] * 2, [(2, 3, 4)], anything),
    ("relu", lambda a: a.relu(), [(3, 4)], away_from_zero),
    ("sigmoid", lambda a: a.sigmoid(), [(3, 4)], anything),
    ("tanh", lambda a: a.tanh(), [(3, 4)], anything),
    ("softmax", lambda a: a.softmax(1), [(3, 4)], anything),
    ("softmax_dim0", lambda a: a.softmax(0), [(3, 4)], anything),
    ("log_softmax", lambda a: a.log_softmax(-1), [(3, 4)], anything),
    ("reused_value", lambda a: a * a + a.exp() * a, [(3,)], anything),
    ("var", lambda a: a.var(1), [(3, 4)], anything),
]


def _values(result):
    """max(dim) returns (values, indices) in both libraries."""
    return result.values if hasattr(result, "values") else result


def _inputs(shapes, sampler, seed):
    rng = np.random.default_rng(seed)
    return [sampler(shape, rng) for shape in shapes]


@pytest.mark.parametrize("name, fn, shapes, sampler", OPS, ids=[op[0] for op in OPS])
def test_gradcheck(name, fn, shapes, sampler):
    arrays = _inputs(shapes, sampler, seed=7)
    tensors = [nf.tensor(a, requires_grad=True) for a in arrays]
    assert gradcheck(fn, *tensors)


@pytest.mark.parametrize("name, fn, shapes, sampler", OPS, ids=[op[0] for op in OPS])
def test_matches_torch(name, fn, shapes, sampler):
    arrays = _inputs(shapes, sampler, seed=11)
    ours = [nf.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = fn(*ours), fn(*theirs)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-6, atol=1e-6)
    upstream = np.random.default_rng(3).standard_normal(out.shape)
    out.backward(upstream)
    ref.backward(torch.tensor(upstream))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_getitem_integer_array_accumulates_repeats():
    a = nf.tensor(np.arange(5.0), requires_grad=True)
    a[np.array([0, 2, 2, 4])].sum().backward()
    np.testing.assert_array_equal(a.grad, [1, 0, 2, 0, 1])
    b = nf.tensor(np.ones((3, 4)), requires_grad=True)
    (b[[0, 2], [1, 1]] * 3).sum().backward()
    expected = np.zeros((3, 4))
    expected[0, 1] = expected[2, 1] = 3
    np.testing.assert_array_equal(b.grad, expected)


def test_getitem_boolean_mask_and_tensor_index():
    a = nf.tensor(np.array([-1.0, 2.0, -3.0, 4.0]), requires_grad=True)
    (a[a > 0] * 2).sum().backward()
    np.testing.assert_array_equal(a.grad, [0, 2, 0, 2])


def test_cat_and_stack_gradients_match_torch(rng):
    arrays = [rng.standard_normal((2, 3)), rng.standard_normal((4, 3))]
    ours = [nf.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    w = rng.standard_normal((6, 3))
    (nf.cat(ours, dim=0) * nf.tensor(w)).sum().backward()
    (torch.cat(theirs, dim=0) * torch.tensor(w)).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy())
    same = [rng.standard_normal((2, 3)) for _ in range(3)]
    ours = [nf.tensor(a, requires_grad=True) for a in same]
    assert gradcheck(lambda *xs: nf.stack(xs, dim=1) ** 2, *ours)
    assert gradcheck(lambda x, y: nf.cat([x, y], dim=1).tanh(), *ours[:2])


def test_where_gradient(rng):
    x = nf.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    y = nf.tensor(rng.standard_normal((4,)), requires_grad=True)
    condition = rng.standard_normal((3, 4)) > 0
    assert gradcheck(lambda x, y: nf.where(condition, x, y) * 2, x, y)


def test_maximum_ties_split_gradient_like_torch():
    a = nf.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = nf.tensor(np.array([1.0, 5.0, 0.0]), requires_grad=True)
    a.maximum(b).sum().backward()
    ta = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    tb = torch.tensor([1.0, 5.0, 0.0], requires_grad=True)
    torch.maximum(ta, tb).sum().backward()
    np.testing.assert_allclose(a.grad, ta.grad.numpy())
    np.testing.assert_allclose(b.grad, tb.grad.numpy())


def test_max_ties_full_reduction_share_gradient_like_torch():
    data = np.array([[1.0, 3.0], [3.0, 0.0]])
    a = nf.tensor(data, requires_grad=True)
    a.max().backward()
    t = torch.tensor(data, requires_grad=True)
    t.max().backward()
    np.testing.assert_allclose(a.grad, t.grad.numpy())


def test_relu_gradient_at_zero_is_zero_like_torch():
    a = nf.tensor(np.array([-1.0, 0.0, 2.0]), requires_grad=True)
    a.relu().sum().backward()
    np.testing.assert_array_equal(a.grad, [0.0, 0.0, 1.0])


def test_reduction_accepts_axis_and_keepdims_spelling(rng):
    data = rng.standard_normal((2, 3, 4))
    a = nf.tensor(data)
    np.testing.assert_allclose(a.sum(axis=1, keepdims=True).data, data.sum(1, keepdims=True))
    np.testing.assert_allclose(a.mean(dim=(0, 2)).data, data.mean((0, 2)))
    np.testing.assert_allclose(a.max(axis=2).data, data.max(2))


def test_log_softmax_is_finite_for_huge_logits():
    logits = nf.tensor(np.array([[1000.0, -1000.0, 0.0]]), requires_grad=True)
    out = logits.log_softmax(1)
    assert np.all(np.isfinite(out.data))
    out[:, 0].sum().backward()
    assert np.all(np.isfinite(logits.grad))


def test_float32_stays_float32():
    a = nf.tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    out = ((a * 2.5 + 1) / 3.0 - 0.5) ** 2
    out = out.exp().log().sqrt().sigmoid().tanh().softmax(1).sum()
    assert out.dtype == np.float32
    out.backward()
    assert a.grad.dtype == np.float32
