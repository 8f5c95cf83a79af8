"""The ops PyTorch code reaches for every day: gather/scatter, sort/topk, max/min with
a dim, split/chunk, repeat, cumsum, prod, norm, masked_fill, mm/bmm. Each is gradchecked in
float64 and compared with PyTorch in value and gradient (the same expression runs on both
libraries' tensors)."""
import numpy as np
import pytest
import torch

import nnforge as nf
from nnforge.autograd import gradcheck


def anything(shape, rng):
    return rng.standard_normal(shape)


def distinct(shape, rng):
    """No ties, so sort/topk/max pick the same element in both libraries."""
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 + rng.uniform(0, 0.01)


def with_zeros(shape, rng):
    x = rng.standard_normal(shape)
    x.reshape(-1)[::3] = 0.0
    return x


INDEX = np.array([[0, 2, 1], [1, 1, 0]])      # gather along dim 1 of a (2, 4) input

# name, fn (same code on nnforge and torch tensors), shapes, sampler
OPS = [
    ("square", lambda a: a.square(), [(5,)], anything),
    ("mm", lambda a, b: a.mm(b), [(3, 4), (4, 2)], anything),
    ("bmm", lambda a, b: a.bmm(b), [(2, 3, 4), (2, 4, 5)], anything),
    ("gather_dim1", lambda a: a.gather(1, _index(a, INDEX)), [(2, 4)], anything),
    ("gather_dim0_repeats", lambda a: a.gather(0, _index(a, np.array([[1, 1], [1, 0]]))),
     [(2, 3)], anything),
    ("scatter_src", lambda a, b: a.scatter(1, _index(a, np.array([[3, 0], [1, 2]])), b),
     [(2, 4), (2, 2)], anything),
    ("scatter_value", lambda a: a.scatter(0, _index(a, np.array([[1, 0, 1]])), 2.5),
     [(2, 3)], anything),
    ("sort", lambda a: a.sort(dim=1), [(3, 5)], distinct),
    ("sort_descending_dim0", lambda a: a.sort(0, descending=True), [(4, 3)], distinct),
    ("topk", lambda a: a.topk(2), [(3, 5)], distinct),
    ("topk_smallest_dim0", lambda a: a.topk(3, dim=0, largest=False), [(4, 2)], distinct),
    ("max_dim", lambda a: a.max(1), [(3, 4)], distinct),
    ("max_dim_keepdim", lambda a: a.max(0, keepdim=True), [(3, 4)], distinct),
    ("min_dim_negative", lambda a: a.min(dim=-1), [(2, 3, 4)], distinct),
    ("max_elementwise", lambda a, b: a.max(b), [(3, 4), (3, 4)], distinct),
    ("split_size", lambda a: a.split(2, dim=1), [(3, 5)], anything),
    ("split_sections", lambda a: a.split([1, 3], dim=0), [(4, 2)], anything),
    ("chunk", lambda a: a.chunk(3, dim=1), [(2, 7)], anything),
    ("repeat", lambda a: a.repeat(2, 3), [(2, 3)], anything),
    ("repeat_new_dim", lambda a: a.repeat(2, 1, 2), [(3, 2)], anything),
    ("cumsum", lambda a: a.cumsum(1), [(3, 4)], anything),
    ("cumsum_dim0", lambda a: a.cumsum(dim=0), [(3, 4)], anything),
    ("prod_all", lambda a: a.prod(), [(2, 3)], anything),
    ("prod_dim_with_zeros", lambda a: a.prod(1), [(3, 4)], with_zeros),
    ("prod_keepdim", lambda a: a.prod(0, keepdim=True), [(3, 2)], anything),
    ("norm", lambda a: a.norm(), [(3, 4)], anything),
    ("norm_dim", lambda a: a.norm(dim=1), [(3, 4)], anything),
    ("norm_p1_keepdim", lambda a: a.norm(p=1, dim=0, keepdim=True), [(3, 4)], anything),
    ("norm_p3", lambda a: a.norm(p=3, dim=1), [(2, 4)], anything),
    ("masked_fill", lambda a: a.masked_fill(a > 0.2, -1.0), [(3, 4)], anything),
    ("view_as", lambda a, b: a.view_as(b), [(2, 6), (3, 4)], anything),
    ("reshape_as", lambda a, b: a.reshape_as(b) * b, [(2, 6), (3, 4)], anything),
    ("expand_as", lambda a, b: a.expand_as(b) * b, [(3, 1), (3, 4)], anything),
    ("std", lambda a: a.std(1), [(3, 4)], anything),
]


def _index(like, array):
    """An int64 index tensor of the same library as `like`."""
    return torch.from_numpy(array) if isinstance(like, torch.Tensor) else nf.tensor(array)


def _float_outputs(out):
    outputs = out if isinstance(out, tuple) else (out,)
    return [o for o in outputs
            if (o.detach() if isinstance(o, torch.Tensor) else o).numpy().dtype == np.float64]


def _inputs(shapes, sampler, seed):
    rng = np.random.default_rng(seed)
    return [sampler(shape, rng) for shape in shapes]


@pytest.mark.parametrize("name, fn, shapes, sampler", OPS, ids=[op[0] for op in OPS])
def test_gradcheck(name, fn, shapes, sampler):
    arrays = _inputs(shapes, sampler, seed=7)
    tensors = [nf.tensor(a, requires_grad=True) for a in arrays]
    assert gradcheck(lambda *t: tuple(_float_outputs(fn(*t))), *tensors)


@pytest.mark.parametrize("name, fn, shapes, sampler", OPS, ids=[op[0] for op in OPS])
def test_matches_torch(name, fn, shapes, sampler):
    arrays = _inputs(shapes, sampler, seed=11)
    ours = [nf.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = fn(*ours), fn(*theirs)
    out_all = out if isinstance(out, tuple) else (out,)
    ref_all = ref if isinstance(ref, tuple) else (ref,)
    assert len(out_all) == len(ref_all)
    for o, r in zip(out_all, ref_all):                # values, and indices where returned
        assert o.shape == tuple(r.shape)
        np.testing.assert_allclose(np.asarray(o), r.detach().numpy(), rtol=1e-7,
                                   atol=1e-9)
    rng = np.random.default_rng(3)
    total_ours, total_theirs = 0, 0
    for o, r in zip(_float_outputs(out), _float_outputs(ref)):
        w = rng.standard_normal(o.shape)
        total_ours = total_ours + (o * nf.tensor(w)).sum()
        total_theirs = total_theirs + (r * torch.tensor(w)).sum()
    total_ours.backward()
    total_theirs.backward()
    for a, b in zip(ours, theirs):
        if b.grad is None:                          # an input used for its shape only
            assert a.grad is None
            continue
        np.testing.assert_allclose(np.asarray(a.grad), b.grad.numpy(), rtol=1e-7, atol=1e-9)


def test_max_min_return_named_values_and_indices():
    x = nf.tensor(np.array([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0]]))
    result = x.max(dim=1)
    values, indices = result
    assert result.values is values and result.indices is indices
    np.testing.assert_array_equal(values.numpy(), [5.0, 7.0])
    np.testing.assert_array_equal(indices.numpy(), [1, 0])              # the first maximum
    assert indices.numpy().dtype == np.int64
    assert nf.min(x, 0).indices.tolist() == [0, 1, 0]
    assert float(x.max()) == 7.0 and x.max(axis=1).shape == (2,)     # NumPy spelling: values


def test_argmax_argmin_match_torch(rng):
    data = rng.standard_normal((3, 4, 5))
    for dim in (None, 0, 1, -1):
        for keepdim in (False, True):
            if dim is None and keepdim:
                continue
            ours = nf.argmax(nf.tensor(data), dim, keepdim)
            theirs = torch.argmax(torch.tensor(data), dim, keepdim)
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
            np.testing.assert_array_equal(nf.argmin(nf.tensor(data), dim, keepdim).numpy(),
                                          torch.argmin(torch.tensor(data), dim, keepdim).numpy())


def test_sort_is_stable_for_ties_like_torch_stable_sort():
    data = np.array([3.0, 1.0, 3.0, 2.0, 1.0])
    for descending in (False, True):
        ours = nf.sort(nf.tensor(data), descending=descending)
        theirs = torch.sort(torch.tensor(data), descending=descending, stable=True)
        np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())


def test_clear_errors():
    x = nf.tensor(np.ones((2, 3)))
    with pytest.raises(IndexError, match=r"gather\(\): index values must lie in \[0, 3\)"):
        x.gather(1, nf.tensor(np.array([[0, 3]])))
    with pytest.raises(TypeError, match="index must hold integers"):
        x.gather(1, nf.tensor(np.array([[0.0]])))
    with pytest.raises(ValueError, match=r"split\(\): sizes \[1, 1\] add up to 2"):
        x.split([1, 1], dim=1)
    with pytest.raises(ValueError, match=r"topk\(\): k must be an int in \[0, 3\]"):
        x.topk(4)
    with pytest.raises(ValueError, match=r"mm\(\): expects 2-D tensors"):
        x.mm(nf.tensor(np.ones(3)))
    with pytest.raises(TypeError, match="mask must be a bool tensor"):
        x.masked_fill(nf.tensor(np.ones((2, 3))), 0.0)


def test_prod_gradient_with_two_zeros_matches_torch():
    data = np.array([[0.0, 2.0, 0.0], [1.0, 0.0, 3.0]])
    ours, theirs = nf.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    ours.prod().backward()
    theirs.prod().backward()
    np.testing.assert_array_equal(np.asarray(ours.grad), theirs.grad.numpy())
    zero = nf.tensor(np.zeros(3), requires_grad=True)
    zero.norm().backward()
    np.testing.assert_array_equal(np.asarray(zero.grad), [0.0, 0.0, 0.0])   # not nan
