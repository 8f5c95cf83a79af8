"""Studies and workers: a SIGKILLed worker loses no finished trial and its trial is
re-run; resuming continues a study; storage errors are one line."""
import multiprocessing
import os
import signal
import time

import optuna
import pytest

from nnforge.tune.objective import ConfigObjective
from nnforge.tune.runner import TuneConfig, tune
from nnforge.tune.strategies import SeededRandomSampler
from nnforge.tune.study import (StorageError, create_or_load_study, open_storage, redact,
                                top_up)
from nnforge.tune.workers import run_worker

from synthetic import BASE, make_train_fn, tune_table

optuna.logging.set_verbosity(optuna.logging.WARNING)


@pytest.mark.parametrize("url, message", [
    ("postgresql+psycopg://tuner:secret@127.0.0.1:1/studies",
     "cannot reach storage postgresql+psycopg://tuner:***@127.0.0.1:1/studies: "),
    ("redis://127.0.0.1:6379", "unsupported storage URL redis://127.0.0.1:6379"),
])
def test_unreachable_storage_is_one_line(url, message):
    start = time.perf_counter()
    with pytest.raises(StorageError) as info:
        open_storage(url)
    text = str(info.value)
    assert text.startswith(message) and "\n" not in text and "secret" not in text
    assert time.perf_counter() - start < 30


def test_redact_hides_only_the_password():
    assert redact("postgresql+psycopg://u:p@h:5/db") == "postgresql+psycopg://u:***@h:5/db"
    assert redact("sqlite:///x.db") == "sqlite:///x.db"


def _study(path, n_trials):
    tc = TuneConfig.from_dict(tune_table("random", n_trials))
    storage = open_storage(str(path))
    study, created = create_or_load_study(storage, "kill", "minimize", None, None,
                                          {"metric": "val_loss"})
    assert created
    top_up(study, n_trials)
    return tc


def _worker(path, objective, index):
    run_worker(str(path), "kill", objective, SeededRandomSampler(0), worker=index)


def test_sigkilled_worker_loses_no_finished_trial(tmp_path):
    path = tmp_path / "kill.journal"
    tc = _study(path, 6)
    objective = ConfigObjective(BASE, tc.space, "val_loss",
                                train_fn=make_train_fn(epochs=4, sleep=0.15))
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_worker, args=(path, objective, i)) for i in range(2)]
    for process in workers:
        process.start()
    victim = workers[0]
    storage = open_storage(str(path))
    deadline = time.time() + 60
    finished_before = []
    while time.time() < deadline:         # wait until the victim has finished one trial
        trials = optuna.load_study(study_name="kill", storage=storage).get_trials()
        done = [t for t in trials if t.state.name == "COMPLETE"
                and t.user_attrs.get("pid") == victim.pid]
        running = [t for t in trials if t.state.name == "RUNNING"
                   and t.user_attrs.get("pid") == victim.pid]
        if done and running:
            finished_before = [(t.number, t.value) for t in trials
                               if t.state.name == "COMPLETE"]
            killed = running[0].number
            os.kill(victim.pid, signal.SIGKILL)
            break
        time.sleep(0.02)
    else:
        pytest.fail("the victim never started a second trial")
    for process in workers:
        process.join(60)
    assert victim.exitcode == -signal.SIGKILL and workers[1].exitcode == 0
    study = optuna.load_study(study_name="kill", storage=open_storage(str(path)))
    by_number = {t.number: t for t in study.trials}
    for number, value in finished_before:                 # nothing finished was lost
        assert by_number[number].state.name == "COMPLETE"
        assert by_number[number].value == value
    assert by_number[killed].state.name == "FAIL"
    assert "died" in by_number[killed].user_attrs["fail_reason"]
    retries = [t for t in study.trials if t.user_attrs.get("retry_of") == killed]
    assert len(retries) == 1 and retries[0].state.name == "COMPLETE"
    states = [t.state.name for t in study.trials]
    assert states.count("COMPLETE") == 6 and states.count("FAIL") == 1
    assert "RUNNING" not in states and "WAITING" not in states


def test_resume_continues_the_study(tmp_path):
    config = (BASE, TuneConfig.from_dict(tune_table("random", 3)))
    storage = tmp_path / "resume.journal"
    first = tune(config, storage=storage, out_dir=tmp_path, train_fn=make_train_fn())
    assert len(first.trials) == 3
    first_params = [t.params for t in first.trials]
    again = tune(config, storage=storage, out_dir=tmp_path, train_fn=make_train_fn())
    assert [t.number for t in again.trials] == [0, 1, 2]      # nothing left to do
    more = tune(config, trials=5, storage=storage, out_dir=tmp_path,
                train_fn=make_train_fn())
    assert [t.state.name for t in more.trials] == ["COMPLETE"] * 5
    assert [t.params for t in more.trials[:3]] == first_params
    assert more.trials[0].user_attrs["run_dir"].endswith(os.path.join("synthetic",
                                                                        "trial_0000"))
