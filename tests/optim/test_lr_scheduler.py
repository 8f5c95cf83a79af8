"""Learning-rate schedulers: LR (and momentum) sequences equal torch.optim.lr_scheduler's
over 25+ steps for every scheduler PyTorch has, with several settings each."""
import math
import warnings

import numpy as np
import pytest
import torch

import nnforge.optim as optim
from nnforge.nn.parameter import Parameter
from nnforge.optim import lr_scheduler as ours_module

# These tests drive schedulers on their own, without optimizer steps; the guard against that
# mistake (NF-GUARD-004) is tested in tests/diagnose.
pytestmark = pytest.mark.filterwarnings(
    "ignore::nnforge.mistake_warnings.SchedulerOrderWarning")

STEPS = 30


def _optimizers(kind="sgd", lrs=(0.1, 0.05)):
    torch_groups = [{"params": [torch.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs]
    our_groups = [{"params": [Parameter(np.zeros(2))], "lr": lr} for lr in lrs]
    if kind == "adam":
        return torch.optim.Adam(torch_groups), optim.Adam(our_groups)
    return (torch.optim.SGD(torch_groups, momentum=0.9),
            optim.SGD(our_groups, momentum=0.9))


def _momenta(opt):
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]


def _trace(opt, scheduler, steps, metrics=None):
    lrs, momenta = [scheduler.get_last_lr()], [_momenta(opt)]
    for t in range(steps):
        opt.step()
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[t])
        lrs.append(scheduler.get_last_lr())
        momenta.append(_momenta(opt))
    return np.array(lrs, dtype=float), np.array(momenta, dtype=float)


def _compare(build, steps=STEPS, kind="sgd", metrics=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch_opt, our_opt = _optimizers(kind)
        theirs = _trace(torch_opt, build(torch.optim.lr_scheduler, torch_opt), steps, metrics)
    ours = _trace(our_opt, build(ours_module, our_opt), steps, metrics)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10, atol=1e-15, err_msg="lr")
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-10, atol=1e-15, err_msg="momentum")
    assert len(np.unique(ours[0][:, 0])) > 1 or metrics is not None, "constant sequence"
    return ours


CASES = {
    "LambdaLR": lambda m, o: m.LambdaLR(o, lambda e: 0.95 ** e),
    "LambdaLR-per-group": lambda m, o: m.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.9 ** e]),
    "MultiplicativeLR": lambda m, o: m.MultiplicativeLR(o, lambda e: 0.9),
    "MultiplicativeLR-varying": lambda m, o: m.MultiplicativeLR(o, lambda e: 1 - 0.01 * e),
    "StepLR": lambda m, o: m.StepLR(o, step_size=3, gamma=0.5),
    "StepLR-1": lambda m, o: m.StepLR(o, step_size=1, gamma=0.9),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3),
    "MultiStepLR-unsorted": lambda m, o: m.MultiStepLR(o, milestones=[20, 4], gamma=0.5),
    "ConstantLR": lambda m, o: m.ConstantLR(o),
    "ConstantLR-7": lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=7),
    "LinearLR": lambda m, o: m.LinearLR(o),
    "LinearLR-warmup": lambda m, o: m.LinearLR(o, start_factor=0.1, end_factor=0.9,
                                               total_iters=10),
    "LinearLR-decay": lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.0,
                                              total_iters=8),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.9),
    "PolynomialLR": lambda m, o: m.PolynomialLR(o),
    "PolynomialLR-squared": lambda m, o: m.PolynomialLR(o, total_iters=10, power=2.0),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=10),
    "CosineAnnealingLR-eta": lambda m, o: m.CosineAnnealingLR(o, T_max=7, eta_min=0.01),
    "WarmRestarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=5),
    "WarmRestarts-mult": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2,
                                                                    eta_min=0.001),
    "CyclicLR-triangular": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4),
    "CyclicLR-triangular2": lambda m, o: m.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1,
                                                    step_size_up=3, step_size_down=5,
                                                    mode="triangular2"),
    "CyclicLR-exp_range": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4,
                                                  mode="exp_range", gamma=0.9,
                                                  base_momentum=0.7, max_momentum=0.95),
    "CyclicLR-no-momentum": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1,
                                                    step_size_up=2, cycle_momentum=False),
    "CyclicLR-scale_fn": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3,
                                                 scale_fn=lambda x: 0.95 ** x,
                                                 scale_mode="iterations"),
    "OneCycleLR": lambda m, o: m.OneCycleLR(o, max_lr=0.1, total_steps=STEPS + 1),
    "OneCycleLR-linear": lambda m, o: m.OneCycleLR(o, max_lr=[0.1, 0.3], epochs=4,
                                                   steps_per_epoch=8, anneal_strategy="linear",
                                                   pct_start=0.25),
    "OneCycleLR-three-phase": lambda m, o: m.OneCycleLR(o, max_lr=0.1, total_steps=STEPS + 1,
                                                        three_phase=True, div_factor=10.0,
                                                        final_div_factor=100.0),
    "SequentialLR-warmup-cosine": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.1, total_iters=5), m.CosineAnnealingLR(o, T_max=15)],
        milestones=[5]),
    "SequentialLR-three": lambda m, o: m.SequentialLR(
        o, [m.ConstantLR(o, factor=0.2, total_iters=10), m.ExponentialLR(o, gamma=0.8),
            m.StepLR(o, step_size=4)], milestones=[3, 12]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_lr_sequence_equals_torch(name):
    _compare(CASES[name])


@pytest.mark.parametrize("name", ["CyclicLR-triangular", "CyclicLR-exp_range", "OneCycleLR",
                                  "OneCycleLR-three-phase"])
def test_momentum_cycling_of_adam_betas_equals_torch(name):
    _compare(CASES[name], kind="adam")


PLATEAU_METRICS = [1.0, 0.9, 0.95, 0.95, 0.94, 0.9, 0.91, 0.92, 0.93, 0.85, 0.85, 0.85,
                   0.8499, 0.86, 0.87, 0.88, 0.7, 0.71, 0.72, 0.73, 0.74, 0.75, 0.76, 0.77,
                   0.78, 0.79, 0.8, 0.81, 0.82, 0.83]


@pytest.mark.parametrize("kwargs", [
    dict(), dict(patience=2), dict(patience=1, factor=0.5, cooldown=2),
    dict(patience=0, threshold=0.05, threshold_mode="abs", min_lr=0.004),
    dict(patience=1, mode="max", factor=0.5), dict(patience=2, mode="max", threshold_mode="abs",
                                                   threshold=0.01, cooldown=1),
    dict(patience=0, factor=0.9, min_lr=[0.09, 0.0], eps=0.006),
], ids=str)
def test_reduce_on_plateau_equals_torch(kwargs):
    ours = _compare(lambda m, o: m.ReduceLROnPlateau(o, **kwargs), metrics=PLATEAU_METRICS)
    if kwargs.get("patience") in (0, 1, 2):
        assert ours[0][-1, 0] < 0.1   # the scripted metrics do trigger reductions


def test_reduce_on_plateau_by_hand():
    p = Parameter(np.zeros(1))
    opt = optim.SGD([p], lr=1.0)
    s = ours_module.ReduceLROnPlateau(opt, patience=1, factor=0.5)
    lrs = []
    for metric in [5, 4, 4, 4, 3, 3, 3]:
        s.step(metric)
        lrs.append(s.get_last_lr()[0])
    # two bad epochs after the 4 -> halve at the 4th value; 3 improves; two bad -> halve again
    assert lrs == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25]


def test_inverse_time_lr_against_its_formula():
    p = Parameter(np.zeros(1))
    s = ours_module.InverseTimeLR(optim.SGD([p], lr=0.1), gamma=0.5)
    values = [s.get_last_lr()[0]]
    for _ in range(25):
        s.step()
        values.append(s.get_last_lr()[0])
    np.testing.assert_allclose(values, [0.1 / (1 + 0.5 * t) for t in range(26)], rtol=1e-15)
    # the worked inverse-time values: 0.1, 0.066667, 0.05, 0.04, 0.033333
    np.testing.assert_allclose(values[:5], [0.1, 0.066667, 0.05, 0.04, 0.033333], atol=1e-6)


@pytest.mark.parametrize("name", [n for n in CASES if "Multiplicative" not in n])
def test_schedule_values_preview_equals_the_stepped_sequence(name):
    _, optimizer = _optimizers()
    scheduler = CASES[name](ours_module, optimizer)
    lr_before = [g["lr"] for g in optimizer.param_groups]
    previews = [scheduler.schedule_values(STEPS, group=i) for i in range(2)]
    assert [g["lr"] for g in optimizer.param_groups] == lr_before    # preview changed nothing
    stepped = [scheduler.get_last_lr()]
    for _ in range(STEPS - 1):
        scheduler.step()
        stepped.append(scheduler.get_last_lr())
    np.testing.assert_allclose(np.array(previews).T, stepped, rtol=1e-12)


def test_preview_without_an_optimizer():
    curves = ours_module.preview(ours_module.OneCycleLR, 100, max_lr=1.0, total_steps=100)
    assert curves["lr"].shape == (100,) and curves["momentum"].shape == (100,)
    assert curves["lr"].argmax() == 29 and curves["lr"][0] == pytest.approx(1.0 / 25)
    assert curves["momentum"][29] == pytest.approx(0.85)
    step = ours_module.preview(ours_module.StepLR, 7, lr=1.0, step_size=3)["lr"]
    np.testing.assert_allclose(step, [1, 1, 1, 0.1, 0.1, 0.1, 0.01])


@pytest.mark.parametrize("name", ["StepLR", "CosineAnnealingLR", "CyclicLR-triangular2",
                                  "OneCycleLR", "WarmRestarts-mult", "SequentialLR-three"])
def test_state_dict_round_trip_continues(name):
    def run(split):
        _, opt = _optimizers()
        scheduler = CASES[name](ours_module, opt)
        lrs = []
        for t in range(20):
            if t == split:
                saved = scheduler.state_dict()
                saved_opt = opt.state_dict()
                _, opt = _optimizers()
                scheduler = CASES[name](ours_module, opt)   # build first, as PyTorch advises,
                opt.load_state_dict(saved_opt)               # then restore the optimizer
                scheduler.load_state_dict(saved)
            scheduler.step()
            lrs.append(scheduler.get_last_lr() + _momenta(opt))
        return lrs
    np.testing.assert_allclose(run(split=9), run(split=None), rtol=1e-12)


def test_one_cycle_refuses_to_step_past_total_steps():
    s = ours_module.OneCycleLR(optim.SGD([Parameter(np.zeros(1))], momentum=0.9), max_lr=0.1,
                               total_steps=3)
    s.step(), s.step(), s.step()
    with pytest.raises(ValueError, match="total_steps is 3"):
        s.step()


@pytest.mark.parametrize("build, match", [
    (lambda o: ours_module.StepLR(o, step_size=0), "step_size"),
    (lambda o: ours_module.LinearLR(o, start_factor=0.0), "start_factor"),
    (lambda o: ours_module.ConstantLR(o, factor=2.0), "factor"),
    (lambda o: ours_module.CosineAnnealingWarmRestarts(o, T_0=0), "T_0"),
    (lambda o: ours_module.CyclicLR(o, 0.1, 1.0, mode="sawtooth"), "mode"),
    (lambda o: ours_module.OneCycleLR(o, 0.1), "total_steps"),
    (lambda o: ours_module.ReduceLROnPlateau(o, factor=1.5), "factor"),
    (lambda o: ours_module.CyclicLR(optim.Adagrad([Parameter(np.zeros(1))]), 0.1, 1.0),
     "cycle_momentum"),
])
def test_bad_arguments(build, match):
    with pytest.raises(ValueError, match=match):
        build(optim.SGD([Parameter(np.zeros(1))], lr=0.1, momentum=0.9))


def test_scheduler_needs_an_nnforge_optimizer():
    with pytest.raises(TypeError, match="Optimizer"):
        ours_module.StepLR(object(), step_size=2)


def test_warm_restarts_fractional_epochs_equal_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch_opt, our_opt = _optimizers()
        theirs = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(torch_opt, T_0=2, T_mult=2)
        ours = ours_module.CosineAnnealingWarmRestarts(our_opt, T_0=2, T_mult=2)
        for epoch in np.arange(0, 9, 0.25):
            theirs.step(float(epoch))
            ours.step(float(epoch))
            np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-12)
    assert math.isclose(ours.last_epoch, 8)


def test_interval_and_metric_flags_for_training_loops():
    opt = optim.SGD([Parameter(np.zeros(1))], lr=0.1, momentum=0.9)
    assert ours_module.StepLR(opt, 2).interval == "epoch"
    assert ours_module.OneCycleLR(opt, 0.1, total_steps=10).interval == "step"
    assert ours_module.CyclicLR(opt, 0.01, 0.1).interval == "step"
    plateau = ours_module.ReduceLROnPlateau(opt)
    assert plateau.needs_metric and not ours_module.StepLR(opt, 2).needs_metric


class _MetricDriven(ours_module.LRScheduler):
    """A scheduler of the user's own whose step needs a metric: it says so on the class."""

    needs_metric = True

    def _schedule(self, base_lr, index):
        return lambda step: base_lr


def test_sequential_refuses_any_scheduler_that_needs_a_metric():
    opt = optim.SGD([Parameter(np.zeros(1))], lr=0.1)
    warmup = ours_module.LinearLR(opt, total_iters=2)
    for needs_metric in (_MetricDriven(opt), ours_module.ReduceLROnPlateau(opt)):
        with pytest.raises(ValueError, match=r"schedulers\[1\] is a \w+, which needs a metric"):
            ours_module.SequentialLR(opt, [warmup, needs_metric], milestones=[2])


def test_sequential_steps_one_at_a_time():
    opt = optim.SGD([Parameter(np.zeros(1))], lr=0.1)
    chain = ours_module.SequentialLR(opt, [ours_module.LinearLR(opt, total_iters=2),
                                           ours_module.ExponentialLR(opt, 0.5)], [2])
    with pytest.raises(TypeError, match="cannot jump to an epoch"):
        chain.step(3)


def test_split_modules_keep_the_public_import_paths():
    """The schedulers live in modules by responsibility; the package path names them all."""
    from nnforge.optim.lr_scheduler import cyclical, decay, plateau
    assert ours_module.StepLR is decay.StepLR
    assert ours_module.OneCycleLR is cyclical.OneCycleLR
    assert ours_module.ReduceLROnPlateau is plateau.ReduceLROnPlateau
    assert optim.lr_scheduler is ours_module
    assert all(hasattr(ours_module, name) for name in ours_module.__all__)
