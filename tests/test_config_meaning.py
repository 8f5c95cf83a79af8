"""Config values checked against their meaning, not only their type: booleans are not
integers, counts have bounds that say how to lift them, rates are finite, a dataset must be
large enough for its split, and a finite explosion of the loss is a divergence."""
import json

import numpy as np
import pytest

from nnforge.build import build_run, run_experiment
from nnforge.cli import main
from nnforge.config import ConfigError, parse_config
from nnforge.optim import SGD
from nnforge.optim.lr_scheduler import CosineAnnealingLR, ExponentialLR
from nnforge.runs import RunIndex
from nnforge.train import TrainingDivergedError
from nnforge.train.divergence import ExplosionGuard

BASE = {
    "name": "blobs", "seed": 0,
    "data": {"dataset": "blobs", "options": {"n_samples": 60, "centers": 3}},
    "model": {"layers": [{"type": "Linear", "in_features": 2, "out_features": 3}]},
    "optimizer": {"type": "SGD", "lr": 0.1},
    "train": {"epochs": 2, "batch_size": 16},
}


def raw(**sections):
    config = json.loads(json.dumps(BASE))
    for section, values in sections.items():
        if isinstance(values, dict) and isinstance(config.get(section), dict):
            config[section].update(values)
        else:
            config[section] = values
    return config


def refused(config, match):
    with pytest.raises(ConfigError, match=match):
        parse_config(config)


@pytest.mark.parametrize("section, values, match", [
    ("train", {"epochs": True}, r"train\.epochs: expected a number, got true \(a boolean\)"),
    ("train", {"batch_size": False}, r"train\.batch_size: expected a number, got false"),
    ("train", {"accumulate_steps": True}, r"train\.accumulate_steps"),
    ("train", {"clip_grad_norm": True}, r"train\.clip_grad_norm: expected a number, got true"),
    ("train", {"epochs": 10**12},
     r"train\.epochs: 1000000000000 is above the limit of 100000 epochs; .*NNFORGE_MAX_EPOCHS"),
    ("train", {"batch_size": 10**9}, r"NNFORGE_MAX_SIZE"),
    ("train", {"clip_grad_norm": float("inf")}, r"train\.clip_grad_norm: .*finite"),
    ("train", {"time_budget": float("inf")}, r"train\.time_budget"),
    ("optimizer", {"lr": float("inf")}, r"optimizer\.lr: must be a finite number, got inf"),
    ("optimizer", {"lr": True}, r"optimizer\.lr: expected a number, got true"),
    ("optimizer", {"l2": float("inf")}, r"optimizer\.l2"),
    ("seed", 2**64 + 1, r"seed: Input should be less than or equal to 9223372036854775807"),
    ("seed", True, r"seed: expected a number, got true"),
    ("model", {"layers": [{"type": "Linear", "in_features": 2, "out_features": 10**12}]},
     r"model\.layers\.0\.out_features: 1000000000000 is beyond the limit"),
    ("scheduler", {"type": "Optimizer"},
     r"scheduler\.type: 'Optimizer' is an optimizer, not a scheduler"),
    ("scheduler", {"type": "Adam"}, r"'Adam' is an optimizer, not a scheduler"),
])
def test_nonsense_values_are_refused(section, values, match):
    refused(raw(**{section: values}), match)


def test_limits_can_be_lifted(monkeypatch):
    monkeypatch.setenv("NNFORGE_MAX_EPOCHS", "200000")
    assert parse_config(raw(train={"epochs": 150_000})).train.epochs == 150_000


@pytest.mark.parametrize("scheduler, match", [
    ({"type": "ExponentialLR", "gamma": -0.5},
     r"scheduler\.gamma: ExponentialLR\(gamma=-0\.5\): gamma must be a finite number >= 0"),
    ({"type": "CosineAnnealingLR", "T_max": 0},
     r"scheduler\.T_max: CosineAnnealingLR\(T_max=0\): T_max must be a positive integer"),
])
def test_scheduler_arguments_are_refused_when_built(scheduler, match):
    config = parse_config(raw(scheduler=scheduler))
    with pytest.raises(ConfigError, match=match):
        build_run(config)


def test_scheduler_constructors_check_their_arguments():
    from nnforge import nn

    opt = SGD(nn.Linear(2, 2).parameters(), lr=0.1)
    with pytest.raises(ValueError, match="T_max must be a positive integer"):
        CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(ValueError, match="gamma must be a finite number >= 0"):
        ExponentialLR(opt, gamma=-0.5)
    with pytest.raises(ValueError, match="gamma must be a finite number >= 0"):
        ExponentialLR(opt, gamma=float("nan"))


def test_a_dataset_too_small_for_its_split_is_refused():
    config = parse_config(raw(data={"options": {"n_samples": 1, "centers": 1}}))
    with pytest.raises(ConfigError, match=r"data\.split: .* has 1 row, too few for the split "
                                          r"\[0\.6, 0\.2, 0\.2\]: the validation part would "
                                          r"be empty"):
        build_run(config)


def test_accumulation_beyond_an_epoch_is_refused():
    config = parse_config(raw(train={"accumulate_steps": 1000}))
    with pytest.raises(ConfigError, match=r"train\.accumulate_steps: 1000 is more than the 3 "
                                          r"batches of an epoch \(36 training rows, "
                                          r"batch_size 16\); use at most 3"):
        build_run(config)


def test_a_target_given_as_a_column_index(tmp_path, capsys):
    rows = ["a,b,label"] + [f"{i % 7},{(i * 3) % 5},{'xy'[i % 2]}" for i in range(40)]
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    config = raw(data={"dataset": "csv", "path": str(tmp_path / "t.csv"), "target": 2,
                       "options": {}},
                 model={"layers": [{"type": "Linear", "in_features": 2, "out_features": 2}]})
    summary = run_experiment(parse_config(config), tmp_path / "runs" / "r", quiet=True)
    assert summary["status"] == "finished"
    labels = json.loads((tmp_path / "runs" / "r" / "labels.json").read_text())
    assert labels["target"] == "label" and labels["feature_names"] == ["a", "b"]
    config["data"]["target"] = 5
    with pytest.raises(ConfigError, match=r"data\.target: column index 5 is out of range"):
        build_run(parse_config(config))


# --- finite divergence ----------------------------------------------------------------------
def test_a_finite_explosion_of_the_loss_is_a_divergence(tmp_path):
    config = parse_config(raw(optimizer={"type": "Adam", "lr": 1e9},
                              train={"epochs": 20, "batch_size": 8}))
    with pytest.raises(TrainingDivergedError, match="the loss has stayed above 1000 times "
                                                    "its initial value"):
        run_experiment(config, tmp_path / "runs" / "boom", quiet=True)
    metrics = json.loads((tmp_path / "runs" / "boom" / "metrics.json").read_text())
    assert metrics["status"] == "diverged" and "loss has stayed above" in metrics["stop_reason"]
    assert metrics["epochs"] < 20
    assert RunIndex(tmp_path / "runs").get("boom")["status"] == "diverged"


def test_accuracy_at_chance_after_warmup_is_a_divergence():
    guard = ExplosionGuard(chance=0.5, warmup=5, patience=3)
    guard.on_batch_end(0, {"loss": 0.7})
    for epoch in range(6):                     # at chance, but within the warm-up or streak
        guard.on_epoch_end(epoch, {"loss": 0.8, "accuracy": 0.5})
    with pytest.raises(TrainingDivergedError, match=r"at epoch 7: the training accuracy has "
                                                    r"stayed at chance"):
        guard.on_epoch_end(6, {"loss": 0.8, "accuracy": 0.505})


def test_the_guard_is_silent_on_a_healthy_or_a_slow_run():
    guard = ExplosionGuard(chance=0.5, warmup=5, patience=3)
    guard.on_batch_end(0, {"loss": 0.7})
    for epoch in range(30):     # at chance but learning (loss below its start): no alarm
        guard.on_epoch_end(epoch, {"loss": 0.69, "accuracy": 0.5})
    for epoch in range(30):     # a loss spike of 100x for a while is not an explosion
        guard.on_epoch_end(epoch, {"loss": 70.0, "accuracy": 0.9})
    state = guard.state_dict()
    other = ExplosionGuard(chance=0.5)
    other.load_state_dict(state)
    assert other.state_dict() == state


def test_a_diverged_cli_run_is_one_line_exit_2(tmp_path, capsys):
    toml = tmp_path / "adam.toml"
    toml.write_text("""
seed = 0
[data]
dataset = "blobs"
options = {n_samples = 60, centers = 3}
[model]
layers = [{type = "Linear", in_features = 2, out_features = 3}]
[optimizer]
type = "Adam"
lr = 1e9
[train]
epochs = 20
batch_size = 8
""")
    code = main(["train", str(toml), "--out", str(tmp_path / "runs" / "r"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "training diverged" in err


@pytest.mark.parametrize("name", ["../escape", "a/b", "..", ""])
def test_a_run_name_cannot_leave_the_runs_folder(name):
    refused(raw(name=name), r"name: .* cannot name a run folder")


@pytest.mark.parametrize("options, match", [
    ({"delimiter": ""}, r"the delimiter must be one character, got ''"),
    ({"delimiter": "ab"}, r"the delimiter must be one character, got 'ab'"),
])
def test_a_bad_csv_delimiter_is_refused(tmp_path, options, match):
    (tmp_path / "t.csv").write_text("a,b,y\n" + "".join(f"{i},{i % 3},{'pq'[i % 2]}\n"
                                                         for i in range(20)))
    config = raw(data={"dataset": "csv", "path": str(tmp_path / "t.csv"), "target": "y",
                       "options": options})
    with pytest.raises(ValueError, match=match):
        build_run(parse_config(config))


@pytest.mark.parametrize("X", [np.array(["a"] * 20), np.ones((20, 2), dtype=np.complex64)])
def test_non_numeric_arrays_are_refused_naming_the_file(tmp_path, X):
    np.savez(tmp_path / "d.npz", X=X, y=np.arange(20) % 2)
    config = raw(data={"dataset": "npz", "path": str(tmp_path / "d.npz"), "options": {}})
    with pytest.raises(ValueError, match=r"d\.npz: X has dtype .*; expected numbers"):
        build_run(parse_config(config))
