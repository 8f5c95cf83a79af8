"""MomentumScheduler: momentum 0.5 -> 0.9 written into SGD's momentum or
Adam's beta1, and used by the next optimizer step."""
import numpy as np
import pytest

import nnforge.optim as optim
from nnforge.nn.parameter import Parameter
from nnforge.optim import schedules


def test_linear_ramp_into_sgd_groups():
    opt = optim.SGD([{"params": [Parameter(np.ones(1))]},
                     {"params": [Parameter(np.ones(1))], "lr": 0.5}], lr=0.1, momentum=0.0)
    sched = optim.MomentumScheduler(opt, start=0.5, end=0.9, total_steps=4)
    seen = [sched.get_last_momentum()]
    for _ in range(5):
        sched.step()
        seen.append(sched.get_last_momentum())
    np.testing.assert_allclose(seen, [[m, m] for m in (0.5, 0.6, 0.7, 0.8, 0.9, 0.9)])
    np.testing.assert_allclose(sched.schedule_values(6), [0.5, 0.6, 0.7, 0.8, 0.9, 0.9])


def test_stepwise_schedule_into_adam_beta1_keeps_beta2():
    opt = optim.Adam([Parameter(np.ones(1))], betas=(0.9, 0.99))
    sched = optim.MomentumScheduler(opt, schedules.piecewise_constant([0.5, 0.9], [2]))
    assert opt.param_groups[0]["betas"] == (0.5, 0.99)
    sched.step(), sched.step()
    assert opt.param_groups[0]["betas"] == (0.9, 0.99)


def test_the_optimizer_uses_the_scheduled_momentum():
    # momentum 0.5 then 0.9 with buffer b: step 1 b = 1 -> 0.9; step 2 b = 0.9*1 + 0.9 = 1.8
    p = Parameter(np.array([1.0]))
    opt = optim.SGD([p], lr=0.1, momentum=0.1)
    sched = optim.MomentumScheduler(opt, schedules.piecewise_constant([0.5, 0.9], [1]))
    for _ in range(2):
        opt.zero_grad()
        (p * p * 0.5).sum().backward()
        opt.step()
        sched.step()
    assert p.data[0] == pytest.approx(0.9 - 0.1 * (0.9 * 1.0 + 0.9))


def test_bad_values():
    opt = optim.SGD([Parameter(np.ones(1))], lr=0.1)
    with pytest.raises(ValueError, match=r"MomentumScheduler\(end=1.0\)"):
        optim.MomentumScheduler(opt, start=0.5, end=1.0)
    with pytest.raises(ValueError, match="neither 'momentum' nor 'betas'"):
        optim.MomentumScheduler(optim.Adagrad([Parameter(np.ones(1))]))
    with pytest.raises(ValueError, match="gave momentum 1.5 at step 0"):
        optim.MomentumScheduler(opt, schedules.constant(1.5))
