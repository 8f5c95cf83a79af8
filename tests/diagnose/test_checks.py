"""The doctor's checks: each fails on its deliberately broken config with the right
suggestion, and every check passes on the healthy digits config."""
import copy

import numpy as np
import pytest

from nnforge.build import build_run
from nnforge.config import load_config, parse_config
from nnforge.data import load_digits
from nnforge.diagnose import Patient, expected_initial_loss, run_checks

HEALTHY = {
    "name": "doctor-test", "seed": 0,
    "data": {"dataset": "digits", "split": [0.6, 0.2, 0.2], "scaler": "standard"},
    "model": {"layers": [{"type": "Linear", "in_features": 64, "out_features": 64},
                         {"type": "ReLU"},
                         {"type": "Linear", "in_features": 64, "out_features": 10}]},
    "loss": {"type": "CrossEntropyLoss"},
    "optimizer": {"type": "Adam", "lr": 1e-3},
    "train": {"epochs": 1, "batch_size": 32},
}


def patient_for(mapping):
    return Patient.from_run(build_run(parse_config(mapping)))


def broken(**changes):
    config = copy.deepcopy(HEALTHY)
    for path, value in changes.items():
        section, _, key = path.partition("__")
        if key:
            config[section][key] = value
        else:
            config[section] = value
    return config


def results(mapping, names):
    return {r.name: r for r in run_checks(patient_for(mapping), names)}


def npz_digits(tmp_path, X, y):
    path = tmp_path / "digits.npz"
    np.savez(path, X=X, y=y)
    return {"dataset": "npz", "path": str(path), "task": "classification",
            "split": [0.6, 0.2, 0.2], "scaler": "none"}


def test_every_check_passes_on_the_healthy_config():
    out = run_checks(patient_for(HEALTHY))
    assert len(out) == 12
    assert [r.name for r in out if r.status != "pass"] == []


def test_shipped_digits_config_passes():
    patient = Patient.from_run(build_run(load_config("examples/digits_mlp.toml")))
    statuses = {r.name: r.status for r in run_checks(patient)}
    assert set(statuses.values()) == {"pass"}, statuses


def test_softmax_before_cross_entropy_fails_the_output_layer_check():
    layers = HEALTHY["model"]["layers"] + [{"type": "Softmax", "dim": 1}]
    out = results(broken(model={"layers": layers}), ["output", "initial-loss"])
    check = out["output layer vs loss"]
    assert check.status == "fail"
    assert "remove the final Softmax" in check.fix


def test_learning_rate_10_fails_the_lr_range_test_and_overfitting():
    out = results(broken(optimizer={"type": "Adam", "lr": 10.0}), ["lr-range", "initial-loss"])
    assert out["initial loss"].status == "pass"          # the init is fine: not this check
    lr_check = out["LR range test"]
    assert lr_check.status == "fail" and "past the loss minimum" in lr_check.fix
    assert lr_check.details["result"].suggested_lr < 0.1
    # (Adam at lr=10 can still memorize one batch with huge weights, so the overfit-one-batch
    # check is not the check that catches this mistake; the range test is)


def test_sgd_at_learning_rate_10_diverges_in_the_overfit_check():
    out = results(broken(optimizer={"type": "SGD", "lr": 10.0}), ["overfit-4"])
    check = out["overfit 4 samples"]
    assert check.status == "fail" and "too high" in check.fix


def test_zero_initialization_fails_gradient_flow_dead_relus_and_overfitting():
    layers = [{"type": "Linear", "in_features": 64, "out_features": 64, "init": "zeros"},
              {"type": "ReLU"},
              {"type": "Linear", "in_features": 64, "out_features": 10, "init": "zeros"}]
    out = results(broken(model={"layers": layers}),
                  ["gradient-flow", "dead-relu", "overfit-4", "initial-loss"])
    flow = out["gradient flow at init"]
    assert flow.status == "fail" and "initialize weights randomly" in flow.fix
    assert out["dead ReLUs"].status == "fail"
    assert out["dead ReLUs"].details["dead"] == {"1": 1.0}
    assert out["overfit 4 samples"].status == "fail"
    # zero outputs give exactly ln 10: the initial-loss check cannot see this mistake
    assert out["initial loss"].status == "pass"
    assert out["initial loss"].details["loss"] == pytest.approx(np.log(10), rel=1e-6)


def test_unscaled_pixel_values_fail_the_scale_check(tmp_path):
    digits = load_digits()
    X = (digits.X * (255 / 16)).astype(np.float32)         # 0..255 like raw pixels
    out = results(broken(data=npz_digits(tmp_path, X, digits.y)), ["scale", "initial-loss"])
    scale = out["data: feature scale"]
    assert scale.status == "fail" and "divide by 255" in scale.fix
    assert out["initial loss"].status == "fail"            # huge logits at init


def test_labels_off_by_one_fail_the_label_check(tmp_path):
    digits = load_digits()
    out = results(broken(data=npz_digits(tmp_path, digits.X / 16, digits.y + 1)),
                  ["labels", "finite"])
    labels = out["data: labels vs output"]
    assert labels.status == "fail" and "subtract 1" in labels.fix
    assert out["data: NaN/Inf"].status == "pass"


def test_nan_in_data_fails_the_finite_check():
    digits = load_digits()
    X = digits.X.copy()
    X[3, 5] = np.nan
    patient = Patient(None, None, None, X, digits.y)
    [result] = run_checks(patient, ["finite"])
    assert result.status == "fail" and "1 non-finite inputs" in result.message


def test_expected_initial_loss_values():
    assert expected_initial_loss("CrossEntropyLoss", np.arange(10).repeat(5))[:2] == \
        pytest.approx((np.log(10), np.log(10)))
    assert expected_initial_loss("BCEWithLogitsLoss", np.array([0, 1, 0, 1]))[0] == \
        pytest.approx(np.log(2))
    assert expected_initial_loss("MSELoss", np.array([1.0, 3.0]))[:2] == pytest.approx((5, 1))
    # imbalanced: uniform outputs still give ln C; the frequencies' entropy is the floor
    y = np.array([0] * 9 + [1])
    value, lowest, _ = expected_initial_loss("CrossEntropyLoss", y, n_outputs=2)
    assert value == pytest.approx(np.log(2))
    assert lowest == pytest.approx(-(0.9 * np.log(0.9) + 0.1 * np.log(0.1)))
    # ten outputs but only two classes present: uniform over the ten outputs
    assert expected_initial_loss("CrossEntropyLoss", y, n_outputs=10)[0] == \
        pytest.approx(np.log(10))


def test_checks_do_not_change_the_run():
    run = build_run(parse_config(HEALTHY))
    before = {k: v.clone() for k, v in run.model.state_dict().items()}
    run_checks(Patient.from_run(run), ["overfit-4", "lr-range", "gradcheck"])
    after = run.model.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)
    assert run.optimizer.steps_taken == 0
