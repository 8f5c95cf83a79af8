"""Tensor factories with PyTorch's signatures, dtypes and seeding."""
import numpy as np
import pytest
import torch

import nnforge as nf


def _same_kind(ours, theirs):
    assert ours.shape == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]


@pytest.mark.parametrize("call", [
    lambda lib: lib.zeros(2, 3), lambda lib: lib.zeros((2, 3)), lambda lib: lib.ones([4]),
    lambda lib: lib.full((2, 2), 7),
    lambda lib: lib.full((2,), 1.5), lambda lib: lib.full((2,), True), lambda lib: lib.eye(3),
    lambda lib: lib.eye(2, 4, dtype=lib.int64), lambda lib: lib.arange(5),
    lambda lib: lib.arange(1, 4, 0.5), lambda lib: lib.arange(0, 10, 3),
    lambda lib: lib.arange(5.0), lambda lib: lib.linspace(-1, 1, 9),
    lambda lib: lib.logspace(0, 2, 3), lambda lib: lib.zeros_like(lib.ones(2, 2, dtype=lib.int32)),
    lambda lib: lib.ones_like(lib.zeros(3)), lambda lib: lib.full_like(lib.zeros(3), 2),
    lambda lib: lib.zeros(2, dtype=lib.bool), lambda lib: lib.tensor([[1, 2], [3, 4]]),
    lambda lib: lib.tensor(2.5), lambda lib: lib.tensor([True, False]),
    lambda lib: lib.as_tensor([1.0, 2.0]), lambda lib: lib.as_tensor(np.arange(3)),
])
def test_deterministic_factories_match_torch(call):
    ours, theirs = call(nf), call(torch)
    _same_kind(ours, theirs)
    np.testing.assert_allclose(ours.numpy().astype(np.float64),
                               theirs.numpy().astype(np.float64), rtol=1e-6)


@pytest.mark.parametrize("call", [lambda lib: lib.empty(3, 1, dtype=lib.float64),
                                  lambda lib: lib.empty_like(lib.zeros(2, dtype=lib.float16))])
def test_empty_factories_match_torch_in_shape_and_dtype(call):
    _same_kind(call(nf), call(torch))


@pytest.mark.parametrize("call", [
    lambda lib: lib.rand(3, 4), lambda lib: lib.randn((2, 5)),
    lambda lib: lib.randn(3, dtype=lib.float64),
    lambda lib: lib.randint(0, 10, (4,)), lambda lib: lib.randint(5, (2, 2)),
    lambda lib: lib.randperm(6), lambda lib: lib.normal(0.0, 1.0, size=(3,)),
    lambda lib: lib.normal(lib.zeros(4), lib.ones(4)), lambda lib: lib.rand_like(lib.zeros(2, 2)),
    lambda lib: lib.randn_like(lib.zeros(3, dtype=lib.float64)),
    lambda lib: lib.randint_like(lib.zeros(3), 0, 4),
])
def test_random_factories_have_torch_shapes_and_repeat_under_one_seed(call):
    ours, theirs = call(nf), call(torch)
    _same_kind(ours, theirs)
    nf.manual_seed(11)
    first = call(nf).numpy().copy()
    nf.manual_seed(11)
    np.testing.assert_array_equal(call(nf).numpy(), first)


def test_random_values_follow_their_distributions():
    nf.manual_seed(0)
    u, n = nf.rand(20000).numpy(), nf.randn(20000).numpy()
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.01
    assert abs(n.mean()) < 0.03 and abs(n.std() - 1) < 0.03
    r = nf.randint(3, 7, (5000,)).numpy()
    assert set(np.unique(r)) == {3, 4, 5, 6}
    assert sorted(nf.randperm(10).tolist()) == list(range(10))
    g = nf.Generator().manual_seed(5)
    a = nf.randn(4, generator=g)
    b = nf.randn(4, generator=nf.Generator().manual_seed(5))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_requires_grad_and_device_arguments():
    w = nf.zeros(2, 3, requires_grad=True)
    assert w.requires_grad and w.is_leaf
    assert nf.randn(2, device="cpu", requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        nf.arange(3, requires_grad=True)


def test_from_numpy_shares_memory_and_tensor_copies():
    array = np.arange(4.0)
    shared, copied = nf.from_numpy(array), nf.tensor(array)
    array[0] = 10.0
    assert shared[0].item() == 10.0 and copied[0].item() == 0.0
    assert shared.dtype == nf.float64
    shared.add_(1)
    assert array[1] == 2.0
    assert nf.as_tensor(array).numpy() is array
    with pytest.raises(TypeError, match="numpy.ndarray"):
        nf.from_numpy([1, 2])


def test_bad_sizes_are_named():
    with pytest.raises(ValueError, match="non-negative"):
        nf.zeros(2, -1)
    with pytest.raises(TypeError, match="integers"):
        nf.ones(2.5)
