"""Studies and workers: a SIGKILLed worker loses no finished trial and its trial is
re-run; resuming continues a study; storage errors are one line."""
import os
import time

import optuna
import pytest

from nnforge.tune.runner import TuneConfig, tune
from nnforge.tune.study import StorageError, open_storage, redact

from synthetic import BASE, check_kill_recovery, make_train_fn, tune_table

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


def test_sigkilled_worker_loses_no_finished_trial(tmp_path):
    check_kill_recovery(str(tmp_path / "kill.journal"), "kill")


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


def _orphan(study, host, pid, heartbeat):
    from nnforge.tune.workers import pop_waiting_trial
    trial_id = pop_waiting_trial(study)
    for key, value in (("host", host), ("pid", pid), ("heartbeat", heartbeat)):
        study._storage.set_trial_user_attr(trial_id, key, value)
    return trial_id


def test_resume_fails_and_reruns_a_trial_whose_whole_run_died(tmp_path):
    import socket
    import subprocess
    import sys
    from nnforge.tune.study import create_or_load_study, top_up
    storage = tmp_path / "dead.journal"
    study, _ = create_or_load_study(open_storage(str(storage)), "synthetic", "minimize",
                                    None, None, {"n_trials": 3, "metric": "val_loss"})
    top_up(study, 3)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    _orphan(study, socket.gethostname(), dead.pid, time.time())
    config = (BASE, TuneConfig.from_dict(tune_table("random", 3)))
    resumed = tune(config, storage=storage, out_dir=tmp_path, train_fn=make_train_fn())
    states = [t.state.name for t in resumed.trials]
    assert states.count("COMPLETE") == 3 and states == ["FAIL", "COMPLETE", "COMPLETE",
                                                        "COMPLETE"]
    assert resumed.trials[3].user_attrs["retry_of"] == 0


def test_trial_of_another_host_is_stale_only_after_the_grace_period(tmp_path):
    from nnforge.tune.study import create_or_load_study, fail_stale_trials, top_up
    study, _ = create_or_load_study(open_storage(str(tmp_path / "hb.journal")), "hb",
                                    "minimize", None, None)
    top_up(study, 1)
    _orphan(study, "some-other-machine", 1, 1000.0)
    assert fail_stale_trials(study, grace_period=120, now=1100.0) == []
    assert fail_stale_trials(study, grace_period=120, now=1121.0) == [0]
    assert [t.state.name for t in study.trials] == ["FAIL", "WAITING"]
