"""Training-loop config keys (optimizer l1/l2, scheduler interval/monitor, momentum and
batch-size schedules, accumulation, clipping, augmentation and batch augmentation): what
they build, and a one-line ConfigError naming the key for each bad value."""
import copy
import tomllib
from pathlib import Path

import numpy as np
import pytest

from nnforge.build import build_run, fit_run, split_data
from nnforge.config import ConfigError, parse_config
from nnforge.data import BatchAugment
from nnforge.optim import lr_scheduler
from nnforge.train import LambdaCallback

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "digits_mlp.toml"
BASE = tomllib.loads(EXAMPLE.read_text())
SMALL = {"seed": 0, "data": {"dataset": "digits"},
         "model": {"layers": [{"type": "Linear", "in_features": 64, "out_features": 16},
                              {"type": "ReLU"},
                              {"type": "Linear", "in_features": 16, "out_features": 10}]},
         "optimizer": {"type": "SGD", "lr": 0.1, "momentum": 0.9},
         "train": {"epochs": 2, "batch_size": 64}}


def config(**sections):
    raw = copy.deepcopy(SMALL)
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(raw.get(key), dict) and "type" not in value:
            raw[key].update(value)
        else:
            raw[key] = value
    return parse_config(raw, "x.toml")


def error(**sections):
    """The one-line error of the config, raised by validation or, for values only a
    constructor can judge (a negative lr), when the run is built."""
    with pytest.raises(ConfigError) as info:
        build_run(config(**sections))
    message = str(info.value)
    assert "\n" not in message and message.startswith("x.toml: ")
    return message


# --- what the keys build ---------------------------------------------------------------------
@pytest.mark.parametrize("regularize_biases", [False, True])
def test_l1_l2_leave_biases_untouched_unless_asked(regularize_biases):
    run = build_run(config(optimizer={"l1": 0.01, "l2": 0.05,
                                      "regularize_biases": regularize_biases}))
    groups = run.optimizer.param_groups
    before = {k: v.clone() for k, v in run.model.state_dict().items()}
    for p in run.model.parameters():
        p.grad = np.zeros_like(p.data)                  # only the regularizer moves weights
    run.optimizer.step()
    after = run.model.state_dict()
    for name, w in before.items():
        if name.endswith("bias") and not regularize_biases:
            np.testing.assert_array_equal(after[name], w)
        else:   # w - lr*(2*l2*w + l1*sign(w)): the lecture's update
            expected = w - np.float32(0.1) * (np.float32(0.1) * w + np.float32(0.01) * np.sign(w))
            np.testing.assert_allclose(after[name], expected, rtol=1e-6, atol=1e-7)
    assert len(groups) == (1 if regularize_biases else 2)
    assert groups[0]["weight_decay"] == pytest.approx(0.1) and groups[0]["l1"] == 0.01
    if not regularize_biases:
        assert groups[1]["weight_decay"] == 0 and groups[1]["l1"] == 0


def test_l1_alone_keeps_the_configured_weight_decay_for_weights():
    run = build_run(config(optimizer={"l1": 0.01, "weight_decay": 1e-3}))
    decayed, exempt = run.optimizer.param_groups
    assert (decayed["weight_decay"], decayed["l1"]) == (1e-3, 0.01)
    assert (exempt["weight_decay"], exempt["l1"]) == (0, 0)


def test_schedules_and_loop_options_reach_the_trainer():
    run = build_run(config(scheduler={"type": "OneCycleLR", "max_lr": 0.5},
                           batch_size_schedule={"milestones": [1], "factor": 2},
                           train={"epochs": 3, "batch_size": 100, "accumulate_steps": 2,
                                  "clip_grad_norm": 1.0, "clip_grad_value": 0.5}))
    plan = run.trainer.plan
    assert isinstance(run.scheduler, lr_scheduler.OneCycleLR) and plan.interval == "step"
    # 1079 training rows: batches 100 then 200, 2 per update -> 6 + 3 + 3 updates
    assert run.scheduler.total_steps == 12
    assert (plan.accumulate_steps, plan.clip_grad_norm, plan.clip_grad_value) == (2, 1.0, 0.5)
    history = fit_run(run, verbose=0)
    assert history["updates"] == [6, 3, 3] and history["batch_size"] == [200, 400, 400]
    assert len(history.steps["lr"]) == 12                # the whole one cycle, no overrun


def test_momentum_schedule_and_plateau_monitor():
    run = build_run(config(momentum_schedule={"start": 0.5, "end": 0.9, "total_steps": 2},
                           scheduler={"type": "ReduceLROnPlateau", "monitor": "val_accuracy",
                                      "mode": "max", "patience": 0},
                           train={"epochs": 3}))
    assert run.trainer.plan.interval == "epoch" and run.trainer.plan.monitor == "val_accuracy"
    history = fit_run(run, verbose=0)
    np.testing.assert_allclose(history["momentum"], [0.5, 0.7, 0.9])
    piecewise = build_run(config(momentum_schedule={"values": [0.5, 0.95],
                                                    "milestones": [1]}))
    assert fit_run(piecewise, verbose=0)["momentum"] == [0.5, 0.95]


def test_augmentation_and_batch_augment_apply_to_training_batches_only(tmp_path):
    from nnforge.data import load_digits
    digits = load_digits()
    np.savez(tmp_path / "img.npz", X=digits.X.reshape(-1, 1, 8, 8), y=digits.y)
    cfg = config(data={"dataset": "npz", "path": str(tmp_path / "img.npz"),
                       "augmentation": [{"type": "RandomHorizontalFlip", "p": 0.5},
                                        {"type": "RandomCrop", "size": 8, "padding": 1}],
                       "batch_augment": 3},
                 model={"layers": [{"type": "Flatten"}] + SMALL["model"]["layers"]},
                 train={"epochs": 1, "batch_size": 100})
    run = build_run(cfg)
    assert isinstance(run.transform, BatchAugment) and run.transform.copies == 3
    sizes = []
    run.trainer.callbacks.append(LambdaCallback(on_batch_end=lambda b, logs:
                                                sizes.append(logs["size"])))
    history = fit_run(run, verbose=0)
    assert sizes == [300] * 10 + [3 * 79]                 # 1079 training rows, 3 copies each
    val_metrics = run.trainer.evaluate(run.val)          # val untouched: plain arrays
    assert history["val_loss"][0] == pytest.approx(val_metrics["loss"], rel=1e-6)


def test_split_data_is_the_unscaled_split_of_build_data():
    cfg = config()
    train, val, test = split_data(cfg.data, cfg.seed)
    run = build_run(cfg)
    assert (len(train), len(val), len(test)) == (len(run.train), len(run.val), len(run.test))
    np.testing.assert_allclose(run.scaler.transform(train.X), run.train.X, rtol=1e-6)
    np.testing.assert_array_equal(train.y, run.train.y)


# --- one-line errors naming the key -----------------------------------------------------------
@pytest.mark.parametrize("sections, expected", [
    (dict(optimizer={"lr": -0.1}),
     "x.toml: optimizer.lr: SGD(lr=-0.1): lr must be a non-negative number"),
    (dict(optimizer={"momentum": 1.5}), "x.toml: optimizer.momentum: SGD(momentum=1.5)"),
    (dict(optimizer={"nesterov": True, "momentum": 0}), "x.toml: optimizer.nesterov: "),
    (dict(optimizer={"type": "Adam", "lr": 1e-3, "betas": [0.9, 1.2]}), "x.toml: optimizer.betas"),
    (dict(optimizer={"l1": -1}), "x.toml: optimizer.l1: Input should be greater than or equal"),
    (dict(optimizer={"l2": 0.1, "weight_decay": 0.1}), "x.toml: optimizer.l2: give l2"),
    (dict(optimizer={"regularize_biases": "maybe"}), "x.toml: optimizer.regularize_biases: "),
    (dict(train={"accumulate_steps": 0}), "x.toml: train.accumulate_steps: Input should be "
                                          "greater than 0"),
    (dict(train={"clip_grad_norm": -1.0}), "x.toml: train.clip_grad_norm: Input should be "
                                           "greater than 0"),
    (dict(train={"clip_grad_value": "big"}), "x.toml: train.clip_grad_value: "),
    (dict(scheduler={"type": "StepLR", "step_size": 2, "interval": "batch"}),
     "x.toml: scheduler.interval: Input should be 'epoch' or 'step'"),
    (dict(scheduler={"type": "ReduceLROnPlateau", "interval": "step"}),
     "x.toml: scheduler.interval: ReduceLROnPlateau needs the monitored metric"),
    (dict(scheduler={"type": "ReduceLROnPlateau", "monitor": "val_acc"}),
     "x.toml: scheduler.monitor: 'val_acc' is not logged"),
    (dict(scheduler={"type": "StepLR", "step_size": 2, "monitor": "val_loss"}),
     "x.toml: scheduler.monitor: StepLR does not use a metric"),
    (dict(scheduler={"type": "ReduceLROnPlateau", "factor": 2.0}),
     "x.toml: scheduler.factor: ReduceLROnPlateau(factor=2.0): factor must be < 1.0"),
    (dict(scheduler={"type": "OneCycleLR", "max_lr": 1.0, "pct_start": 2.0}),
     "x.toml: scheduler.pct_start: OneCycleLR(pct_start=2.0)"),
    (dict(scheduler={"type": "StepLRR", "step_size": 2}),
     "x.toml: scheduler.type: unknown scheduler 'StepLRR' (did you mean 'StepLR'?)"),
    (dict(momentum_schedule={"start": 1.5}),
     "x.toml: momentum_schedule.start: Input should be less than 1"),
    (dict(momentum_schedule={"strat": 0.5}), "x.toml: momentum_schedule.strat: unknown key"),
    (dict(momentum_schedule={"values": [0.5, 0.9]}),
     "x.toml: momentum_schedule.values: piecewise_constant: need one more value"),
    (dict(optimizer={"type": "Adagrad", "lr": 0.1}, momentum_schedule={}),
     "x.toml: momentum_schedule: MomentumScheduler: Adagrad has neither"),
    (dict(scheduler={"type": "OneCycleLR", "max_lr": 0.5}, momentum_schedule={}),
     "x.toml: momentum_schedule: OneCycleLR already cycles the momentum"),
    (dict(batch_size_schedule={"milestones": [1], "max_batch_size": 100},
          scheduler={"type": "StepLR", "step_size": 1}),
     "x.toml: batch_size_schedule.max_batch_size: the batch stops growing at 100"),
    (dict(batch_size_schedule={"milestones": [2], "factor": 0.5}),
     "x.toml: batch_size_schedule.factor: Input should be greater than or equal to 1"),
    (dict(batch_size_schedule={"factor": 2}),
     "x.toml: batch_size_schedule.milestones: required key is missing"),
    (dict(batch_size_schedule={"milestones": [2], "max_batch_size": 8}),
     "x.toml: batch_size_schedule.max_batch_size: BatchSizeSchedule(max_batch_size=8)"),
    (dict(batch_size_schedule={"milestones": [2]}, train={"batch_size": "full"}),
     "x.toml: batch_size_schedule.initial: needed when train.batch_size is 'full'"),
    (dict(data={"augmentation": [{"type": "RandomHorizontalFlip", "p": 2}]}),
     "x.toml: data.augmentation.0.p: RandomHorizontalFlip(p): expected a probability"),
    (dict(data={"augmentation": [{"type": "RandomCrop"}]}),
     "x.toml: data.augmentation.0: RandomCrop needs size"),
    (dict(data={"augmentation": [{"type": "Flip"}]}),
     "x.toml: data.augmentation.0.type: unknown transform 'Flip'"),
    (dict(data={"batch_augment": 0}), "x.toml: data.batch_augment: Input should be greater"),
    (dict(data={"batch_augment": 2}), "x.toml: data.batch_augment: needs data.augmentation"),
])
def test_each_new_key_has_a_one_line_error(sections, expected):
    assert error(**sections).startswith(expected)


def test_batch_size_vs_lr_example_runs_through_the_config_path():
    """examples/batch_size_vs_lr.py in a fast mode (12 epochs, one seed): same accuracy
    region, fewer updates for the growing batch (68 batches of 16 per epoch for 1079 rows;
    80-sample batches from epoch 10: 14 per epoch)."""
    import importlib.util
    path = Path(__file__).resolve().parents[1] / "examples" / "batch_size_vs_lr.py"
    spec = importlib.util.spec_from_file_location("example_batch_size_vs_lr", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    decay = module.run(module.HERE / module.RUNS["LR decay"], 0, epochs=12)
    growth = module.run(module.HERE / module.RUNS["batch growth"], 0, epochs=12)
    assert (decay[2], growth[2]) == (12 * 68, 10 * 68 + 2 * 14)
    assert decay[3]["lr"][-1] == pytest.approx(0.01) and growth[3]["lr"][-1] == 0.05
    assert growth[3]["batch_size"][-1] == 80
    assert min(decay[0], growth[0]) > 0.93 and abs(decay[0] - growth[0]) < 0.03
    assert len(module.table(seeds=(0,), epochs=1)) == 4
