"""The backward pass itself: accumulation, graph shapes, modes and the lecture's examples."""
import numpy as np
import pytest
import torch

import nnforge as nf


def test_worked_example_n1_add_then_multiply():
    # the classic worked example: f = (x + y) z at (-2, 5, -4)
    x, y, z = (nf.tensor(v, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    f = (x + y) * z
    f.backward()
    assert f.item() == -12.0
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)


def test_gradients_accumulate_across_backward_calls_like_torch(rng):
    data = rng.standard_normal(4)
    a = nf.tensor(data, requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    for _ in range(3):
        (a * a).sum().backward()
        (t * t).sum().backward()
    np.testing.assert_allclose(a.grad, t.grad.numpy())


def test_value_used_twice_sums_gradients():
    a = nf.tensor(3.0, requires_grad=True)
    b = a * 2
    (b * b + b).backward()  # d/da (4a^2 + 2a) = 8a + 2
    assert a.grad == 26.0


def test_deep_chain_needs_no_recursion():
    a = nf.tensor(1.0, requires_grad=True, dtype=np.float64)
    out = a
    for _ in range(10_000):
        out = out * 1.0001
    out.backward()
    np.testing.assert_allclose(a.grad, 1.0001 ** 10_000, rtol=1e-4)


def test_no_grad_builds_no_graph():
    a = nf.tensor(2.0, requires_grad=True)
    with nf.no_grad():
        b = a * 3
    assert not b.requires_grad and b.grad_fn is None

    @nf.no_grad()
    def decorated(x):
        return x * 3

    assert not decorated(a).requires_grad
    assert (a * 3).requires_grad


def test_second_backward_without_retain_graph_is_a_clear_error():
    a = nf.tensor(2.0, requires_grad=True)
    b = (a * a).exp()
    b.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        b.backward()


def test_retain_graph_allows_a_second_backward():
    a = nf.tensor(2.0, requires_grad=True)
    b = a * a
    b.backward(retain_graph=True)
    b.backward()
    assert a.grad == 8.0


def test_backward_on_non_scalar_needs_grad():
    a = nf.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="only for a tensor with one element"):
        (a * 2).backward()


def test_backward_without_grad_is_a_clear_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        nf.tensor(1.0).backward()


def test_leaf_gradients_never_alias_each_other():
    a = nf.tensor(np.ones(3), requires_grad=True)
    b = nf.tensor(np.ones(3), requires_grad=True)
    c = nf.tensor(np.ones((1, 3)), requires_grad=True)
    (a + b + c.reshape(3)).sum().backward()
    a.grad *= 10  # an in-place change (as gradient clipping makes) must not leak
    np.testing.assert_array_equal(b.grad, np.ones(3))
    np.testing.assert_array_equal(c.grad, np.ones((1, 3)))


def test_retain_grad_keeps_intermediate_gradient():
    a = nf.tensor(2.0, requires_grad=True)
    b = (a * 3).retain_grad()
    (b * b).backward()
    assert b.grad == 12.0


def test_tensor_basics():
    a = nf.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert a.dtype == np.float32 and a.shape == (2, 2) and a.ndim == 2
    assert isinstance(a.numpy(), np.ndarray)  # no error although it requires grad
    assert np.asarray(a).shape == (2, 2)
    assert a.sum().item() == 10.0
    d = a.detach()
    assert not d.requires_grad and d.numpy() is a.numpy()
    assert nf.tensor([1, 2]).dtype == np.int64
    assert nf.tensor(np.zeros(2, dtype=np.float64)).dtype == np.float64
    assert nf.tensor([1, 2], dtype=np.float64).dtype == np.float64
    assert "requires_grad=True" in repr(a)
    with pytest.raises(TypeError, match="floating-point"):
        nf.tensor([1, 2], requires_grad=True)
    with pytest.raises(ValueError, match="one element"):
        a.item()


def test_ndarray_on_the_left_dispatches_to_tensor():
    a = nf.tensor(np.ones(3), requires_grad=True)
    out = np.full(3, 2.0) * a
    assert isinstance(out, nf.Tensor)
    out.sum().backward()
    np.testing.assert_array_equal(a.grad, [2.0, 2.0, 2.0])


def test_shape_errors_are_readable():
    a = nf.tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"shape \(4, 4\) is invalid for a tensor of shape"):
        a.reshape(4, 4)
    with pytest.raises(ValueError, match="not aligned"):
        a @ nf.tensor(np.ones((2, 3)))
    with pytest.raises(IndexError, match="out of range"):
        a.sum(dim=5)
