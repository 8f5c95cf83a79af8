"""Subclassing the Trainer: an overridden train_step or eval_step is the one the loop uses,
and the stateful pieces (early stopping, the update plan, the history) round-trip through
state_dict / load_state_dict."""
import numpy as np
import pytest

from nnforge import nn, optim
from nnforge.train import EarlyStopping, StepOutput, Trainer
from nnforge.train.stepping import UpdatePlan


def data(n=48):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(n, 4)).astype(np.float32)
    return X, (X[:, 0] - X[:, 1] > 0).astype(np.int64)


def model():
    g = np.random.default_rng(1)
    return nn.Sequential(nn.Linear(4, 8, generator=g), nn.Tanh(), nn.Linear(8, 2, generator=g))


def weight_norm(m):
    return float(sum(np.sum(p.numpy().astype(np.float64) ** 2) for p in m.parameters()))


class CountingPenalized(Trainer):
    """Adds an L2 penalty on every parameter to the loss and counts its calls."""

    def __init__(self, *args, strength, **kwargs):
        super().__init__(*args, **kwargs)
        self.strength, self.calls = strength, 0

    def train_step(self, batch):
        self.calls += 1
        loss, output = super().train_step(batch)
        penalty = sum((p * p).sum() for p in self.model.parameters())
        return StepOutput(loss + self.strength * penalty, output)


def test_overridden_train_step_is_used_and_changes_what_is_minimized():
    X, y = data()
    plain_model, penalized_model = model(), model()
    plain = Trainer(plain_model, optim.SGD(plain_model.parameters(), lr=0.2),
                    nn.CrossEntropyLoss(), generator=0)
    penalized = CountingPenalized(penalized_model, optim.SGD(penalized_model.parameters(),
                                                             lr=0.2),
                                  nn.CrossEntropyLoss(), generator=0, strength=0.05)
    h_plain = plain.fit((X, y), epochs=4, batch_size=12, verbose=0)
    h_pen = penalized.fit((X, y), epochs=4, batch_size=12, verbose=0)
    assert penalized.calls == 4 * 4                       # one call per batch, 4 batches/epoch
    assert weight_norm(penalized_model) < weight_norm(plain_model)
    # the logged loss is the penalized one: larger than the plain loss of the same weights
    assert h_pen["loss"][-1] > penalized.evaluate((X, y))["loss"]
    assert h_plain["loss"][-1] != h_pen["loss"][-1]


def test_penalty_of_zero_reproduces_the_plain_trainer_exactly():
    X, y = data()
    a, b = model(), model()
    Trainer(a, optim.SGD(a.parameters(), lr=0.2), nn.CrossEntropyLoss(), generator=0).fit(
        (X, y), epochs=2, batch_size=12, verbose=0)
    CountingPenalized(b, optim.SGD(b.parameters(), lr=0.2), nn.CrossEntropyLoss(),
                      generator=0, strength=0.0).fit((X, y), epochs=2, batch_size=12, verbose=0)
    for pa, pb in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(pa.numpy(), pb.numpy())


class DoubledEval(Trainer):
    """Reports twice the loss in evaluation and counts its calls."""

    calls = 0

    def eval_step(self, batch):
        self.calls += 1
        loss, output = super().eval_step(batch)
        return StepOutput(loss * 2.0, output)


def test_overridden_eval_step_gives_val_loss_and_evaluate():
    X, y = data()
    m = model()
    trainer = DoubledEval(m, optim.SGD(m.parameters(), lr=0.1), nn.CrossEntropyLoss(),
                          generator=0)
    history = trainer.fit((X[:32], y[:32]), (X[32:], y[32:]), epochs=2, batch_size=8,
                          verbose=0)
    assert trainer.calls == 2 * 2              # 16 validation rows in batches of 8, 2 epochs
    plain = Trainer(m, optim.SGD(m.parameters(), lr=0.1), nn.CrossEntropyLoss())
    expected = plain.evaluate((X[32:], y[32:]))
    assert history["val_loss"][-1] == pytest.approx(2 * expected["loss"], rel=1e-6)
    assert history["val_accuracy"][-1] == expected["accuracy"]
    assert trainer.evaluate((X[32:], y[32:]))["loss"] == pytest.approx(2 * expected["loss"],
                                                                       rel=1e-6)


def test_early_stopping_state_round_trips_and_reads_the_old_private_names():
    es = EarlyStopping(monitor="val_loss", criterion="UP", s=2, strip=1)
    for epoch, value in enumerate([1.0, 0.8, 0.9]):
        es.on_epoch_end(epoch, {"val_loss": value})
    state = es.state_dict()
    assert state["ups"] == 1 and state["val_history"] == [1.0, 0.8, 0.9]
    assert state["e_opt"] == 0.8 and state["best_epoch"] == 2
    fresh = EarlyStopping(monitor="val_loss", criterion="UP", s=2, strip=1)
    fresh.load_state_dict({("_" + k if k in ("val_history", "train_history", "e_opt", "ups")
                            else k): v for k, v in state.items()})       # an older checkpoint
    fresh.on_epoch_end(3, {"val_loss": 0.95})                            # second rise: stop
    es.on_epoch_end(3, {"val_loss": 0.95})
    assert fresh.stopped_epoch == es.stopped_epoch == 4
    assert fresh.state_dict() == es.state_dict()


def test_update_plan_state_holds_the_lr_scale_and_the_record():
    class Capped:                                   # a batch-size schedule capped at epoch 1
        def __call__(self, epoch):
            return 8

        def lr_scale(self, epoch):
            return 1.0 if epoch == 0 else 2.0

    m = model()
    opt = optim.SGD(m.parameters(), lr=0.1)
    plan = UpdatePlan(opt, batch_size_schedule=Capped())
    plan.begin_fit(3)
    plan.begin_epoch(1)
    plan.before_step(1, 8)
    state = plan.state_dict()
    assert state["lr_scale"] == 2.0 and state["steps"]["lr"] == [pytest.approx(0.2)]
    other = UpdatePlan(optim.SGD(model().parameters(), lr=0.2), batch_size_schedule=Capped())
    other.load_state_dict(state)
    other.begin_epoch(2)                        # same scale as saved: the lr is left alone
    assert other.optimizer.param_groups[0]["lr"] == 0.2 and other.state_dict() == state
