"""Trainer integration of the training-loop options: gradient accumulation, clipping, LR schedulers
stepped per batch / per epoch / on a plateau (against torch's schedulers), momentum and
batch-size schedules and what the History records of them."""
import math

import numpy as np
import pytest
import torch

import nnforge.nn as nn
from nnforge import optim
from nnforge.data import DataLoader, TensorDataset
from nnforge.optim import BatchSizeSchedule, MomentumScheduler, lr_scheduler, noise_scale
from nnforge.train import Trainer
from nnforge.train.stepping import accumulation_shares, batch_sizes


def data(n=32, d=5, classes=3, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(dtype)
    y = rng.integers(0, classes, size=n).astype(np.int64)
    return X, y


def mlp(dtype=np.float32, seed=0, d=5, classes=3):
    g = np.random.default_rng(seed)
    model = nn.Sequential(nn.Linear(d, 8, generator=g), nn.Tanh(),
                          nn.Linear(8, classes, generator=g))
    return model.to(dtype) if dtype == np.float64 else model


def weights(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def fit(model, X, y, epochs=1, batch_size=32, opt=None, **trainer_kwargs):
    opt = opt or optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    trainer = Trainer(model, opt, nn.CrossEntropyLoss(), metrics=(), **trainer_kwargs)
    history = trainer.fit((X, y), epochs=epochs, batch_size=batch_size, shuffle=False,
                          verbose=0)
    return trainer, history


# --- gradient accumulation -------------------------------------------------------------------
def test_shares_weight_each_micro_batch_by_its_part_of_the_group():
    assert accumulation_shares([8, 8, 8, 8], 4) == [(0.25, False)] * 3 + [(0.25, True)]
    # 40 samples in batches of 8, groups of 3: [8, 8, 8] then the short group [8, 8]
    shares = accumulation_shares([8, 8, 8, 8, 8], 3)
    assert [s for s, _ in shares] == pytest.approx([1 / 3] * 3 + [0.5, 0.5])
    assert [step for _, step in shares] == [False, False, True, False, True]
    loader = DataLoader(TensorDataset(*data(37)), batch_size=8)
    assert batch_sizes(loader) == [8, 8, 8, 8, 5]
    assert accumulation_shares(batch_sizes(loader), 2)[-1] == (1.0, True)


@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-6), (np.float64, 1e-14)])
def test_four_micro_batches_of_8_equal_one_batch_of_32(dtype, tol):
    X, y = data(32, dtype=dtype)
    big, small = mlp(dtype), mlp(dtype)
    _, h_big = fit(big, X, y, batch_size=32)
    trainer, h_small = fit(small, X, y, batch_size=8, accumulate_steps=4)
    assert h_big["updates"] == h_small["updates"] == [1] and trainer.global_step == 1
    assert h_small["batch_size"] == [32]                      # samples per update
    for k, v in weights(big).items():
        np.testing.assert_allclose(weights(small)[k], v, rtol=tol, atol=tol)
        assert weights(small)[k].dtype == dtype
    assert h_small["loss"][0] == pytest.approx(h_big["loss"][0], rel=10 * tol)


def test_accumulation_over_epochs_with_adam_and_a_short_last_group():
    """40 samples, micro-batches of 8, 3 per update: updates on rows 0-23 and 24-39 equal
    plain batches of 24 and 16 (float64, Adam, three epochs)."""
    X, y = data(40, dtype=np.float64)
    ref, acc = mlp(np.float64), mlp(np.float64)
    opt = optim.Adam(ref.parameters(), lr=0.05)
    loss_fn = nn.CrossEntropyLoss()
    import nnforge
    for _ in range(3):
        for rows in (slice(0, 24), slice(24, 40)):
            opt.zero_grad()
            loss_fn(ref(nnforge.tensor(X[rows])), nnforge.tensor(y[rows])).backward()
            opt.step()
    _, history = fit(acc, X, y, epochs=3, batch_size=8, accumulate_steps=3,
                     opt=optim.Adam(acc.parameters(), lr=0.05))
    assert history["updates"] == [2, 2, 2] and len(history.steps["lr"]) == 6
    for k, v in weights(ref).items():
        np.testing.assert_allclose(weights(acc)[k], v, rtol=1e-12, atol=1e-13)


# --- clipping inside training, against torch -----------------------------------------------
def torch_twin(model):
    twin = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    twin.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                          for k, v in model.state_dict().items()})
    return twin.double()


@pytest.mark.parametrize("kind, limit", [("norm", 0.1), ("value", 0.02)])
def test_clipping_inside_training_equals_torch(kind, limit):
    X, y = data(32, dtype=np.float64)
    model = mlp(np.float64)
    twin = torch_twin(model)
    key = "clip_grad_norm" if kind == "norm" else "clip_grad_value"
    _, history = fit(model, X, y, epochs=3, batch_size=8, **{key: limit})
    opt = torch.optim.SGD(twin.parameters(), lr=0.5, momentum=0.9)
    clipped = 0
    for _ in range(3):
        for start in range(0, 32, 8):
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(twin(torch.from_numpy(X[start:start + 8])),
                                                     torch.from_numpy(y[start:start + 8]))
            loss.backward()
            if kind == "norm":
                clipped += float(torch.nn.utils.clip_grad_norm_(twin.parameters(), limit)) > limit
            else:
                torch.nn.utils.clip_grad_value_(twin.parameters(), limit)
            opt.step()
    assert kind == "value" or clipped > 0                       # the clip did act
    for k, v in twin.state_dict().items():
        np.testing.assert_allclose(model.state_dict()[k], v.numpy(), rtol=1e-10, atol=1e-12)
    assert len(history) == 3


# --- LR schedulers against torch's ----------------------------------------------------------
def torch_lrs(make, steps, metrics=None):
    """LR in use at each of `steps` torch scheduler steps (before each step)."""
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    scheduler = make(opt)
    out = []
    for i in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step(*([] if metrics is None else [metrics[i]]))
    return out


def test_one_cycle_is_stepped_per_batch_and_recorded_per_step():
    X, y = data(40)
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = lr_scheduler.OneCycleLR(opt, max_lr=0.3, total_steps=25)
    trainer, history = fit(model, X, y, epochs=5, batch_size=8, opt=opt, scheduler=scheduler)
    assert trainer.plan.interval == "step"                     # inferred from the class
    expected = torch_lrs(lambda o: torch.optim.lr_scheduler.OneCycleLR(o, 0.3, total_steps=25),
                         25)
    np.testing.assert_allclose(history.steps["lr"], expected, rtol=1e-12)
    np.testing.assert_allclose(history["lr"], expected[::5], rtol=1e-12)
    # momentum cycles inversely (0.95 -> 0.85 -> 0.95) and is recorded per step too
    torch_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    torch_sched = torch.optim.lr_scheduler.OneCycleLR(torch_opt, 0.3, total_steps=25)
    momenta = []
    for _ in range(25):
        momenta.append(torch_opt.param_groups[0]["momentum"])
        torch_opt.step()
        torch_sched.step()
    np.testing.assert_allclose(history.steps["momentum"], momenta, rtol=1e-12)
    assert history.steps["epoch"] == [e for e in range(1, 6) for _ in range(5)]


def test_step_lr_is_stepped_per_epoch():
    X, y = data(40)
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    _, history = fit(model, X, y, epochs=8, batch_size=8, opt=opt,
                     scheduler=lr_scheduler.StepLR(opt, step_size=3, gamma=0.5))
    expected = torch_lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, 3, gamma=0.5), 8)
    np.testing.assert_allclose(history["lr"], expected, rtol=1e-12)
    np.testing.assert_allclose(history.steps["lr"], np.repeat(expected, 5), rtol=1e-12)


@pytest.mark.parametrize("monitor", [None, "val_accuracy"])
def test_reduce_on_plateau_gets_the_monitored_metric(monitor):
    X, y = data(60)
    Xv, yv = data(30, seed=1)
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    mode = "min" if monitor is None else "max"
    kwargs = dict(mode=mode, factor=0.5, patience=1, threshold=0.01)
    trainer = Trainer(model, opt, nn.CrossEntropyLoss(), scheduler_monitor=monitor,
                      scheduler=lr_scheduler.ReduceLROnPlateau(opt, **kwargs))
    history = trainer.fit((X, y), (Xv, yv), epochs=12, batch_size=10, verbose=0)
    watched = history["val_loss" if monitor is None else monitor]
    expected = torch_lrs(lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, **kwargs), 12,
                         metrics=watched)
    np.testing.assert_allclose(history["lr"], expected, rtol=1e-12)
    assert min(history["lr"]) < 0.1                            # it did reduce


def test_plateau_cannot_be_stepped_per_batch_and_a_bad_monitor_is_named():
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="ReduceLROnPlateau needs the monitored metric"):
        Trainer(model, opt, nn.CrossEntropyLoss(), scheduler_interval="step",
                scheduler=lr_scheduler.ReduceLROnPlateau(opt))
    trainer = Trainer(model, opt, nn.CrossEntropyLoss(), scheduler_monitor="val_acc",
                      scheduler=lr_scheduler.ReduceLROnPlateau(opt))
    X, y = data(20)
    with pytest.raises(ValueError, match="monitor 'val_acc' is not in the logs"):
        trainer.fit((X, y), (X, y), epochs=1, verbose=0)


# --- momentum and batch-size schedules ------------------------------------------------------
def test_momentum_schedule_is_applied_and_recorded():
    X, y = data(32)
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    _, history = fit(model, X, y, epochs=6, batch_size=16, opt=opt,
                     momentum_scheduler=MomentumScheduler(opt, start=0.5, end=0.9,
                                                          total_steps=4))
    np.testing.assert_allclose(history["momentum"], [0.5, 0.6, 0.7, 0.8, 0.9, 0.9])
    np.testing.assert_allclose(history.steps["momentum"], np.repeat(history["momentum"], 2))
    adam = optim.Adam(model.parameters())
    _, history = fit(model, X, y, epochs=2, opt=adam)
    assert history["momentum"] == [0.9, 0.9]                   # Adam's beta1
    _, history = fit(model, X, y, epochs=1, opt=optim.Adagrad(model.parameters()))
    assert math.isnan(history["momentum"][0])                  # no momentum to report


def test_batch_size_schedule_changes_batches_per_epoch_at_the_milestones():
    X, y = data(64)
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    schedule = BatchSizeSchedule(8, milestones=[2, 4], factor=2)
    seen = []
    from nnforge.train import LambdaCallback
    trainer = Trainer(model, opt, nn.CrossEntropyLoss(), batch_size_schedule=schedule,
                      callbacks=[LambdaCallback(on_batch_end=lambda b, logs:
                                                seen.append(logs["size"]))])
    history = trainer.fit((X, y), epochs=6, batch_size=999, verbose=0)
    assert history["batch_size"] == [8, 8, 16, 16, 32, 32]
    assert history["updates"] == [8, 8, 4, 4, 2, 2] and trainer.global_step == 28
    assert seen == [8] * 16 + [16] * 8 + [32] * 4
    assert history.steps["batch_size"] == seen
    expected = [noise_scale(0.2, 64, b, momentum=0.9) for b in history["batch_size"]]
    np.testing.assert_allclose(history["noise_scale"], expected)
    assert history["noise_scale"][0] == pytest.approx(0.2 / 0.1 * (64 / 8 - 1))


def test_capped_batch_schedule_moves_the_rest_of_the_factor_into_the_lr():
    X, y = data(64)
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.2)
    schedule = BatchSizeSchedule(16, milestones=[1, 2], factor=2, max_batch_size=32)
    _, history = fit(model, X, y, epochs=3, opt=opt, batch_size_schedule=schedule)
    assert history["batch_size"] == [16, 32, 32]
    np.testing.assert_allclose(history["lr"], [0.2, 0.2, 0.1])
    opt = optim.SGD(model.parameters(), lr=0.2)
    with pytest.raises(ValueError, match="max_batch_size"):
        fit(model, X, y, epochs=3, opt=opt, batch_size_schedule=schedule,
            scheduler=lr_scheduler.StepLR(opt, 1))


def test_full_batch_sgd_and_minibatch_are_batch_size_none_1_m():
    X, y = data(12)
    for size, updates in ((None, 1), (1, 12), (4, 3)):
        _, history = fit(mlp(), X, y, epochs=2, batch_size=size)
        assert history["updates"] == [updates] * 2
        assert history["batch_size"] == [12 if size is None else size] * 2
    assert history["noise_scale"][0] > 0
    _, history = fit(mlp(), X, y, batch_size=None)
    assert history["noise_scale"] == [0.0]                     # N/B - 1 = 0: no noise


@pytest.mark.parametrize("kwargs, match", [
    (dict(accumulate_steps=0), "accumulate_steps"),
    (dict(clip_grad_norm=-1.0), "clip_grad_norm"),
    (dict(clip_grad_value="big"), "clip_grad_value"),
    (dict(momentum_interval="batch"), "momentum_interval"),
    (dict(batch_size_schedule=32), "batch_size_schedule"),
    ("cycling", "already cycles the momentum"),
])
def test_bad_arguments_name_themselves(kwargs, match):
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    if kwargs == "cycling":
        kwargs = dict(scheduler=lr_scheduler.CyclicLR(opt, 0.01, 0.1),
                      momentum_scheduler=MomentumScheduler(opt))
    with pytest.raises((ValueError, TypeError), match=match):
        Trainer(model, opt, nn.CrossEntropyLoss(), **kwargs)
