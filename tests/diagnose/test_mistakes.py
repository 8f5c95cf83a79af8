"""Each guard fires on its mistake (once per run, with its code) and stays silent on the
correct code; every guard can be silenced."""
import warnings

import numpy as np
import pytest

import nnforge
import nnforge.nn as nn
import nnforge.nn.functional as F
from nnforge import optim
from nnforge.diagnose import check_eval_mode, guard_codes
from nnforge.optim import lr_scheduler
from nnforge.train import Trainer
from nnforge.mistake_warnings import (DeadReLUWarning, ExplodingGradientWarning, GuardWarning,
                                      LabelMismatchWarning, ProbabilitiesAsLogitsWarning,
                                      SchedulerOrderWarning, TrainModeEvaluationWarning, new_run,
                                      silence, silence_codes, unsilence_codes)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((96, 6)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64) + 2 * (X[:, 1] > 0)
    return X, y


def guard_warnings(record, category=GuardWarning):
    return [w for w in record if issubclass(w.category, category)]


def mlp(outputs=4, dropout=True, seed=0):
    g = np.random.default_rng(seed)
    layers = [nn.Linear(6, 16, generator=g), nn.ReLU()]
    layers += [nn.Dropout(0.3, generator=g)] if dropout else []
    return nn.Sequential(*layers, nn.Linear(16, outputs, generator=g))


# --- NF-GUARD-001 probabilities passed as logits -------------------------------------------
def test_softmax_output_into_cross_entropy_warns_once_with_its_code(data):
    X, y = data
    model = nn.Sequential(mlp(), nn.Softmax(dim=1))
    loss_fn = nn.CrossEntropyLoss()
    with pytest.warns(ProbabilitiesAsLogitsWarning, match="NF-GUARD-001.*remove the final "
                      "Softmax") as record:
        for _ in range(3):
            loss_fn(model(nnforge.tensor(X)), nnforge.tensor(y)).backward()
    assert len(guard_warnings(record)) == 1                    # once per run
    new_run()
    with pytest.warns(ProbabilitiesAsLogitsWarning):
        F.cross_entropy(F.softmax(mlp()(nnforge.tensor(X)), dim=1), y)


def test_sigmoid_output_into_bce_with_logits_warns(data):
    X, y = data
    out = mlp(outputs=1)(nnforge.tensor(X)).sigmoid()
    with pytest.warns(ProbabilitiesAsLogitsWarning, match="Sigmoid"):
        nn.BCEWithLogitsLoss()(out, (y[:, None] > 1).astype(np.float32))


def test_logits_and_log_softmax_stay_silent(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error", GuardWarning)
        logits = mlp()(nnforge.tensor(X))
        nn.CrossEntropyLoss()(logits, y).backward()
        nn.NLLLoss()(F.log_softmax(mlp()(nnforge.tensor(X)), dim=1), y)
        nn.BCEWithLogitsLoss()(mlp(outputs=1)(nnforge.tensor(X)),
                               (y[:, None] > 1).astype(np.float32))
        nn.BCELoss()(mlp(outputs=1)(nnforge.tensor(X)).sigmoid(),
                     (y[:, None] > 1).astype(np.float32))     # BCELoss wants probabilities


def test_guards_are_silenced_by_context_manager_filter_and_process_switch(data):
    X, y = data
    probabilities = lambda: F.softmax(mlp()(nnforge.tensor(X)), dim=1)  # noqa: E731
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        with silence("NF-GUARD-001"):
            F.cross_entropy(probabilities(), y)
        with silence(ProbabilitiesAsLogitsWarning):
            F.cross_entropy(probabilities(), y)
        with silence():
            F.cross_entropy(probabilities(), y)
        silence_codes("NF-GUARD-001")
        try:
            F.cross_entropy(probabilities(), y)
        finally:
            unsilence_codes("NF-GUARD-001")
    assert guard_warnings(record) == []
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=ProbabilitiesAsLogitsWarning)
        F.cross_entropy(probabilities(), y)
    assert guard_warnings(record) == []
    with pytest.raises(ValueError, match="guard code"):
        with silence("NF-NOPE"):
            pass


# --- NF-GUARD-002 evaluation in training mode --------------------------------------------------
def test_evaluating_under_no_grad_in_train_mode_warns(data):
    X, _ = data
    model = mlp()
    with pytest.warns(TrainModeEvaluationWarning, match="NF-GUARD-002.*Dropout '1'|"
                      "NF-GUARD-002.*Dropout '2'"):
        with nnforge.no_grad():
            model(nnforge.tensor(X))
    bn = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8))
    new_run()
    with pytest.warns(TrainModeEvaluationWarning, match="BatchNorm1d"):
        with nnforge.no_grad():
            bn(nnforge.tensor(X))


def test_eval_mode_training_and_mc_dropout_stay_silent(data):
    X, y = data
    model = mlp()
    with warnings.catch_warnings():
        warnings.simplefilter("error", GuardWarning)
        F.cross_entropy(model(nnforge.tensor(X)), y).backward()     # training: graph on
        model.eval()
        with nnforge.no_grad():
            model(nnforge.tensor(X))
        nn.mc_dropout_predict(model, nnforge.tensor(X), mc_samples=3)
        model.train()
        with nnforge.no_grad():
            mlp(dropout=False)(nnforge.tensor(X))                   # nothing mode-dependent
        trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss())
        trainer.evaluate((X, y))
        trainer.predict(X)


def test_check_eval_mode_names_the_active_layers(data):
    model = mlp()
    with pytest.warns(TrainModeEvaluationWarning):
        assert check_eval_mode(model) == ["2"]
    model.eval()
    assert check_eval_mode(model) == []


# --- NF-GUARD-003 labels vs outputs ------------------------------------------------------
def test_one_based_labels_warn_at_the_start_of_fit(data):
    X, y = data
    model = mlp(outputs=5)
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss())
    with pytest.warns(LabelMismatchWarning, match="NF-GUARD-003.*1-based"):
        trainer.fit((X, y + 1), epochs=1, batch_size=32, verbose=0)


def test_unused_outputs_warn_and_matching_labels_stay_silent(data):
    X, y = data
    model = mlp(outputs=10)
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss())
    with pytest.warns(LabelMismatchWarning, match="10 outputs but the labels only go up to 3"):
        trainer.fit((X, y), epochs=1, batch_size=32, verbose=0)
    model = mlp(outputs=4)
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss())
    with warnings.catch_warnings():
        warnings.simplefilter("error", GuardWarning)
        trainer.fit((X, y), epochs=2, batch_size=32, verbose=0)


def test_multiclass_labels_into_bce_warn(data):
    X, y = data
    with pytest.warns(LabelMismatchWarning, match="0/1 labels"):
        F.binary_cross_entropy_with_logits(mlp(outputs=1)(nnforge.tensor(X)),
                                           y[:, None].astype(np.float32))


# --- NF-GUARD-004 scheduler before optimizer ---------------------------------------------
def test_scheduler_stepped_before_the_optimizer_warns():
    p = nnforge.tensor(np.ones(3), requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    scheduler = lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    with pytest.warns(SchedulerOrderWarning, match="NF-GUARD-004.*StepLR"):
        scheduler.step()
    cosine = lr_scheduler.CosineAnnealingWarmRestarts(optim.SGD([p], lr=0.1), T_0=3)
    new_run()
    with pytest.warns(SchedulerOrderWarning, match="CosineAnnealingWarmRestarts"):
        cosine.step()


def test_optimizer_then_scheduler_stays_silent():
    p = nnforge.tensor(np.ones(3), requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    scheduler = lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", GuardWarning)
        for _ in range(3):
            (p * p).sum().backward()
            opt.step()
            opt.zero_grad()
            scheduler.step()
    assert scheduler.get_last_lr() == [0.1 * 0.5 ** 3]


# --- NF-GUARD-005 / 006 during Trainer.fit ------------------------------------------------
def test_dead_relus_warn_during_fit(data):
    X, y = data
    model = mlp(dropout=False)
    model[0].bias.data[:12] = -100.0                          # 12 of 16 units never fire
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.01), nn.CrossEntropyLoss())
    with pytest.warns(DeadReLUWarning, match="NF-GUARD-005: 75% of the units of ReLU '1'"):
        trainer.fit((X, y), epochs=1, batch_size=96, verbose=0)


def test_exploding_gradient_ratio_warns_during_fit(data):
    X, y = data
    g = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(6, 16, generator=g), nn.Tanh(), nn.Linear(16, 16, generator=g),
                          nn.Tanh(), nn.Linear(16, 4, generator=g))
    # linear regime: first/last gradient ratio ~ |W_last| / |W_first| = 1e4
    model[0].weight.data *= 1e-2
    model[4].weight.data *= 1e2
    model[0].bias.data[:] = 0.0
    model[2].bias.data[:] = 0.0
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=1e-6), nn.CrossEntropyLoss())
    with pytest.warns(ExplodingGradientWarning, match="NF-GUARD-006"):
        trainer.fit((X, y), epochs=1, batch_size=96, verbose=0)


def test_guards_can_be_switched_off_in_the_trainer(data):
    X, y = data
    model = mlp(outputs=5, dropout=False)
    model[0].bias.data[:] = -100.0
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.01), nn.CrossEntropyLoss(),
                      guards=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", GuardWarning)
        trainer.fit((X, y + 1), epochs=1, batch_size=96, verbose=0)


def test_code_table_lists_every_guard_and_the_leak_code():
    table = guard_codes()
    assert sorted(table) == ["NF-GUARD-001", "NF-GUARD-002", "NF-GUARD-003", "NF-GUARD-004",
                             "NF-GUARD-005", "NF-GUARD-006", "NF-LEAK-001"]
    assert table["NF-LEAK-001"][0] == "DataLeakageWarning"


def test_config_options_switch_guards_off_and_silence_codes(tmp_path):
    from nnforge.build import build_run, fit_run
    from nnforge.config import ConfigError, parse_config

    raw = {"data": {"dataset": "digits"}, "train": {"epochs": 1},
           "model": {"layers": [{"type": "Linear", "in_features": 64, "out_features": 12}]}}
    run = build_run(parse_config(raw))
    assert run.trainer.guards
    with pytest.warns(LabelMismatchWarning, match="12 outputs"):
        fit_run(run, verbose=0)
    raw["train"]["silence"] = ["NF-GUARD-003"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", GuardWarning)
        fit_run(build_run(parse_config(raw)), verbose=0)
    raw["train"] = {"epochs": 1, "guards": False}
    assert not build_run(parse_config(raw)).trainer.guards
    raw["train"] = {"silence": ["NF-GUARD-999"]}
    with pytest.raises(ConfigError, match="unknown guard code"):
        parse_config(raw)
