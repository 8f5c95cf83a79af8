"""In-place mutation under autograd's rules: `-=` really updates parameters, version counters
turn a stale saved value into an error, and recorded in-place ops give PyTorch's gradients."""
import numpy as np
import pytest
import torch

import nnforge as nf
from nnforge import nn


def _pair(values, requires_grad=True):
    values = np.asarray(values, dtype=np.float64)
    return (nf.tensor(values, requires_grad=requires_grad),
            torch.tensor(values, requires_grad=requires_grad))


def test_manual_sgd_with_minus_equals_trains():
    nf.manual_seed(0)
    x = nf.linspace(-1, 1, 64).reshape(64, 1)
    y = 3 * x - 0.5
    model = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1))
    losses = []
    for _ in range(200):
        loss = ((model(x) - y) ** 2).mean()
        losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        with nf.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
    assert losses[-1] < 0.05 * losses[0]
    assert losses[-1] < losses[100] < losses[0]


def test_augmented_assignment_keeps_the_object_and_its_memory():
    t = nf.tensor([1.0, 2.0, 3.0])
    alias, memory = t, t.numpy()
    t += 1
    t *= 2
    t -= nf.tensor([1.0, 1.0, 1.0])
    t /= 2
    assert t is alias and t.numpy() is memory
    np.testing.assert_allclose(memory, [1.5, 2.5, 3.5])
    assert t._version_value == 4


def test_in_place_on_a_leaf_that_requires_grad_raises_outside_no_grad():
    w = nf.ones(3, requires_grad=True)
    for change in (lambda: w.add_(1), lambda: w.zero_(), lambda: w.__setitem__(0, 5.0),
                   lambda: w.__isub__(1), lambda: w[0:2].mul_(2)):
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            change()
    with nf.no_grad():
        w -= 0.5
        w[0] = 2.0
    np.testing.assert_allclose(w.numpy(), [2.0, 0.5, 0.5])
    assert w.is_leaf and w.requires_grad


def test_changing_a_saved_input_raises_at_backward():
    a = nf.tensor([1.0, 2.0], requires_grad=True)
    b = nf.tensor([3.0, 4.0])
    y = (a * b).sum()
    b.add_(1)                                 # Mul saved b
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_changing_a_saved_output_raises_at_backward():
    a = nf.tensor([1.0, 2.0], requires_grad=True)
    e = a.exp()
    y = e.sum()
    e.mul_(2)                                 # Exp saved its output
    with pytest.raises(RuntimeError, match="ExpBackward0 is at version 1; expected version 0"):
        y.backward()


def test_changes_through_detach_and_views_are_seen():
    a = nf.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = a * 1.0
    y = (h * h).sum()
    h.detach()[0] = 7.0                      # detach shares the version counter
    with pytest.raises(RuntimeError, match="inplace"):
        y.backward()
    b = nf.tensor([1.0, 2.0, 3.0])
    w = nf.tensor([1.0, 1.0, 1.0], requires_grad=True)
    y = (w * b).sum()
    b.view(3)[1] = 0.0                         # a view of b bumps b's counter
    with pytest.raises(RuntimeError, match="inplace"):
        y.backward()


def test_changing_an_unsaved_input_is_fine():
    a = nf.tensor([1.0, 2.0], requires_grad=True)
    b = nf.tensor([3.0, 4.0])
    y = (a + b).sum()                          # Add saves nothing
    b.add_(1)
    y.backward()
    np.testing.assert_allclose(a.grad.numpy(), [1, 1])


def test_recorded_in_place_ops_on_non_leaves_match_torch():
    a, ta = _pair([0.5, -1.0, 2.0])
    c, tc = _pair([1.5, 2.0, -0.5])
    results = []
    for lib, x, y in ((nf, a, c), (torch, ta, tc)):
        h = x * 2
        h.mul_(y)
        h.add_(x, alpha=3)
        h.sub_(1)
        h.div_(y + 3)
        h.pow_(2)
        h.clamp_(max=4.0)
        h[1] = y[0] * 5
        h.exp_()
        h.sum().backward()
        results.append((h, x.grad, y.grad))
    for ours, theirs in zip(results[0], results[1]):
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10)


def test_setitem_gradients_match_torch():
    v, tv = _pair([[1.0, 2.0], [3.0, 4.0]])
    for lib, value in ((nf, v), (torch, tv)):
        out = lib.zeros(3, 2, dtype=lib.float64)
        out[1:] = value * 2
        out[0, 1] = value[1, 0] ** 2
        (out * out).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), tv.grad.numpy(), rtol=1e-12)


def test_masked_and_diagonal_fills_match_torch():
    x, tx = _pair(np.arange(9.0).reshape(3, 3))
    mask = np.array([[True, False, False], [False, True, True], [False, False, False]])
    for lib, t in ((nf, x), (torch, tx)):
        h = t * 1.0
        h.masked_fill_(lib.tensor(mask), -1.0)
        h.fill_diagonal_(5.0)
        (h * t).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_allclose(x.grad.numpy(), [[5, 2, 4], [6, 5, -1], [12, 14, 5]])


def test_underscore_methods_without_graph_equal_numpy():
    base = np.array([-2.0, -0.5, 0.25, 3.0])
    cases = {
        "neg_": (lambda t: t.neg_(), -base),
        "abs_": (lambda t: t.abs_(), np.abs(base)),
        "exp_": (lambda t: t.exp_(), np.exp(base)),
        "clamp_": (lambda t: t.clamp_(-1, 1), np.clip(base, -1, 1)),
        "clamp_min_": (lambda t: t.clamp_min_(0), np.maximum(base, 0)),
        "clamp_max_": (lambda t: t.clamp_max_(0), np.minimum(base, 0)),
        "pow_": (lambda t: t.pow_(2), base ** 2),
        "relu_": (lambda t: t.relu_(), np.maximum(base, 0)),
        "fill_": (lambda t: t.fill_(7), np.full(4, 7.0)),
        "zero_": (lambda t: t.zero_(), np.zeros(4)),
        "copy_": (lambda t: t.copy_(nf.tensor([1, 2, 3, 4])), np.arange(1.0, 5.0)),
        "masked_fill_": (lambda t: t.masked_fill_(nf.tensor(base < 0), 0.0),
                         np.where(base < 0, 0, base)),
    }
    for name, (change, expected) in cases.items():
        t = nf.tensor(base)
        assert change(t) is t, name
        np.testing.assert_allclose(t.numpy(), expected, err_msg=name)
    t = nf.tensor(np.abs(base))
    t.sqrt_()
    np.testing.assert_allclose(t.numpy(), np.sqrt(np.abs(base)))


def test_random_fills_use_the_seeded_generator():
    nf.manual_seed(3)
    a = nf.empty(1000).uniform_(-2, 2)
    b = nf.empty(1000).normal_(1.0, 0.5)
    nf.manual_seed(3)
    np.testing.assert_array_equal(nf.empty(1000).uniform_(-2, 2).numpy(), a.numpy())
    np.testing.assert_array_equal(nf.empty(1000).normal_(1.0, 0.5).numpy(), b.numpy())
    assert -2 <= a.numpy().min() and a.numpy().max() <= 2
    assert abs(b.numpy().mean() - 1.0) < 0.1 and abs(b.numpy().std() - 0.5) < 0.05


def test_in_place_change_of_a_view_in_the_graph_is_refused_clearly():
    a = nf.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = a * 2
    with pytest.raises(RuntimeError, match="view"):
        h[0:2].mul_(3)


def test_grad_is_a_tensor_that_accumulates_like_torch():
    w, tw = _pair([1.0, -2.0])
    for x in (w, tw):
        for _ in range(2):
            (x * x).sum().backward()
    assert isinstance(w.grad, nf.Tensor)
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy())
    g = w.grad
    assert w.grad is g                      # cached: reading it allocates nothing new
    (w * 3).sum().backward()
    assert w.grad is g                      # accumulated in place, as in PyTorch
    np.testing.assert_allclose(g.numpy(), [7.0, -5.0])
    w.grad.zero_()
    np.testing.assert_allclose(w.grad.numpy(), [0.0, 0.0])
    w.grad = None
    assert w.grad is None
    replacement = nf.tensor([0.5, 0.5], dtype=nf.float64)
    w.grad = replacement
    assert w.grad is replacement
    with pytest.raises(RuntimeError, match="different size"):
        w.grad = nf.zeros(3, dtype=nf.float64)
    with pytest.raises(RuntimeError, match="different type"):
        w.grad = nf.zeros(2)


def test_data_is_a_detached_tensor_sharing_memory():
    w = nf.tensor([1.0, 2.0], requires_grad=True)
    d = w.data
    assert isinstance(d, nf.Tensor) and not d.requires_grad and d.numpy() is w.numpy()
    w.data.mul_(3)                              # allowed: .data is outside the graph
    np.testing.assert_allclose(w.numpy(), [3.0, 6.0])
    w.data = nf.tensor([5.0, 5.0, 5.0])         # assignment replaces the values
    assert w.shape == (3,) and w.requires_grad
    x = nf.tensor([1.0, 2.0], requires_grad=True)
    y = x.detach()
    assert y.numpy() is x.numpy() and not y.requires_grad


def test_retain_grad_and_hooks():
    x, tx = _pair([1.0, 2.0, 3.0])
    seen = []
    for lib, t in ((nf, x), (torch, tx)):
        h = t * t
        h.retain_grad()
        handle = h.register_hook(lambda g: g * 2)
        t.register_hook(lambda g: seen.append(g.numpy().copy()))
        h.sum().backward()
        assert h.retains_grad
        np.testing.assert_allclose(h.grad.numpy(), np.full(3, 2.0))   # after the hook
        handle.remove()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_allclose(seen[0], seen[1])
