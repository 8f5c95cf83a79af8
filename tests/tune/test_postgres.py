"""Many machines share one PostgreSQL study: a real server on 127.0.0.1 (started here as a
throwaway cluster in a temporary folder, stopped and deleted afterwards) and 2 worker
processes; every planned trial is recorded exactly once."""
import glob
import os
import shutil
import socket
import subprocess
import tempfile

import optuna
import pytest

from nnforge.tune.runner import TuneConfig, tune
from nnforge.tune.study import open_storage

from synthetic import BASE, check_kill_recovery, make_train_fn, tune_table

optuna.logging.set_verbosity(optuna.logging.WARNING)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url():
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not binaries:
        pytest.skip("PostgreSQL binaries not installed (apt-get install postgresql; "
                    ".ci/run installs them)")
    bindir = os.path.dirname(binaries[-1])
    as_user = []
    root = tempfile.mkdtemp(prefix="nnforge-pg-")
    if os.geteuid() == 0:                   # initdb refuses to run as root
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, "postgres", "postgres")
    data, port = os.path.join(root, "data"), _free_port()
    log = os.path.join(root, "server.log")
    run = lambda *cmd: subprocess.run([*as_user, *cmd], check=True, capture_output=True,
                                      text=True, timeout=120)
    try:
        run(os.path.join(bindir, "initdb"), "-D", data, "-A", "trust", "-U", "postgres")
        run(os.path.join(bindir, "pg_ctl"), "-D", data, "-l", log, "-w", "-t", "60", "-o",
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    except subprocess.CalledProcessError as error:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"could not start PostgreSQL: {error.stderr}") from None
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, os.path.join(bindir, "pg_ctl"), "-D", data, "-m", "fast",
                        "-w", "stop"], capture_output=True, timeout=120)
        shutil.rmtree(root, ignore_errors=True)


def test_two_workers_share_a_postgres_study(postgres_url, tmp_path):
    params = {"optimizer.lr": {"type": "loguniform", "low": 1e-4, "high": 1e-1, "num": 4},
              "x": {"type": "uniform", "low": 0.0, "high": 1.0, "values": [0.1, 0.5, 0.9]}}
    config = (BASE, TuneConfig.from_dict(tune_table("grid", None, **params)))
    study = tune(config, workers=2, storage=postgres_url, study_name="shared",
                 out_dir=tmp_path, train_fn=make_train_fn(epochs=2, sleep=0.05))
    trials = study.get_trials()
    assert len(trials) == 12 and all(t.state.name == "COMPLETE" for t in trials)
    points = [(round(t.params["optimizer.lr"], 12), t.params["x"]) for t in trials]
    assert len(set(points)) == 12                           # each grid point exactly once
    assert sorted(t.number for t in trials) == list(range(12))
    assert {t.user_attrs["worker"] for t in trials} == {0, 1}      # both workers ran
    assert len({t.user_attrs["pid"] for t in trials}) == 2

    # a second machine running the same command joins the study and finds nothing to do
    again = tune(config, workers=2, storage=postgres_url, study_name="shared",
                 out_dir=tmp_path, train_fn=make_train_fn(epochs=2))
    assert len(again.get_trials()) == 12
    # the study is readable from a fresh connection
    loaded = optuna.load_study(study_name="shared", storage=open_storage(postgres_url))
    assert loaded.best_value == min(t.value for t in trials)


def test_sigkilled_worker_on_postgres_loses_no_finished_trial(postgres_url):
    check_kill_recovery(postgres_url, "kill-pg")
