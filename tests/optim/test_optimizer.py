"""The Optimizer base: groups, lazy state, zero_grad, closures, state_dict format, weight
decay and L1 as update rules, in-place memory behaviour and argument errors."""
import json
import tracemalloc

import numpy as np
import pytest
import torch

import nnforge
import nnforge.optim as optim
from nnforge.nn.parameter import Parameter


def test_groups_get_defaults_and_keep_their_own_options():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(3))
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert all(g["momentum"] == 0.9 and g["l1"] == 0.0 for g in opt.param_groups)
    c = Parameter(np.ones(1))
    opt.add_param_group({"params": [c], "momentum": 0.5})
    assert opt.param_groups[2]["momentum"] == 0.5 and opt.param_groups[2]["lr"] == 0.1


def test_state_is_created_lazily_and_only_for_parameters_with_gradients():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    opt = optim.Adam([a, b])
    assert opt.state == {}
    (a * a).sum().backward()
    opt.step()
    assert set(map(id, opt.state)) == {id(a)} and opt.state[a]["step"] == 1
    assert opt.steps_taken == 1
    np.testing.assert_array_equal(b.data, 1.0)


def test_zero_grad_sets_to_none_or_zero():
    p = Parameter(np.ones(2))
    (p * p).sum().backward()
    opt = optim.SGD([p], lr=0.1)
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad, 0.0)
    opt.zero_grad()
    assert p.grad is None


def test_step_runs_the_closure_with_grad_enabled_and_returns_its_loss():
    p = Parameter(np.array([3.0]))
    opt = optim.SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with nnforge.no_grad():
        loss = opt.step(closure)
    assert float(loss) == 9.0 and p.data[0] == pytest.approx(3.0 - 0.1 * 6.0)


def test_state_dict_is_plain_data_like_pytorch(problem):
    _, params, opt = problem.run_nnforge(optim.Adam, dict(lr=0.01, amsgrad=True), steps=2,
                                         groups=[([0, 1], {}), ([2, 3], {"lr": 0.1})])
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2, 3]]
    assert sd["param_groups"][1]["lr"] == 0.1 and sd["param_groups"][0]["betas"] == [0.9, 0.999]
    assert sorted(sd["state"]) == [0, 1, 2, 3]
    assert set(sd["state"][2]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    json.dumps(problem.json_round_trip(sd))                       # JSON-safe
    sd["state"][0]["exp_avg"][...] = 99.0                         # a snapshot, not a view
    assert not np.any(opt.state_dict()["state"][0]["exp_avg"] == 99.0)


def test_state_dict_layout_matches_torch_for_sgd_momentum(problem):
    _, _, ours = problem.run_nnforge(optim.SGD, dict(lr=0.1, momentum=0.9), steps=2)
    params = [torch.tensor(problem.INIT[k], requires_grad=True) for k in problem.NAMES]
    theirs = torch.optim.SGD(params, lr=0.1, momentum=0.9)
    for _ in range(2):
        theirs.zero_grad()
        problem_loss = sum((p * p).sum() for p in params)
        problem_loss.backward()
        theirs.step()
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert set(ours_sd["state"]) == set(theirs_sd["state"])
    assert set(ours_sd["state"][0]) == set(theirs_sd["state"][0])
    for key in ("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize"):
        assert ours_sd["param_groups"][0][key] == theirs_sd["param_groups"][0][key]


@pytest.mark.parametrize("ours_cls, theirs_cls, options", [
    (optim.SGD, torch.optim.SGD, dict(lr=0.1, momentum=0.9)),
    (optim.Adam, torch.optim.Adam, dict(lr=0.01, amsgrad=True)),
], ids=["sgd-momentum", "adam"])
def test_per_parameter_state_is_tensors_like_torch(problem, ours_cls, theirs_cls, options):
    _, _, ours = problem.run_nnforge(ours_cls, options, steps=3)
    params = [torch.tensor(problem.INIT[k], requires_grad=True) for k in problem.NAMES]
    theirs = theirs_cls(params, **options)
    for _ in range(3):
        theirs.zero_grad()
        problem.torch_loss(params).backward()
        theirs.step()
    ours_state, theirs_state = ours.state_dict()["state"], theirs.state_dict()["state"]
    for i, entries in theirs_state.items():
        for key, value in entries.items():
            if key == "step":                     # torch keeps a float tensor, nnforge an int
                assert int(ours_state[i][key]) == int(value) == 3
                continue
            assert type(ours_state[i][key]) is nnforge.Tensor, key
            assert not ours_state[i][key].requires_grad
            np.testing.assert_allclose(ours_state[i][key].numpy(), value.numpy(), rtol=1e-7,
                                       atol=1e-12, err_msg=key)


def test_state_dict_round_trips_through_save_and_load(problem, tmp_path):
    full, _, _ = problem.run_nnforge(optim.Adam, dict(lr=0.01), steps=6)
    first, params, opt = problem.run_nnforge(optim.Adam, dict(lr=0.01), steps=3)
    nnforge.save({"optimizer": opt.state_dict()}, tmp_path / "checkpoint.pt")
    fresh = optim.Adam(params, lr=0.01)
    fresh.load_state_dict(nnforge.load(tmp_path / "checkpoint.pt")["optimizer"])
    assert all(type(v) is np.ndarray and v.dtype == p.numpy().dtype       # kept as arrays
               for p, state in fresh.state.items() for k, v in state.items() if k != "step")
    rest, _, _ = problem.run_nnforge(optim.Adam, dict(lr=0.01), steps=3, params=params,
                                     optimizer=fresh)
    for a, b in zip(full[-1], rest[-1]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_load_state_dict_rejects_mismatched_groups():
    opt = optim.SGD([Parameter(np.ones(1)), Parameter(np.ones(1))], lr=0.1)
    other = optim.SGD([Parameter(np.ones(1))], lr=0.1)
    with pytest.raises(ValueError, match="group 0 has 1 parameters in the saved state and 2"):
        opt.load_state_dict(other.state_dict())
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        opt.load_state_dict({"weights": 1})


def test_weight_decay_rule_equals_l2_penalty_gradient():
    # w = (0.5, -1), data gradient (0.2, 0.1), alpha = 0.1, lambda = 0.05:
    # w(1 - 2 alpha lambda) - alpha g = (0.475, -1.0)
    w0, g, alpha, lam = np.array([0.5, -1.0]), np.array([0.2, 0.1]), 0.1, 0.05
    by_rule = Parameter(w0.copy())
    by_rule.grad = g.copy()
    optim.SGD([by_rule], lr=alpha, weight_decay=2 * lam).step()
    by_penalty = Parameter(w0.copy())
    ((by_penalty * g).sum() + lam * optim.l2_penalty([by_penalty])).backward()
    optim.SGD([by_penalty], lr=alpha).step()
    np.testing.assert_allclose(by_rule.data, [0.475, -1.0], atol=1e-12)
    np.testing.assert_allclose(by_rule.data, by_penalty.data, atol=1e-15)
    np.testing.assert_allclose(by_rule.data, w0 * (1 - 2 * alpha * lam) - alpha * g)


def test_l1_rule_is_the_additive_sign_update():
    # w - alpha lambda sign(w) - alpha g = (0.475, -1.005)
    w0, g = np.array([0.5, -1.0]), np.array([0.2, 0.1])
    by_rule = Parameter(w0.copy())
    by_rule.grad = g.copy()
    optim.SGD([by_rule], lr=0.1, l1=0.05).step()
    np.testing.assert_allclose(by_rule.data, [0.475, -1.005], atol=1e-12)
    by_penalty = Parameter(w0.copy())
    ((by_penalty * g).sum() + 0.05 * optim.l1_penalty([by_penalty])).backward()
    optim.SGD([by_penalty], lr=0.1).step()
    np.testing.assert_allclose(by_rule.data, by_penalty.data, atol=1e-15)


def test_l1_subgradient_at_zero_is_zero_and_grad_is_not_modified():
    p = Parameter(np.array([0.0, 2.0]))
    p.grad = np.array([0.0, 0.0])
    optim.SGD([p], lr=0.1, l1=1.0).step()
    np.testing.assert_allclose(p.data, [0.0, 1.9])
    np.testing.assert_array_equal(p.grad, 0.0)


@pytest.mark.parametrize("cls, options", [
    (optim.SGD, dict(lr=0.1, momentum=0.9, weight_decay=1e-4)),
    (optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
    (optim.Adam, dict(amsgrad=True, weight_decay=1e-4)), (optim.AdamW, dict()),
    (optim.RMSprop, dict(momentum=0.9, centered=True)), (optim.Adagrad, dict(l1=1e-4)),
    (optim.Adadelta, dict(weight_decay=1e-4)),
], ids=lambda x: getattr(x, "__name__", str(x)))
def test_steps_allocate_no_full_size_arrays(cls, options):
    """After the first step (which creates state and scratch space), a step allocates less
    than a tenth of one parameter's size: every update is in place."""
    p = Parameter(np.random.default_rng(0).normal(size=200_000).astype(np.float32))
    p.grad = np.random.default_rng(1).normal(size=200_000).astype(np.float32)
    opt = cls([p], **options)
    opt.step()
    opt.step()
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    for _ in range(3):
        opt.step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak - before < p.numpy().nbytes / 10, f"{peak - before} bytes for {p.numpy().nbytes}"
    assert p.data.dtype == np.float32
    assert all(v.dtype == np.float32 for v in opt.state[p].values() if hasattr(v, "dtype"))


def test_float32_parameters_stay_float32():
    p = Parameter(np.ones(3, dtype=np.float32))
    p.grad = np.ones(3, dtype=np.float32)
    for cls in (optim.SGD, optim.Adam, optim.RMSprop, optim.Adagrad, optim.Adadelta):
        cls([p]).step()
        assert p.data.dtype == np.float32


@pytest.mark.parametrize("params, error, match", [
    ([], ValueError, "empty parameter list"),
    ({Parameter(np.ones(1))}, TypeError, "ordering of a set"),
    ([np.ones(2)], TypeError, r"params\[0\] is a ndarray"),
])
def test_bad_parameter_lists(params, error, match):
    with pytest.raises(error, match=match):
        optim.SGD(params, lr=0.1)


def test_parameter_in_two_groups_is_rejected():
    p = Parameter(np.ones(1))
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)


def test_group_options_are_validated_too():
    with pytest.raises(ValueError, match=r"SGD\(momentum=1.2\)"):
        optim.SGD([{"params": [Parameter(np.ones(1))], "momentum": 1.2}], lr=0.1)
    with pytest.raises(ValueError, match=r"Adam\(betas=\(0.9, 1.0\)\): betas\[1\]"):
        optim.Adam([{"params": [Parameter(np.ones(1))], "betas": (0.9, 1.0)}])


def test_gradient_shape_mismatch_is_reported():
    p = Parameter(np.ones(3))
    with pytest.raises(RuntimeError, match="different size"):   # refused as in PyTorch
        p.grad = np.ones(2)
    p._grad = np.ones(2)                  # forced past the check: step still names it
    with pytest.raises(ValueError, match=r"shape \(3,\) has a gradient of shape \(2,\)"):
        optim.SGD([p], lr=0.1).step()


@pytest.mark.parametrize("name, options", [
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True)), ("AdamW", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01)), ("Adadelta", dict(lr=1.0)),
], ids=lambda x: x if isinstance(x, str) else "")
def test_float32_trajectories_equal_torch_float32(name, options):
    """L = sum(w^4)/4 + sum(w * c): gradient w^3 + c, set directly in both libraries."""
    rng = np.random.default_rng(5)
    w0 = rng.normal(size=(6, 5)).astype(np.float32)
    c = rng.normal(size=(6, 5)).astype(np.float32)
    ours = Parameter(w0.copy())
    theirs = torch.tensor(w0.copy(), requires_grad=True)
    our_opt = getattr(optim, name)([ours], **options)
    torch_opt = getattr(torch.optim, name)([theirs], **options)
    for _ in range(30):
        ours.grad = ours.data ** 3 + c
        theirs.grad = theirs.detach() ** 3 + torch.from_numpy(c)
        our_opt.step()
        torch_opt.step()
    assert ours.data.dtype == np.float32
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-4, atol=1e-5)
    assert np.abs(ours.data - w0).max() > 1e-2


def test_options_are_restored_through_the_rules_own_hook():
    """The base class keeps saved options as they are; a rule with a tuple option (Adam's
    betas) turns the saved list back into a pair in its own `import_options`."""
    class Windowed(optim.SGD):
        def import_options(self, saved):
            return dict(saved, window=tuple(saved["window"]))

    p = Parameter(np.ones(2))
    opt = Windowed([{"params": [p], "window": (2, 3)}], lr=0.1)
    saved = json.loads(json.dumps(opt.state_dict()))          # tuples become lists in JSON
    opt.load_state_dict(saved)
    assert opt.param_groups[0]["window"] == (2, 3)
    plain = optim.SGD([{"params": [p], "window": (2, 3)}], lr=0.1)
    plain.load_state_dict(saved)
    assert plain.param_groups[0]["window"] == [2, 3]
    adam = optim.Adam([p], betas=(0.8, 0.9))
    adam.load_state_dict(json.loads(json.dumps(adam.state_dict())))
    assert adam.param_groups[0]["betas"] == (0.8, 0.9)
def test_step_between_forward_and_backward_is_caught_like_torch():
    import nnforge as nf

    layer = nf.nn.Linear(3, 2)
    opt = optim.SGD(layer.parameters(), lr=0.1)
    x = nf.randn(4, 3)
    layer(x).sum().backward()
    loss = layer(x).sum()                     # saved the weights of this version
    opt.step()                                # changes them in place
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()
    opt.zero_grad()
    layer(x).sum().backward()                 # a fresh graph is fine
    opt.step()
