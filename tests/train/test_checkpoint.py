"""Checkpoints: every piece of training state survives a save/load, resuming (mid-epoch or at
an epoch boundary) ends bit-identical to an uninterrupted fit, damaged files are refused."""
import json
import shutil
import signal

import numpy as np
import pytest

import nnforge
from nnforge import nn, optim
from nnforge.optim import lr_scheduler
from nnforge.train import EarlyStopping, LambdaCallback, Trainer
from nnforge.train.checkpoint import (Checkpoint, CheckpointError, TrainingInterrupted,
                                      load_checkpoint, remove_orphans, save_checkpoint)

EPOCHS = 6


def data():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(90, 5)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64) + (X[:, 2] > 1).astype(np.int64)
    return (X[:60], y[:60]), (X[60:], y[60:])


def make_trainer(directory, extra=()):
    """A small MLP with dropout, Adam, a per-step scheduler, early stopping (restore best)
    and a Checkpoint, everything drawing from one seeded Generator."""
    gen = nnforge.manual_seed(7)
    model = nn.Sequential(nn.Linear(5, 16, generator=gen), nn.ReLU(),
                          nn.Dropout(0.3, generator=gen), nn.Linear(16, 3, generator=gen))
    opt = optim.Adam(model.parameters(), lr=0.01)
    sched = lr_scheduler.StepLR(opt, step_size=4, gamma=0.7)
    es = EarlyStopping(monitor="val_loss", criterion="none")
    ckpt = Checkpoint(directory, monitor="val_loss")
    return Trainer(model, opt, nn.CrossEntropyLoss(), metrics=("accuracy", "f1"),
                   callbacks=[es, ckpt, *extra], generator=gen, scheduler=sched,
                   scheduler_interval="step")


def fit(trainer, resume=None):
    train, val = data()
    return trainer.fit(train, val, epochs=EPOCHS, batch_size=8, verbose=0, resume=resume)


def rows(history):
    return [{k: v for k, v in r.items() if k != "seconds"} for r in history.rows]


def assert_same(a, b):
    wa, wb = a.model.state_dict(), b.model.state_dict()
    assert list(wa) == list(wb)
    for k in wa:
        assert np.array_equal(wa[k], wb[k]), k
    assert rows(a.history) == rows(b.history)
    assert a.history.best_epoch == b.history.best_epoch
    assert a.history.restored_epoch == b.history.restored_epoch
    assert a.global_step == b.global_step


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    trainer = make_trainer(tmp_path_factory.mktemp("ref"))
    fit(trainer)
    return trainer


def interrupt_at(step):
    def on_batch_end(batch, logs):
        if trainer_box[0].global_step == step:
            trainer_box[0].interrupt_signal = signal.SIGTERM
    trainer_box = [None]
    return LambdaCallback(on_batch_end=on_batch_end), trainer_box


@pytest.mark.parametrize("step", [1, 5, 8, 17, 40])        # 8 batches per epoch
def test_resume_mid_epoch_is_bit_identical(tmp_path, reference, step):
    stopper, box = interrupt_at(step)
    first = make_trainer(tmp_path, extra=[stopper])
    box[0] = first
    with pytest.raises(TrainingInterrupted) as info:
        fit(first)
    assert info.value.signum == signal.SIGTERM and first.global_step == step
    path = first.callbacks[1].save_interrupted(first)
    state = load_checkpoint(tmp_path)
    assert state.partial and state.global_step == step and path.endswith("last.json")
    second = make_trainer(tmp_path)
    fit(second, resume=state)
    assert_same(second, reference)


def test_resume_from_every_epoch_boundary_is_bit_identical(tmp_path, reference):
    copies = []

    def keep(epoch, logs):              # runs after the Checkpoint callback wrote "last"
        target = tmp_path / f"e{epoch + 1}"
        shutil.copytree(tmp_path / "ck", target)
        copies.append(target)

    first = make_trainer(tmp_path / "ck", extra=[LambdaCallback(on_epoch_end=keep)])
    fit(first)
    assert_same(first, reference)
    for folder in copies[:-1]:
        state = load_checkpoint(folder / "last.json")
        assert not state.partial
        resumed = make_trainer(tmp_path / "resumed")
        fit(resumed, resume=state)
        assert_same(resumed, reference)


def test_best_checkpoint_holds_the_best_epoch(tmp_path, reference):
    best_epoch, _ = reference.history.best("val_loss")
    fresh = make_trainer(tmp_path)
    fit(fresh)
    state = load_checkpoint(tmp_path / "best.json")
    assert state.epoch == best_epoch
    weights = state.model_state()
    for k, v in fresh.model.state_dict().items():     # restore-best put these weights back
        assert np.array_equal(weights[k], v)


def test_a_folder_killed_between_best_and_last_resumes_from_best(tmp_path, reference):
    """The first epoch writes "best" and then "last"; a kill between the two leaves "best"
    alone, which is the newest state, so the folder resumes from it to the same result."""
    copies = []
    first = make_trainer(tmp_path / "ck", extra=[LambdaCallback(
        on_epoch_end=lambda epoch, logs: epoch == 0 and copies.append(
            shutil.copytree(tmp_path / "ck", tmp_path / "epoch0")))])
    fit(first)
    killed = copies[0]
    for sidecar in killed.glob("last*"):
        sidecar.unlink()
    state = load_checkpoint(killed)
    assert state.epoch == load_checkpoint(killed / "best.json").epoch == 1
    resumed = make_trainer(tmp_path / "resumed")
    fit(resumed, resume=state)
    assert_same(resumed, reference)


def test_state_round_trip_keeps_dtypes_and_rng(tmp_path):
    trainer = make_trainer(tmp_path)
    fit(trainer)
    save_checkpoint(tmp_path / "x", trainer)
    meta = json.loads((tmp_path / "x" / "last.json").read_text())
    assert meta["rng"] == trainer.generator.bit_generator.state
    state = load_checkpoint(tmp_path / "x")
    for k, v in trainer.model.state_dict().items():
        assert state.model_state()[k].dtype == v.dtype
    files = sorted(p.name for p in (tmp_path / "x").iterdir())
    assert len([f for f in files if f.endswith(".safetensors")]) == 1   # old one deleted


def test_not_a_run_folder(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint here"):
        load_checkpoint(tmp_path)


def test_corrupted_checkpoints_are_refused(tmp_path):
    trainer = make_trainer(tmp_path)
    fit(trainer)
    sidecar = tmp_path / "last.json"
    meta = json.loads(sidecar.read_text())
    weights = tmp_path / meta["weights"]
    data_bytes = bytearray(weights.read_bytes())
    data_bytes[-3] ^= 0xFF
    weights.write_bytes(bytes(data_bytes))
    with pytest.raises(CheckpointError, match="does not match the sha256"):
        load_checkpoint(tmp_path)
    weights.unlink()
    with pytest.raises(CheckpointError, match="is missing"):
        load_checkpoint(tmp_path)
    sidecar.write_text(sidecar.read_text()[:50])
    with pytest.raises(CheckpointError, match="unreadable JSON"):
        load_checkpoint(sidecar)
    sidecar.write_text('{"format": "other"}')
    with pytest.raises(CheckpointError, match="not an nnforge checkpoint"):
        load_checkpoint(sidecar)


def test_checkpoint_from_another_model_is_refused(tmp_path):
    trainer = make_trainer(tmp_path)
    fit(trainer)
    gen = nnforge.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 4, generator=gen), nn.ReLU(),
                          nn.Dropout(0.3, generator=gen), nn.Linear(4, 3, generator=gen))
    other = Trainer(model, optim.Adam(model.parameters()), nn.CrossEntropyLoss(),
                    generator=gen)
    with pytest.raises(CheckpointError, match="do not fit the model"):
        other.fit(*data(), epochs=2, verbose=0, resume=load_checkpoint(tmp_path))


def test_checkpoint_arguments_are_checked():
    with pytest.raises(ValueError, match="mode='up'"):
        Checkpoint("x", mode="up")
    with pytest.raises(ValueError, match="every=0"):
        Checkpoint("x", every=0)


def make_scheduled_trainer(directory, extra=()):
    """SGD with a per-step momentum schedule, a batch-size schedule, clipping and
    gradient accumulation: the UpdatePlan's state must be checkpointed too."""
    from nnforge.optim import BatchSizeSchedule, MomentumScheduler

    gen = nnforge.manual_seed(11)
    model = nn.Sequential(nn.Linear(5, 8, generator=gen), nn.ReLU(),
                          nn.Dropout(0.2, generator=gen), nn.Linear(8, 3, generator=gen))
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    return Trainer(model, opt, nn.CrossEntropyLoss(), callbacks=[Checkpoint(directory),
                                                                 *extra],
                   generator=gen, momentum_scheduler=MomentumScheduler(opt, start=0.5, end=0.9,
                                                                       total_steps=20),
                   momentum_interval="step",
                   batch_size_schedule=BatchSizeSchedule(4, milestones=[2, 4], factor=2),
                   accumulate_steps=2, clip_grad_norm=1.0)


@pytest.mark.parametrize("step", [3, 11])
def test_resume_with_schedules_and_accumulation(tmp_path, step):
    train, val = data()
    reference = make_scheduled_trainer(tmp_path / "ref")
    reference.fit(train, val, epochs=EPOCHS, batch_size=8, verbose=0)
    stopper, box = interrupt_at(step)
    first = make_scheduled_trainer(tmp_path / "a", extra=[stopper])
    box[0] = first
    with pytest.raises(TrainingInterrupted):
        first.fit(train, val, epochs=EPOCHS, batch_size=8, verbose=0)
    first.callbacks[0].save_interrupted(first)
    second = make_scheduled_trainer(tmp_path / "b")
    second.fit(train, val, epochs=EPOCHS, batch_size=8, verbose=0,
               resume=load_checkpoint(tmp_path / "a"))
    assert_same(second, reference)
    assert second.history.steps == reference.history.steps


def test_debris_of_a_killed_writer_is_removed(tmp_path):
    trainer = make_trainer(tmp_path)
    fit(trainer)
    (tmp_path / ".last.json.x1.tmp").write_text("half")
    (tmp_path / "last-e0099-s009999.safetensors").write_bytes(b"orphan")
    kept = sorted(p.name for p in tmp_path.iterdir() if p.name[0] != "." and
                  "e0099" not in p.name)
    assert sorted(remove_orphans(tmp_path)) == [".last.json.x1.tmp",
                                                 "last-e0099-s009999.safetensors"]
    assert sorted(p.name for p in tmp_path.iterdir()) == kept
    load_checkpoint(tmp_path)
    load_checkpoint(tmp_path / "best.json")
