"""Config validation: every mistake is one ConfigError line naming file, dotted key and
problem; valid configs (MLP, CNN, residual, scheduler, augmentation) pass."""
import copy
import tomllib
from pathlib import Path

import pytest

from nnforge.config import Config, ConfigError, load_config, parse_config

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "digits_mlp.toml"
BASE = tomllib.loads(EXAMPLE.read_text())


def check(mutate):
    """The one-line error for the example config after `mutate` (None if it is valid)."""
    raw = copy.deepcopy(BASE)
    mutate(raw)
    try:
        parse_config(raw, "x.toml")
    except ConfigError as exc:
        message = str(exc)
        assert "\n" not in message
        return message
    return None


def test_example_is_valid_and_defaults_are_filled():
    config = load_config(EXAMPLE)
    assert isinstance(config, Config) and config.name == "digits-mlp"
    assert config.train.epochs == 30 and config.optimizer.args == {"lr": 1e-3}
    assert config.train.early_stopping.criterion == "patience"
    dumped = config.model_dump(mode="json")
    assert parse_config(dumped).model_dump(mode="json") == dumped     # resolved config reloads


@pytest.mark.parametrize("mutate, expected", [
    (lambda c: c["optimizer"].update(lrr=0.1),
     "x.toml: optimizer.lrr: unknown key (allowed: type, lr, betas, eps, weight_decay"),
    (lambda c: c["train"].update(epoch=3),
     "x.toml: train.epoch: unknown key (allowed: epochs, batch_size, shuffle, metrics"),
    (lambda c: c.update(sed=1), "x.toml: sed: unknown key (allowed: name, seed, data"),
    (lambda c: c["train"].update(epochs="ten"),
     "x.toml: train.epochs: Input should be a valid integer, unable to parse string as an "
     "integer (got 'ten')"),
    (lambda c: c["train"].update(batch_size=1.5), "x.toml: train.batch_size: Input should be"),
    (lambda c: c.update(seed=-1), "x.toml: seed: Input should be greater than or equal to 0"),
    (lambda c: c["data"].update(dataset="digitz"),
     "x.toml: data.dataset: Input should be 'digits'"),
    (lambda c: c["data"].update(split=[0.5, 0.5]), "x.toml: data.split: expected three"),
    (lambda c: c["data"].update(dataset="xor", options={"n_sample": 100}),
     "x.toml: data.options.n_sample: unknown key (allowed: n_samples, noise, seed)"),
    (lambda c: c["data"].update(dataset="csv"), "x.toml: data: dataset 'csv' needs `path`"),
    (lambda c: c["model"]["layers"][0].update(in_feature=3),
     "x.toml: model.layers.0.in_feature: unknown key (allowed: type, in_features, out_features"),
    (lambda c: c["model"]["layers"][1].update(type="Relu"),
     "x.toml: model.layers.1.type: unknown layer 'Relu' (did you mean 'ReLU'?)"),
    (lambda c: c["model"]["layers"][3].pop("out_features"),
     "x.toml: model.layers.3: Linear needs out_features"),
    (lambda c: c["model"].update(layers=[]), "x.toml: model.layers: List should have at least 1"),
    (lambda c: c.pop("model"), "x.toml: model: required key is missing"),
    (lambda c: c["loss"].update(type="CrossEntropy"),
     "x.toml: loss.type: unknown loss 'CrossEntropy' (did you mean 'CrossEntropyLoss'?)"),
    (lambda c: c["optimizer"].update(type="Adamm"), "x.toml: optimizer.type: unknown optimizer"),
    (lambda c: c.update(scheduler={"type": "StepLR"}), "x.toml: scheduler: StepLR needs step_size"),
    (lambda c: c["train"].update(metrics=["acc"]),
     "x.toml: train.metrics.0: unknown metric 'acc' (did you mean 'accuracy'?"),
    (lambda c: c["train"]["early_stopping"].update(monitor="val_acc"),
     "x.toml: train.early_stopping.monitor: 'val_acc' is not logged (available: loss, accuracy"),
    (lambda c: c["train"]["early_stopping"].update(criterion="GL"),
     "x.toml: train.early_stopping: EarlyStopping(criterion='GL') needs alpha"),
    (lambda c: c["train"]["early_stopping"].update(patiense=3),
     "x.toml: train.early_stopping.patiense: unknown key (allowed: monitor, patience"),
])
def test_one_line_errors(mutate, expected):
    message = check(mutate)
    assert message is not None and message.startswith(expected), message


def test_every_layer_kind_can_be_expressed():
    def cnn(c):
        c["data"].update(dataset="fashion_mnist", scaler="none")
        c["model"]["layers"] = [
            {"type": "Conv2d", "in_channels": 1, "out_channels": 8, "kernel_size": 3,
             "padding": 1},
            {"type": "BatchNorm2d", "num_features": 8}, {"type": "ReLU"},
            {"type": "MaxPool2d", "kernel_size": 2},
            {"type": "Residual", "layers": [
                {"type": "Conv2d", "in_channels": 8, "out_channels": 8, "kernel_size": 3,
                 "padding": 1}, {"type": "ReLU"}]},
            {"type": "AdaptiveAvgPool2d", "output_size": 1}, {"type": "Flatten"},
            {"type": "Dropout", "p": 0.5}, {"type": "Linear", "in_features": 8,
                                            "out_features": 10}]
        c["data"]["augmentation"] = [{"type": "RandomHorizontalFlip"}]
        c["scheduler"] = {"type": "CosineAnnealingLR", "T_max": 10, "interval": "epoch"}
        c["train"]["batch_size"] = "full"
    assert check(cnn) is None
    nested_error = check(lambda c: c["model"].update(layers=[
        {"type": "Residual", "layers": [{"type": "Linear", "in_features": 4, "out_fetures": 4}]}]))
    assert nested_error.startswith("x.toml: model.layers.0.layers.0.out_fetures: unknown key")


def test_config_builds_the_model_it_describes():
    import numpy as np

    import nnforge
    from nnforge.build import build_model

    raw = copy.deepcopy(BASE)
    raw["model"]["layers"] = [
        {"type": "Conv2d", "in_channels": 1, "out_channels": 4, "kernel_size": 3, "padding": 1},
        {"type": "BatchNorm2d", "num_features": 4}, {"type": "ReLU"},
        {"type": "Residual", "layers": [
            {"type": "Conv2d", "in_channels": 4, "out_channels": 4, "kernel_size": 3,
             "padding": 1}, {"type": "ReLU"}]},
        {"type": "MaxPool2d", "kernel_size": 2}, {"type": "Flatten"},
        {"type": "Dropout", "p": 0.5},
        {"type": "Linear", "in_features": 4 * 4 * 4, "out_features": 10}]
    config = parse_config(raw)
    model = build_model(config.model, np.random.default_rng(0))
    assert [type(m).__name__ for m in model] == ["Conv2d", "BatchNorm2d", "ReLU", "Residual",
                                                 "MaxPool2d", "Flatten", "Dropout", "Linear"]
    model.eval()
    out = model(nnforge.tensor(np.zeros((2, 1, 8, 8), np.float32)))
    assert out.shape == (2, 10)
    again = build_model(config.model, np.random.default_rng(0))          # same generator
    for (k, a), b in zip(model.state_dict().items(), again.state_dict().values()):
        np.testing.assert_array_equal(a, b, err_msg=k)
    assert "3.block.0.weight" in model.state_dict()                      # PyTorch-style names


def test_files(tmp_path):
    with pytest.raises(ConfigError, match=r"^.*nope\.toml: no such config file$"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text('seed = 1\n[model]\nlayers = [\n  {type = "Linear", in_features = 4,,}\n]\n')
    with pytest.raises(ConfigError, match=r"bad\.toml: invalid TOML: .*line 4"):
        load_config(bad)
    named = tmp_path / "my-exp.toml"
    named.write_text('[model]\nlayers = [{type = "Linear", in_features = 64, out_features = 10}]\n')
    assert load_config(named).name == "my-exp"                       # name from the file
