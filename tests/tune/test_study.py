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
