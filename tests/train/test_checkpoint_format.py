"""The checkpoint file format stays readable: the mid-epoch position keeps its keys, and a
checkpoint written before EarlyStopping had a state_dict (its private field names, with a
leading underscore) still resumes bit-identical to an uninterrupted fit."""
import json
import signal

import numpy as np
import pytest

import nnforge
from nnforge import nn, optim
from nnforge.train import EarlyStopping, LambdaCallback, Trainer
from nnforge.train.checkpoint import Checkpoint, TrainingInterrupted, load_checkpoint

OLD_NAMES = {"val_history": "_val_history", "train_history": "_train_history",
             "e_opt": "_e_opt", "ups": "_ups"}


def data():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(60, 4)).astype(np.float32)
    y = (X[:, 0] - X[:, 2] > 0).astype(np.int64)
    return (X[:40], y[:40]), (X[40:], y[40:])


def make_trainer(directory, extra=()):
    gen = nnforge.manual_seed(5)
    model = nn.Sequential(nn.Linear(4, 12, generator=gen), nn.ReLU(),
                          nn.Dropout(0.2, generator=gen), nn.Linear(12, 2, generator=gen))
    stopper = EarlyStopping(monitor="val_loss", criterion="UP", strip=1, s=3)
    return Trainer(model, optim.Adam(model.parameters(), lr=0.05), nn.CrossEntropyLoss(),
                   callbacks=[stopper, Checkpoint(directory), *extra], generator=gen)


def fit(trainer, resume=None):
    return trainer.fit(*data(), epochs=8, batch_size=10, verbose=0, resume=resume)


def interrupted_checkpoint(directory, step):
    box = []

    def on_batch_end(batch, logs):
        if box[0].global_step == step:
            box[0].interrupt_signal = signal.SIGINT

    trainer = make_trainer(directory, extra=[LambdaCallback(on_batch_end=on_batch_end)])
    box.append(trainer)
    with pytest.raises(TrainingInterrupted):
        fit(trainer)
    return trainer.callbacks[1].save_interrupted(trainer)


def test_mid_epoch_position_keeps_its_keys(tmp_path):
    sidecar = interrupted_checkpoint(tmp_path, 6)
    meta = json.loads(open(sidecar).read())
    assert meta["epoch"] == 1                                  # 4 batches per epoch
    partial = dict(meta["partial"]["__dict__"])             # how the JSON stores a dict
    assert set(partial) == {"batch", "lr", "loss_sum", "count", "epoch_rng", "rng",
                            "schedule_logs", "outputs", "targets"}
    assert partial["batch"] == 2 and partial["count"] == 20


def test_checkpoint_with_the_old_early_stopping_names_resumes_bit_identical(tmp_path):
    reference = make_trainer(tmp_path / "ref")
    fit(reference)
    sidecar = interrupted_checkpoint(tmp_path / "run", 10)
    text = open(sidecar).read()
    for new, old in OLD_NAMES.items():
        assert text.count(f'"{new}"') == 1
        text = text.replace(f'"{new}"', f'"{old}"')
    with open(sidecar, "w") as f:
        f.write(text)
    resumed = make_trainer(tmp_path / "resumed")
    fit(resumed, resume=load_checkpoint(tmp_path / "run"))
    for (k, a), b in zip(reference.model.state_dict().items(),
                         resumed.model.state_dict().values()):
        assert np.array_equal(a, b), k
    strip = [{k: v for k, v in r.items() if k != "seconds"} for r in reference.history.rows]
    assert strip == [{k: v for k, v in r.items() if k != "seconds"}
                     for r in resumed.history.rows]
    ours, theirs = resumed.callbacks[0].state_dict(), reference.callbacks[0].state_dict()
    for key in ("best", "best_epoch", "stopped_epoch", "val_history", "e_opt", "ups", "wait"):
        assert ours[key] == theirs[key], key
    assert resumed.stop_reason == reference.stop_reason
