"""The dead-ReLU guard on short runs: judged on the current batch, small training sets,
deaths after the first step, and hooks attached only on the sampled steps."""
import warnings

import numpy as np
import pytest

import nnforge.nn as nn
from nnforge import optim
from nnforge.train import LambdaCallback, Trainer
from nnforge.train.mistake_checks import TrainingGuards
from nnforge.mistake_warnings import DeadReLUWarning, GuardWarning, new_run


@pytest.fixture(autouse=True)
def fresh_run():
    new_run()


def data(n, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 6)).astype(np.float32)
    return X, (X[:, 0] > 0).astype(np.int64)


def mlp(seed=0):
    g = np.random.default_rng(seed)
    return nn.Sequential(nn.Linear(6, 16, generator=g), nn.ReLU(), nn.Linear(16, 2, generator=g))


def fit(model, X, y, callbacks=(), batch_size=8, epochs=1, lr=0.01):
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=lr), nn.CrossEntropyLoss(),
                      callbacks=list(callbacks), generator=0)
    trainer.fit((X, y), epochs=epochs, batch_size=batch_size, verbose=0)
    return trainer


def test_a_three_step_run_on_a_tiny_training_set_is_judged():
    X, y = data(24)                                  # 24 samples: fewer than min_samples
    model = mlp()
    model[0].bias.data[:12] = -100.0                 # 12 of 16 units can never fire
    with pytest.warns(DeadReLUWarning, match=r"NF-GUARD-005: 75% of the units of ReLU '1' "
                                             r"output 0 for every one of the last 24 inputs"):
        fit(model, X, y, batch_size=8)


def test_one_full_batch_is_enough():
    X, y = data(4)                                   # XOR-sized: one step of four inputs
    model = mlp()
    model[0].bias.data[:] = -100.0
    with pytest.warns(DeadReLUWarning, match=r"100% of the units.*last 4 inputs at step 1"):
        fit(model, X, y, batch_size=None)


def test_units_that_die_after_the_first_step_are_caught_early():
    X, y = data(256)

    def kill(batch, logs):
        if batch == 2:                               # after the third update
            model[0].bias.data[:] = -100.0

    model = mlp()
    # the window of steps 1-8 saw live units in steps 1-3; the window opened at step 16
    # holds 64 inputs at step 23 (the old guard looked again only at step 50)
    with pytest.warns(DeadReLUWarning, match=r"last 64 inputs at step 23 "):
        fit(model, X, y, callbacks=[LambdaCallback(on_batch_end=kill)], batch_size=8)


def test_healthy_short_runs_stay_silent():
    for n, batch_size in ((4, None), (24, 8), (200, 1), (512, 32)):
        X, y = data(n, seed=n)
        new_run()
        with warnings.catch_warnings():
            warnings.simplefilter("error", GuardWarning)
            fit(mlp(seed=n), X, y, batch_size=batch_size, epochs=2)


def test_relu_hooks_are_attached_only_on_the_sampled_steps():
    X, y = data(8 * 200)
    model = mlp()
    hooked = []
    watch = LambdaCallback(on_batch_end=lambda b, logs: hooked.append(b + 1) if getattr(
        model[1], "_forward_hooks", None) else None)
    fit(model, X, y, callbacks=[watch], batch_size=8)     # 200 steps of 8 inputs
    # steps 1, 2, 4, ..., 32 and 50, 100, ...: each opens a window of 64 inputs (8 steps)
    starts = [1, 2, 4, 8, 16, 32, 50, 100, 150, 200]
    assert hooked[:8] == list(range(1, 9))                # the first window: steps 1-8
    assert set(starts) <= set(hooked) and len(hooked) <= 8 * len(starts)
    assert not {60, 120, 180} & set(hooked)


def test_sampling_schedule():
    guards = TrainingGuards(every=50)
    sampled = []
    for step in range(1, 161):
        guards._step = step
        if guards._sampling():
            sampled.append(step)
    assert sampled == [1, 2, 4, 8, 16, 32, 50, 100, 150]
