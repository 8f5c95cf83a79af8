"""Adam and AdamW: trajectories vs torch.optim, one step by hand, convergence,
decoupled decay, argument errors."""
import numpy as np
import pytest
import torch

import nnforge.optim as optim
from nnforge.nn.parameter import Parameter

ADAM = [dict(), dict(lr=0.01), dict(lr=0.01, amsgrad=True), dict(lr=0.01, weight_decay=0.1),
        dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6), dict(lr=0.01, maximize=True),
        dict(lr=0.02, amsgrad=True, weight_decay=0.05, betas=(0.5, 0.9))]
ADAMW = [dict(), dict(lr=0.01), dict(lr=0.01, weight_decay=0.3), dict(lr=0.01, amsgrad=True),
         dict(lr=0.01, weight_decay=0.0), dict(lr=0.01, weight_decay=0.2, maximize=True),
         dict(lr=0.02, amsgrad=True, weight_decay=0.5, betas=(0.7, 0.95))]


@pytest.mark.parametrize("options", ADAM, ids=str)
def test_adam_trajectory_equals_torch(problem, options):
    problem.check_against_torch(optim.Adam, torch.optim.Adam, options)


@pytest.mark.parametrize("options", ADAMW, ids=str)
def test_adamw_trajectory_equals_torch(problem, options):
    problem.check_against_torch(optim.AdamW, torch.optim.AdamW, options)


def test_param_groups_equal_torch(problem):
    groups = [([0, 2], dict(lr=0.03, amsgrad=True)), ([1, 3], dict(lr=0.003, weight_decay=0.1))]
    problem.check_against_torch(optim.AdamW, torch.optim.AdamW, dict(lr=0.01), groups=groups)
    problem.check_against_torch(optim.Adam, torch.optim.Adam, dict(lr=0.01), groups=groups)


@pytest.mark.parametrize("cls", [optim.Adam, optim.AdamW])
def test_state_dict_round_trip(problem, cls):
    problem.check_state_dict_round_trip(cls, dict(lr=0.01, amsgrad=True, weight_decay=0.1))


def test_defaults_match_pytorch():
    p = Parameter(np.ones(1))
    for ours, theirs in ((optim.Adam, torch.optim.Adam), (optim.AdamW, torch.optim.AdamW)):
        group = ours([p]).param_groups[0]
        reference = theirs([torch.ones(1)]).defaults
        for key in ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"):
            assert group[key] == reference[key], key


def test_first_adam_step_is_lr_by_hand():
    # L = theta^2/2 at theta = 1: bias-corrected Adam moves by lr (0.9); the lecture's
    # uncorrected form would give 1 - 0.1 * 0.1 / sqrt(0.001) = 0.683772
    p = Parameter(np.array([1.0]))
    opt = optim.Adam([p], lr=0.1)
    (p * p * 0.5).sum().backward()
    opt.step()
    assert p.data[0] == pytest.approx(0.9, abs=1e-7)
    assert 1 - 0.1 * 0.1 / np.sqrt(0.001) == pytest.approx(0.683772, abs=1e-6)


def test_adam_second_step_by_hand():
    p = Parameter(np.array([1.0]))
    opt = optim.Adam([p], lr=0.1, betas=(0.9, 0.999), eps=0.0)
    for _ in range(2):
        opt.zero_grad()
        (p * p * 0.5).sum().backward()
        opt.step()
    m = 0.9 * 0.1 + 0.1 * 0.9                    # gradients 1 then 0.9
    v = 0.999 * 0.001 + 0.001 * 0.81
    expected = 0.9 - 0.1 * (m / (1 - 0.81)) / np.sqrt(v / (1 - 0.999 ** 2))
    assert p.data[0] == pytest.approx(expected, rel=1e-12)


def test_adamw_decay_is_decoupled_from_the_gradient():
    # zero gradient: Adam's L2 still moves w through the moments; AdamW only shrinks w
    p = Parameter(np.array([2.0]))
    p.grad = np.zeros(1)
    optim.AdamW([p], lr=0.1, weight_decay=0.5).step()
    assert p.data[0] == pytest.approx(2.0 * (1 - 0.1 * 0.5))


@pytest.mark.parametrize("cls, problem_name, lr, steps, tolerance", [
    (optim.Adam, "quadratic", 0.1, 1000, 1e-3), (optim.AdamW, "quadratic", 0.1, 1000, 1e-3),
    (optim.Adam, "rosenbrock", 0.02, 4000, 1e-2),
])
def test_converges(converge, cls, problem_name, lr, steps, tolerance):
    minimum = {"quadratic": [3.0, -1.0], "rosenbrock": [1.0, 1.0]}[problem_name]
    kwargs = dict(lr=lr, weight_decay=0.0) if cls is optim.AdamW else dict(lr=lr)
    final = converge(lambda ps: cls(ps, **kwargs), problem_name, steps)
    np.testing.assert_allclose(final, minimum, atol=tolerance)


@pytest.mark.parametrize("betas, index", [((1.0, 0.999), 0), ((-0.1, 0.999), 0),
                                          ((0.9, 1.5), 1)])
def test_bad_betas_name_the_index(betas, index):
    with pytest.raises(ValueError) as info:
        optim.Adam([Parameter(np.ones(2))], betas=betas)
    assert f"betas[{index}] must be in [0, 1)" in str(info.value)
    assert str(info.value).startswith("Adam(betas=")


@pytest.mark.parametrize("kwargs, name", [(dict(lr=-1e-3), "lr"), (dict(eps=-1.0), "eps"),
                                          (dict(weight_decay=-0.1), "weight_decay")])
def test_bad_numbers_name_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=rf"AdamW\({name}=.*{name} must be a non-negative"):
        optim.AdamW([Parameter(np.ones(2))], **kwargs)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_betas_changed_between_steps_follow_torch(problem, amsgrad):
    """The discounted sums are rescaled when betas change (as a one-cycle schedule does), so
    the recurrence stays PyTorch's; state_dict gives PyTorch's averages at every step."""
    ours_params = problem.nn_params()
    theirs_params = problem.torch_params()
    ours = optim.Adam(ours_params, lr=0.01, amsgrad=amsgrad)
    theirs = torch.optim.Adam(theirs_params, lr=0.01, amsgrad=amsgrad)
    for step in range(12):
        betas = (0.9 - 0.04 * step, 0.999 - 0.01 * (step % 3))
        for opt in (ours, theirs):
            opt.param_groups[0]["betas"] = betas
            opt.zero_grad()
        problem.nn_loss(ours_params).backward()
        problem.torch_loss(theirs_params).backward()
        ours.step()
        theirs.step()
        for p, q in zip(ours_params, theirs_params):
            np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-10, atol=1e-12)
    saved = ours.state_dict()["state"]
    for i, q in enumerate(theirs_params):
        for key, value in theirs.state[q].items():
            if key != "step":
                np.testing.assert_allclose(saved[i][key], value.numpy(), rtol=1e-10,
                                           atol=1e-14)


def test_loading_another_optimizers_state_names_the_missing_keys():
    p = Parameter(np.ones(3))
    sgd = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.ones(3)
    sgd.step()
    adam = optim.Adam([p])
    with pytest.raises(ValueError, match=r"Adam.load_state_dict: a parameter's saved state "
                                         r"lacks \['exp_avg', 'exp_avg_sq', 'step'\]"):
        adam.load_state_dict({"state": sgd.state_dict()["state"],
                              "param_groups": adam.state_dict()["param_groups"]})


def test_native_state_dict_resumes_bit_for_bit_in_float32(problem):
    """The state is kept in PyTorch's form, so both forms of state_dict resume exactly."""
    rng = np.random.default_rng(0)
    grads = [[rng.standard_normal(problem.INIT[k].shape).astype(np.float32)
              for k in problem.NAMES] for _ in range(20)]

    def run(steps, optimizer=None, params=None):
        params = params or [Parameter(problem.INIT[k].astype(np.float32)) for k in problem.NAMES]
        opt = optimizer or optim.Adam(params, lr=0.01, amsgrad=True)
        for step_grads in steps:
            for p, g in zip(params, step_grads):
                p.grad = g
            opt.step()
        return params, opt

    full, _ = run(grads)
    half, opt = run(grads[:10])
    saved = problem.json_round_trip(opt.state_dict(native=True))
    assert {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"} == set(saved["state"]["0"])
    fresh = optim.Adam(half, lr=0.01, amsgrad=True)
    fresh.load_state_dict(saved)
    rest, _ = run(grads[10:], optimizer=fresh, params=half)
    for a, b in zip(full, rest):
        assert np.array_equal(a.data, b.data)


def test_checkpoints_with_discounted_sums_still_load(problem):
    """Earlier versions kept exp_avg / (1 - beta1) and exp_avg_sq / (1 - beta2)."""
    p = Parameter(np.ones(3))
    opt = optim.Adam([p], betas=(0.8, 0.99), amsgrad=True)
    m, v = np.array([0.1, 0.2, 0.3]), np.array([0.01, 0.02, 0.03])
    legacy = {"step": 4, "grad_sum": m / 0.2, "sq_grad_sum": v / 0.01,
              "max_sq_grad_sum": v / 0.01, "scale1": 0.2, "scale2": 0.01}
    opt.load_state_dict({"state": {0: legacy}, "param_groups": opt.state_dict()["param_groups"]})
    state = opt.state[p]
    assert state["step"] == 4
    np.testing.assert_allclose(state["exp_avg"], m, rtol=1e-12)
    np.testing.assert_allclose(state["exp_avg_sq"], v, rtol=1e-12)
    np.testing.assert_allclose(state["max_exp_avg_sq"], v, rtol=1e-12)
