"""Synthetic objectives shared by the tune tests: pure functions of the config with a
known optimum, driven through the same callbacks a real training run uses."""
import math
import multiprocessing
import os
import signal
import time

import optuna

from nnforge.tune.space import get_path

OPTIMUM = {"optimizer.lr": 10 ** -2.5, "x": 0.3}


def distance(lr, x):
    """Normalised distance to the optimum: log10(lr) spans 5 decades, x spans 1."""
    return max(abs(math.log10(lr) + 2.5) / 5.0, abs(x - 0.3))


def make_train_fn(epochs=3, sleep=0.0, marker=None):
    """A train_fn whose 'validation loss' after each epoch is distance * (1 + 1/epoch)."""
    def train_fn(config, callbacks, out_dir, fold=None):
        loss = distance(get_path(config, "optimizer.lr"), get_path(config, "x", 0.3))
        if marker is not None:
            open(marker, "a").close()
        for cb in callbacks:
            cb.on_train_begin({})
        for epoch in range(epochs):
            if sleep:
                time.sleep(sleep)
            logs = {"val_loss": loss * (1 + 1.0 / (epoch + 1))}
            for cb in callbacks:
                cb.on_epoch_end(epoch, logs)
            if any(getattr(cb, "pruned", False) for cb in callbacks):
                break
        return {"val_loss": logs["val_loss"]}
    return train_fn


BASE = {"name": "synthetic", "seed": 3, "optimizer": {"type": "SGD", "lr": 0.1}, "x": 0.5,
        "train": {"epochs": 3}}


def tune_table(strategy="random", trials=8, **params):
    params = params or {"optimizer.lr": {"type": "loguniform", "low": 1e-5, "high": 1.0},
                        "x": {"type": "uniform", "low": 0.0, "high": 1.0}}
    return {"metric": "val_loss", "direction": "minimize", "strategy": strategy,
            "trials": trials, "params": params}


def _worker(url, study_name, objective, index):
    from nnforge.tune.strategies import SeededRandomSampler
    from nnforge.tune.workers import run_worker
    run_worker(url, study_name, objective, SeededRandomSampler(0), worker=index)


def check_kill_recovery(url, study_name, n_trials=6):
    """Two workers on one study; SIGKILL one of them mid-trial, after it finished a trial.
    Asserts that no finished trial is lost, the killed trial is FAIL, and the survivor
    completes the study (the killed trial re-run once)."""
    from nnforge.tune.objective import ConfigObjective
    from nnforge.tune.runner import TuneConfig
    from nnforge.tune.study import create_or_load_study, open_storage, top_up
    tc = TuneConfig.from_dict(tune_table("random", n_trials))
    study, created = create_or_load_study(open_storage(url), study_name, "minimize", None,
                                          None, {"metric": "val_loss"})
    assert created
    top_up(study, n_trials)
    engine = getattr(study._storage, "engine", None)
    if engine is not None:
        engine.dispose()
    objective = ConfigObjective(BASE, tc.space, "val_loss",
                                train_fn=make_train_fn(epochs=4, sleep=0.15))
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_worker, args=(url, study_name, objective, i))
               for i in range(2)]
    for process in workers:
        process.start()
    victim, storage = workers[0], open_storage(url)
    deadline = time.time() + 60
    while time.time() < deadline:         # wait until the victim has finished one trial
        trials = optuna.load_study(study_name=study_name, storage=storage).get_trials()
        mine = [t for t in trials if t.user_attrs.get("pid") == victim.pid]
        running = [t for t in mine if t.state.name == "RUNNING" and t.intermediate_values]
        if any(t.state.name == "COMPLETE" for t in mine) and running:
            os.kill(victim.pid, signal.SIGKILL)
            finished_before = [(t.number, t.value) for t in trials
                               if t.state.name == "COMPLETE"]
            killed = running[0].number
            break
        time.sleep(0.02)
    else:
        raise AssertionError("the victim never started a second trial")
    for process in workers:
        process.join(120)
    assert victim.exitcode == -signal.SIGKILL and workers[1].exitcode == 0
    study = optuna.load_study(study_name=study_name, storage=open_storage(url))
    by_number = {t.number: t for t in study.trials}
    for number, value in finished_before:                 # nothing finished was lost
        assert by_number[number].state.name == "COMPLETE"
        assert by_number[number].value == value
    assert by_number[killed].state.name == "FAIL"
    assert "died" in by_number[killed].user_attrs["fail_reason"]
    retries = [t for t in study.trials if t.user_attrs.get("retry_of") == killed]
    assert len(retries) == 1 and retries[0].state.name == "COMPLETE"
    states = [t.state.name for t in study.trials]
    assert states.count("COMPLETE") == n_trials and states.count("FAIL") == 1
    assert "RUNNING" not in states and "WAITING" not in states
    return study
