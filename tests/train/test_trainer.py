"""Trainer: digits to >= 0.95, the loop equals a hand-written one, History, evaluate and
predict modes, MC dropout, schedulers, regression targets, early stopping end to end."""
import numpy as np
import pytest

import nnforge
from nnforge import nn, optim
from nnforge.data import StandardScaler, load_digits, make_sine, train_val_test_split
from nnforge.optim import lr_scheduler
from nnforge.nn import MCDropoutPrediction
from nnforge.train import EarlyStopping, LambdaCallback, Trainer


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    tr, va, te = train_val_test_split(data.y, seed=0, stratify=True)
    scaler = StandardScaler().fit(data.X[tr])
    X = scaler.transform(data.X)
    return (X[tr], data.y[tr]), (X[va], data.y[va]), (X[te], data.y[te])


def mlp(g, dropout=0.0):
    layers = [nn.Linear(64, 64, generator=g), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout, generator=g))
    return nn.Sequential(*layers, nn.Linear(64, 10, generator=g))


def test_fits_digits_to_95_percent(digits):
    train, val, test = digits
    g = np.random.default_rng(0)
    model = mlp(g)
    trainer = Trainer(model, optim.Adam(model.parameters(), lr=1e-3), nn.CrossEntropyLoss(),
                      generator=g)
    history = trainer.fit(train, val, epochs=15, batch_size=32, verbose=0)
    result = trainer.evaluate(test)
    assert result["accuracy"] >= 0.95, result
    assert set(result) == {"loss", "accuracy"}
    # History: one row per epoch, 1-based epochs, train/val loss and metric, lr, seconds
    assert len(history) == 15 and history["epoch"] == list(range(1, 16))
    assert history.keys() == ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr",
                              "momentum", "batch_size", "updates", "noise_scale", "seconds"]
    assert history["loss"][-1] < history["loss"][0] and history["lr"] == [1e-3] * 15
    assert history.stop_reason == "completed 15 epochs"
    # the epoch's val numbers are evaluate() on the val set with the final weights
    assert history["val_loss"][-1] == pytest.approx(trainer.evaluate(val)["loss"], rel=1e-6)


def test_loop_matches_a_hand_written_loop():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 5)).astype(np.float32)
    y = rng.integers(0, 3, size=40)

    def make():
        g = np.random.default_rng(7)
        return nn.Sequential(nn.Linear(5, 8, generator=g), nn.Tanh(), nn.Linear(8, 3, generator=g))

    model = make()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(3):
        for i in range(0, 40, 16):
            opt.zero_grad()
            loss = loss_fn(model(nnforge.tensor(X[i:i + 16])), nnforge.tensor(y[i:i + 16]))
            loss.backward()
            opt.step()
    model2 = make()
    trainer = Trainer(model2, optim.SGD(model2.parameters(), lr=0.1, momentum=0.9),
                      nn.CrossEntropyLoss(), metrics=())
    trainer.fit((X, y), epochs=3, batch_size=16, shuffle=False, verbose=0)
    for (k, a), b in zip(model.state_dict().items(), model2.state_dict().values()):
        np.testing.assert_array_equal(a, b, err_msg=k)
    assert trainer.global_step == 9                  # 3 batches (16, 16, 8) x 3 epochs


@pytest.mark.parametrize("batch_size, steps", [(None, 1), (1, 12), (5, 3)])
def test_full_batch_and_sgd(batch_size, steps):
    X = np.random.default_rng(0).normal(size=(12, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    model = nn.Linear(3, 2, generator=np.random.default_rng(0))
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss())
    trainer.fit((X, y), epochs=2, batch_size=batch_size, verbose=0)
    assert trainer.global_step == 2 * steps and trainer.params["steps"] == steps


def test_evaluate_and_predict_use_eval_mode_without_graph(digits):
    train, _, test = digits
    g = np.random.default_rng(1)
    model = mlp(g, dropout=0.5)
    trainer = Trainer(model, optim.Adam(model.parameters()), nn.CrossEntropyLoss(), generator=g)
    trainer.fit(train, epochs=1, verbose=0)
    model.train()
    out1, out2 = trainer.predict(test[0]), trainer.predict(test)
    assert isinstance(out1, np.ndarray) and out1.shape == (len(test[0]), 10)
    np.testing.assert_array_equal(out1, out2)            # dropout off: deterministic
    assert model.training                                # mode restored
    assert trainer.evaluate(test)["loss"] == trainer.evaluate(test)["loss"]
    seen = []

    class Probe(nn.Module):
        def forward(self, x):
            seen.append((nnforge.is_grad_enabled(), self.training))
            return x

    probed = nn.Sequential(model, Probe())
    trainer.model = probed
    trainer.evaluate(test)
    trainer.predict(test[0])
    assert seen and all(s == (False, False) for s in seen)   # no graph, eval mode


def test_mc_dropout_prediction(digits):
    train, _, test = digits
    g = np.random.default_rng(2)
    model = mlp(g, dropout=0.5)
    trainer = Trainer(model, optim.Adam(model.parameters()), nn.CrossEntropyLoss(), generator=g)
    trainer.fit(train, epochs=2, verbose=0)
    mc = trainer.predict(test[0][:50], mc_samples=20, batch_size=16)    # 4 chunks
    assert isinstance(mc, MCDropoutPrediction)
    assert mc.mean.shape == mc.std.shape == (50, 10) and mc.entropy.shape == (50,)
    np.testing.assert_allclose(mc.mean.sum(axis=1), 1.0, rtol=1e-5)   # probabilities
    assert (mc.std > 0).any()
    assert np.all(mc.entropy >= 0) and np.all(mc.entropy <= np.log(10) + 1e-6)
    p = mc.mean
    np.testing.assert_allclose(mc.entropy, -(p * np.log(p)).sum(axis=1), rtol=1e-5)
    assert model.training                                # fit left it in train mode
    plain = Trainer(mlp(g), optim.Adam(mlp(g).parameters()), nn.CrossEntropyLoss())
    with pytest.raises(ValueError, match="no Dropout layer"):
        plain.predict(test[0], mc_samples=3)


def test_mc_dropout_restores_modes(digits):
    g = np.random.default_rng(0)
    model = mlp(g, dropout=0.3)
    trainer = Trainer(model, optim.Adam(model.parameters()), nn.CrossEntropyLoss())
    model.eval()
    trainer.predict(digits[2][0][:5], mc_samples=2)
    assert not any(m.training for m in model.modules())


def test_epoch_scheduler_and_lr_column():
    X = np.random.default_rng(0).normal(size=(20, 2)).astype(np.float32)
    y = (X.sum(1) > 0).astype(np.int64)
    model = nn.Linear(2, 2, generator=np.random.default_rng(0))
    opt = optim.SGD(model.parameters(), lr=0.1)
    trainer = Trainer(model, opt, nn.CrossEntropyLoss(),
                      scheduler=lr_scheduler.StepLR(opt, step_size=1, gamma=0.5))
    history = trainer.fit((X, y), epochs=4, batch_size=10, verbose=0)
    np.testing.assert_allclose(history["lr"], [0.1, 0.05, 0.025, 0.0125])


def test_step_scheduler_and_plateau_scheduler():
    X = np.random.default_rng(0).normal(size=(40, 2)).astype(np.float32)
    y = (X.sum(1) > 0).astype(np.int64)
    model = nn.Linear(2, 2, generator=np.random.default_rng(0))
    opt = optim.SGD(model.parameters(), lr=0.1)
    trainer = Trainer(model, opt, nn.CrossEntropyLoss(), scheduler_interval="step",
                      scheduler=lr_scheduler.StepLR(opt, step_size=2, gamma=0.5))
    history = trainer.fit((X, y), epochs=3, batch_size=10, verbose=0)   # 4 steps per epoch
    # lr column = lr in use at the start of each epoch: halved every 2 steps
    np.testing.assert_allclose(history["lr"], [0.1, 0.025, 0.00625])
    opt = optim.SGD(model.parameters(), lr=0.1)
    # mode="max" on a falling val_loss: every epoch after the first counts as no progress
    plateau = lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=0)
    trainer = Trainer(model, opt, nn.CrossEntropyLoss(), scheduler=plateau)
    history = trainer.fit((X, y), (X, y), epochs=4, batch_size=40, verbose=0)
    assert np.all(np.diff(history["val_loss"]) < 0)
    np.testing.assert_allclose(history["lr"], [0.1, 0.1, 0.05, 0.025])


def test_regression_targets_and_metrics():
    data = make_sine(n_samples=200, seed=0)
    g = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(1, 32, generator=g), nn.Tanh(), nn.Linear(32, 1, generator=g))
    trainer = Trainer(model, optim.Adam(model.parameters(), lr=1e-2), nn.MSELoss(),
                      metrics=("mse", "r2"), generator=g)
    history = trainer.fit(data, data, epochs=40, batch_size=20, verbose=0)
    # (N,) targets against (N, 1) outputs must not broadcast to (N, N)
    assert history["mse"][-1] == pytest.approx(history["loss"][-1], rel=0.5)
    assert history["val_r2"][-1] > 0.8
    assert history["val_loss"][-1] == pytest.approx(history["val_mse"][-1], rel=1e-5)


def test_early_stopping_restores_best_epoch_weights(digits):
    train, val, _ = digits
    g = np.random.default_rng(4)
    model = mlp(g)
    snapshots = []
    record = LambdaCallback(on_epoch_end=lambda e, logs: snapshots.append(
        {k: v.clone() for k, v in model.state_dict().items()}))
    es = EarlyStopping(patience=2)
    trainer = Trainer(model, optim.Adam(model.parameters(), lr=0.02), nn.CrossEntropyLoss(),
                      callbacks=[record, es], generator=g)
    history = trainer.fit(train, val, epochs=30, verbose=0)
    best = int(np.argmin(history["val_loss"])) + 1
    assert es.best_epoch == best == history.best_epoch == history.restored_epoch
    assert len(history) < 30 and "early stopping" in history.stop_reason
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, snapshots[best - 1][k])


def test_monitor_without_validation_data_fails_loudly(digits):
    g = np.random.default_rng(0)
    model = mlp(g)
    trainer = Trainer(model, optim.Adam(model.parameters()), nn.CrossEntropyLoss(),
                      callbacks=[EarlyStopping()])
    with pytest.raises(ValueError, match="no validation data"):
        trainer.fit(digits[0], epochs=1, verbose=0)


def test_bad_arguments(digits):
    model = nn.Linear(64, 10)
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="unknown metric 'acc'"):
        Trainer(model, opt, nn.CrossEntropyLoss(), metrics=("acc",))
    with pytest.raises(ValueError, match="scheduler_interval"):
        Trainer(model, opt, nn.CrossEntropyLoss(), scheduler_interval="batch")
    trainer = Trainer(model, opt, nn.CrossEntropyLoss())
    with pytest.raises(ValueError, match="epochs"):
        trainer.fit(digits[0], epochs=0)
    with pytest.raises(ValueError, match="batch_size"):
        trainer.fit(digits[0], epochs=1, batch_size=0)
    with pytest.raises(ValueError, match="log_interval"):
        trainer.fit(digits[0], epochs=1, log_interval=0)


def test_log_interval_prints_progress_within_the_epoch(digits):
    import io
    train = digits[0]
    n = len(train[0])
    model = nn.Linear(64, 10)
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.05), nn.CrossEntropyLoss())
    out = io.StringIO()
    trainer.fit(train, epochs=2, batch_size=100, verbose=2, progress_stream=out,
                log_interval=4)
    lines = out.getvalue().splitlines()
    steps = -(-n // 100)
    per_epoch = steps // 4
    assert len(lines) == 2 * (per_epoch + 1)
    first = lines[0]
    assert first.startswith(f"epoch 1/2  [400/{n} {100 * 400 / n:.0f}%]  loss ")
    assert float(first.rsplit(" ", 1)[1]) > float(lines[per_epoch - 1].rsplit(" ", 1)[1])
    assert lines[per_epoch].startswith("epoch 1/2  loss ")         # the epoch line
    assert lines[per_epoch + 1].startswith("epoch 2/2  [400/")
    assert "momentum" not in lines[per_epoch] and "noise_scale" not in lines[per_epoch]


def test_binary_logits_with_integer_labels():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3)).astype(np.float32)
    y = (X[:, 0] - X[:, 1] > 0).astype(np.int64)               # int labels, one logit
    g = np.random.default_rng(0)
    model = nn.Linear(3, 1, generator=g)
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.5), nn.BCEWithLogitsLoss(),
                      metrics=("accuracy",), generator=g)
    history = trainer.fit((X, y), epochs=20, batch_size=50, verbose=0)
    manual = float(np.mean((trainer.predict(X)[:, 0] > 0) == y))      # logits > 0
    assert history["accuracy"][-1] > 0.95
    assert trainer.evaluate((X, y))["accuracy"] == pytest.approx(manual)


def test_accepts_datasets_array_data_and_loaders(digits):
    from nnforge.data import ArrayData, DataLoader, TensorDataset

    (Xtr, ytr), (Xva, yva), _ = digits

    def fit(train, val):
        g = np.random.default_rng(5)
        model = mlp(g)
        trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.05), nn.CrossEntropyLoss(),
                          generator=np.random.default_rng(9))
        history = trainer.fit(train, val, epochs=2, batch_size=64, verbose=0)
        return history["val_loss"], model.state_dict()["0.weight"]

    reference = fit((Xtr, ytr), (Xva, yva))
    as_dataset = fit(TensorDataset(Xtr, ytr), ArrayData(Xva, yva))
    as_loader = fit(DataLoader(TensorDataset(Xtr, ytr), batch_size=64, shuffle=True,
                               generator=np.random.default_rng(9)), (Xva, yva))
    for other in (as_dataset, as_loader):          # same batches, same order: same result
        assert other[0] == reference[0]
        np.testing.assert_array_equal(other[1], reference[1])
