"""No false positives: representative correct training paths run with every guard warning
(NF-GUARD-*) and the leakage warning (NF-LEAK-001) turned into errors.

The whole suite can run the same way: add to pytest's `filterwarnings`
    "error::nnforge.mistake_warnings.GuardWarning"
(tests that make a mistake on purpose catch their warning with pytest.warns).
"""
import warnings

import numpy as np
import pytest

import nnforge
import nnforge.nn as nn
from nnforge import optim
from nnforge.build import run_experiment
from nnforge.config import load_config, parse_config
from nnforge.data import DataLeakageWarning, StandardScaler, load_digits, train_val_test_split
from nnforge.optim import lr_scheduler
from nnforge.train import EarlyStopping, Trainer
from nnforge.mistake_warnings import GuardWarning, new_run


@pytest.fixture(autouse=True)
def guards_are_errors():
    new_run()
    with warnings.catch_warnings():
        warnings.simplefilter("error", GuardWarning)
        warnings.simplefilter("error", DataLeakageWarning)
        yield


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    train, val, test = train_val_test_split(data.y, seed=0, stratify=True)
    scaler = StandardScaler().fit(data.X[train])
    return tuple((scaler.transform(data.X[i]), data.y[i]) for i in (train, val, test))


def test_shipped_digits_config_runs_silently(tmp_path):
    raw = load_config("examples/digits_mlp.toml").model_dump(mode="json")
    raw["train"]["epochs"] = 3
    summary = run_experiment(parse_config(raw), out_dir=tmp_path / "run", quiet=True)
    assert summary["test_accuracy"] > 0.8


def test_dropout_batchnorm_step_scheduler_evaluate_predict(digits):
    (X, y), val, test = digits
    g = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(64, 64, generator=g), nn.BatchNorm1d(64), nn.ReLU(),
                          nn.Dropout(0.3, generator=g), nn.Linear(64, 10, generator=g))
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    scheduler = lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=5 * 34)
    trainer = Trainer(model, opt, nn.CrossEntropyLoss(), scheduler=scheduler,
                      scheduler_interval="step", generator=0,
                      callbacks=[EarlyStopping(patience=2)])
    trainer.fit((X, y), val, epochs=5, batch_size=32, verbose=0)
    assert trainer.evaluate(test)["accuracy"] > 0.8
    trainer.predict(test[0])
    trainer.predict(test[0], mc_samples=4)
    model.eval()
    with nnforge.no_grad():
        model(nnforge.tensor(test[0]))


def test_hand_written_loop_with_epoch_scheduler_and_manual_evaluation(digits):
    (X, y), (X_val, y_val), _ = digits
    g = np.random.default_rng(1)
    model = nn.Sequential(nn.Linear(64, 32, generator=g), nn.Tanh(), nn.Dropout(0.2, generator=g),
                          nn.Linear(32, 10, generator=g))
    opt = optim.Adam(model.parameters(), lr=1e-2)
    scheduler = lr_scheduler.StepLR(opt, step_size=1, gamma=0.9)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(3):
        model.train()
        for i in range(0, len(X), 64):
            opt.zero_grad()
            loss_fn(model(nnforge.tensor(X[i:i + 64])), y[i:i + 64]).backward()
            opt.step()
        scheduler.step()
        model.eval()
        with nnforge.no_grad():
            accuracy = (model(nnforge.tensor(X_val)).numpy().argmax(1) == y_val).mean()
    assert accuracy > 0.85


def test_binary_and_regression_losses_on_logits(digits):
    (X, y), _, _ = digits
    g = np.random.default_rng(2)
    model = nn.Sequential(nn.Linear(64, 16, generator=g), nn.ReLU(), nn.Linear(16, 1, generator=g))
    Trainer(model, optim.Adam(model.parameters(), lr=1e-3), nn.BCEWithLogitsLoss(),
            metrics=(), generator=0).fit((X, (y > 4).astype(np.float32)), epochs=2, verbose=0)
    model = nn.Sequential(nn.Linear(64, 16, generator=g), nn.ReLU(), nn.Linear(16, 1, generator=g))
    Trainer(model, optim.Adam(model.parameters(), lr=1e-3), nn.MSELoss(), metrics=("mse",),
            generator=0).fit((X, y.astype(np.float32)), epochs=2, verbose=0)


def test_small_cnn_trains_silently(digits):
    (X, y), _, _ = digits
    images = X[:256].reshape(-1, 1, 8, 8).astype(np.float32)
    g = np.random.default_rng(3)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, generator=g), nn.BatchNorm2d(8),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Dropout(0.25, generator=g), nn.Linear(8 * 4 * 4, 10, generator=g))
    trainer = Trainer(model, optim.Adam(model.parameters(), lr=1e-3), nn.CrossEntropyLoss(),
                      generator=0)
    trainer.fit((images, y[:256]), (images[:64], y[:64]), epochs=2, batch_size=32, verbose=0)


def test_doctor_on_the_healthy_config_is_silent():
    from nnforge.cli.doctor import doctor

    results = doctor(load_config("examples/digits_mlp.toml"), ["initial-loss", "dead-relu"])
    assert [r.status for r in results] == ["pass", "pass"]
