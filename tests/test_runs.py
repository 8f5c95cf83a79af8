"""The run store: runs/<id>/ folders and the runs.db index (rows for finished, diverged,
interrupted and failed runs; several writer processes), the `runs list | show | compare`,
`report`, `evaluate` and `predict` commands, and the one-line errors of bad resumes."""
import csv
import json
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest

from nnforge.build import run_experiment
from nnforge.cli import main
from nnforge.config import parse_config, ConfigError
from nnforge.runs import INDEX_NAME, RunIndex, config_hash, git_commit
from nnforge.train import LambdaCallback, TrainingDivergedError
from nnforge.train.checkpoint import TrainingInterrupted

BASE = {
    "name": "blobs", "seed": 0,
    "data": {"dataset": "blobs", "options": {"n_samples": 90, "centers": 3,
                                             "cluster_std": 3.0}},
    "model": {"layers": [{"type": "Linear", "in_features": 2, "out_features": 8},
                         {"type": "ReLU"},
                         {"type": "Linear", "in_features": 8, "out_features": 3}]},
    "optimizer": {"type": "Adam", "lr": 0.02},
    "train": {"epochs": 3, "batch_size": 16, "metrics": ["accuracy"]},
}
TOML = """
name = "blobs"
seed = 0
[data]
dataset = "blobs"
options = {n_samples = 90, centers = 3, cluster_std = 3.0}
[model]
layers = [{type = "Linear", in_features = 2, out_features = 8}, {type = "ReLU"},
          {type = "Linear", in_features = 8, out_features = 3}]
[optimizer]
type = "Adam"
lr = 0.02
[train]
epochs = 3
batch_size = 16
metrics = ["accuracy"]
"""


def config(**train):
    raw = json.loads(json.dumps(BASE))
    raw["train"].update(train)
    return parse_config(raw)


def run_main(capsys, argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """runs/ with a finished, a diverged, an interrupted and a failed run."""
    root = tmp_path_factory.mktemp("store") / "runs"
    run_experiment(config(), root / "first", quiet=True)
    run_experiment(config(epochs=4), root / "second", quiet=True)

    def nan(batch, logs):
        trainer = nan.trainer
        if trainer.global_step == 5:
            trainer.model[0].weight.data[0, 0] = np.nan
    nan_cb = LambdaCallback(on_batch_end=nan)
    nan_cb.set_trainer = lambda t: setattr(nan, "trainer", t)
    with pytest.raises(TrainingDivergedError):
        run_experiment(config(), root / "diverged", quiet=True, callbacks=[nan_cb])

    def stop(batch, logs):
        if stop.trainer.global_step == 6:
            stop.trainer.interrupt_signal = signal.SIGTERM
    stop_cb = LambdaCallback(on_batch_end=stop)
    stop_cb.set_trainer = lambda t: setattr(stop, "trainer", t)
    with pytest.raises(TrainingInterrupted):
        run_experiment(config(), root / "interrupted", quiet=True, callbacks=[stop_cb])

    def boom(epoch, logs):
        raise RuntimeError("boom")
    with pytest.raises(RuntimeError):
        run_experiment(config(), root / "failed", quiet=True,
                       callbacks=[LambdaCallback(on_epoch_end=boom)])
    return root


def test_index_rows_and_statuses(store):
    rows = {r["id"]: r for r in RunIndex(store).rows()}
    assert {k: r["status"] for k, r in rows.items()} == {
        "first": "finished", "second": "finished", "diverged": "diverged",
        "interrupted": "interrupted", "failed": "failed"}
    first = rows["first"]
    assert first["name"] == "blobs" and first["seed"] == 0
    assert first["path"] == str((store / "first").resolve())
    assert first["config_hash"] == config_hash(config().model_dump(mode="json"))
    assert rows["second"]["config_hash"] != first["config_hash"]
    assert first["started"] <= first["ended"] and first["nnforge_version"]
    assert first["metrics"]["epochs"] == 3 and 0 <= first["metrics"]["test_accuracy"] <= 1
    assert rows["diverged"]["metrics"]["epochs"] == 1         # 4 steps per epoch
    assert rows["interrupted"]["metrics"]["epochs"] == 1     # stopped in epoch 2
    with sqlite3.connect(store / INDEX_NAME) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_run_folder_contents(store):
    names = {p.name for p in (store / "first").iterdir()}
    assert {"config.json", "history.csv", "metrics.json", "model.safetensors", "checkpoints",
            "plots", "report.html", "labels.json", "grad_norms.csv"} <= names
    norms = list(csv.DictReader(open(store / "first" / "grad_norms.csv")))
    assert len(norms) == 3 and set(norms[0]) == {"epoch", "0.weight", "0.bias", "2.weight",
                                                 "2.bias"}
    assert all(float(v) > 0 for v in norms[0].values())
    interrupted = json.loads((store / "interrupted" / "metrics.json").read_text())
    assert interrupted["status"] == "interrupted"
    assert interrupted["checkpoint"].endswith("checkpoints/last.json")


def test_git_commit(tmp_path):
    assert git_commit(cwd=tmp_path) is None                    # not a repository
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "-c", "user.email=a@b", "-c", "user.name=a",
                    "commit", "-q", "--allow-empty", "-m", "x"], check=True)
    commit = git_commit(cwd=tmp_path)
    assert commit is not None and len(commit) == 40


def test_runs_list(store, capsys):
    code, out, _ = run_main(capsys, ["runs", "list", "--root", store])
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:5] == ["id", "name", "status", "started", "epochs"]
    assert "test_loss" in lines[0] and set(lines[1]) <= {"-", " "}
    by_id = {line.split()[0]: line.split() for line in lines[2:]}
    assert set(by_id) == {"first", "second", "diverged", "interrupted", "failed"}
    assert by_id["first"][2] == "finished" and by_id["second"][4] == "4"
    assert by_id["diverged"][2] == "diverged" and by_id["failed"][2] == "failed"


def test_runs_show(store, capsys):
    code, out, _ = run_main(capsys, ["runs", "show", "first", "--root", store])
    assert code == 0
    fields = dict(line.split(None, 1) for line in out.splitlines()[2:])
    assert fields["status"] == "finished" and fields["epochs"] == "3"
    assert fields["config_hash"] == config_hash(config().model_dump(mode="json"))
    code, out2, _ = run_main(capsys, ["runs", "show", store / "first"])     # by folder
    assert code == 0 and out2 == out


def test_runs_compare_prints_a_table_and_draws_the_curves(store, capsys, tmp_path):
    png = tmp_path / "cmp.png"
    code, out, _ = run_main(capsys, ["runs", "compare", "first", "second", "--root", store,
                                     "--out", png])
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["first", "second"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[2:-1]}
    assert rows["epochs"] == ["3", "4"] and rows["status"] == ["finished", "finished"]
    assert "test_accuracy" in rows
    assert lines[-1] == f"curves: {png}"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_runs_errors_are_one_line(store, capsys, tmp_path):
    code, _, err = run_main(capsys, ["runs", "show", "nope", "--root", store])
    assert code == 2 and "no run 'nope'" in err and err.count("\n") == 1
    code, _, err = run_main(capsys, ["runs", "compare", "first", "--root", store])
    assert code == 2 and "two or more" in err
    code, _, err = run_main(capsys, ["runs", "list", "--root", tmp_path / "empty"])
    assert code == 2 and "no run index here" in err


def test_report_command_regenerates_the_page(store, capsys):
    page = store / "first" / "report.html"
    page.unlink()
    code, out, _ = run_main(capsys, ["report", "first", "--root", store])
    assert code == 0 and out.strip() == f"report: {page}"
    assert "data:image/png;base64," in page.read_text()


def test_concurrent_writers(tmp_path):
    script = ("import sys\nfrom nnforge.runs import RunIndex\n"
              "index = RunIndex(sys.argv[1], timeout=60)\n"
              "for i in range(25):\n"
              "    index.upsert(id=f'{sys.argv[2]}-{i}', status='running', started=str(i))\n"
              "    index.upsert(id=f'{sys.argv[2]}-{i}', status='finished', "
              "metrics={'x': i})\n")
    procs = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path), f"w{k}"])
             for k in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    rows = RunIndex(tmp_path).rows()
    assert len(rows) == 100 and all(r["status"] == "finished" for r in rows)
    assert sorted(r["metrics"]["x"] for r in rows) == sorted(list(range(25)) * 4)


def test_a_killed_run_reads_as_lost(tmp_path):
    script = tmp_path / "long.toml"
    script.write_text(TOML.replace("epochs = 3", "epochs = 100000"))
    proc = subprocess.Popen([sys.executable, "-m", "nnforge", "train", str(script),
                             "--out", str(tmp_path / "runs" / "killed"), "--quiet"])
    index = RunIndex(tmp_path / "runs")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if (tmp_path / "runs" / INDEX_NAME).exists() and index.rows():
                break
            time.sleep(0.1)
        row = index.get("killed")
        assert row["status"] == "running" and row["pid"] == proc.pid
    finally:
        proc.kill()
        proc.wait(timeout=60)
    assert index.get("killed")["status"] == "lost"
    assert index.rows()[0]["status"] == "lost"


def test_an_index_without_host_and_pid_columns_still_reads(tmp_path):
    with sqlite3.connect(tmp_path / INDEX_NAME) as conn:
        conn.execute("CREATE TABLE runs (id TEXT PRIMARY KEY, name TEXT, path TEXT, "
                     "config_hash TEXT, seed INTEGER, nnforge_version TEXT, git_commit TEXT, "
                     "started TEXT, ended TEXT, status TEXT, metrics TEXT)")
        conn.execute("INSERT INTO runs (id, status) VALUES ('old', 'running')")
    conn.close()
    index = RunIndex(tmp_path)
    assert index.get("old")["status"] == "running"        # no pid: cannot tell
    index.upsert(id="new", status="running", host="elsewhere", pid=1 << 40)
    assert index.get("new")["status"] == "running"        # another host: cannot tell


# --- resume and bad input through the CLI -------------------------------------------------------
@pytest.fixture
def toml(tmp_path):
    path = tmp_path / "blobs.toml"
    path.write_text(TOML)
    return path


def test_cli_resume_after_interruption_matches_a_full_run(store, toml, capsys):
    run_dir = store / "interrupted"
    code, out, _ = run_main(capsys, ["train", toml, "--resume", run_dir, "--quiet"])
    assert code == 0 and f"run folder: {run_dir}" in out
    a = (store / "first" / "model.safetensors").read_bytes()
    b = (run_dir / "model.safetensors").read_bytes()
    assert a == b                           # same config as "first": identical weights
    assert RunIndex(store).get("interrupted")["status"] == "finished"


def test_resume_from_a_folder_that_is_not_a_run(tmp_path, toml, capsys):
    code, _, err = run_main(capsys, ["train", toml, "--resume", tmp_path])
    assert code == 2 and err.count("\n") == 1
    assert "not a run folder (no config.json)" in err


def test_resume_from_a_corrupted_checkpoint(tmp_path, toml, capsys):
    run_dir = tmp_path / "r"
    assert run_main(capsys, ["train", toml, "--out", run_dir, "--quiet"])[0] == 0
    sidecar = json.loads((run_dir / "checkpoints" / "last.json").read_text())
    weights = run_dir / "checkpoints" / sidecar["weights"]
    weights.write_bytes(weights.read_bytes()[:-10] + b"0123456789")
    code, _, err = run_main(capsys, ["train", toml, "--resume", run_dir])
    assert code == 2 and err.count("\n") == 1
    assert "corrupted checkpoint" in err and "sha256" in err
    (run_dir / "checkpoints" / "last.json").write_text("{ not json")
    code, _, err = run_main(capsys, ["train", toml, "--resume", run_dir])
    assert code == 2 and "corrupted checkpoint (unreadable JSON" in err


def test_resume_with_another_config(tmp_path, toml, capsys):
    run_dir = tmp_path / "r"
    assert run_main(capsys, ["train", toml, "--out", run_dir, "--quiet"])[0] == 0
    other = tmp_path / "other.toml"
    other.write_text(TOML.replace("lr = 0.02", "lr = 0.03"))
    code, _, err = run_main(capsys, ["train", other, "--resume", run_dir])
    assert code == 2 and "differs from the run's config.json (at optimizer.lr)" in err


def test_monitor_naming_an_unknown_metric(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(TOML + 'early_stopping = {monitor = "val_f1", patience = 2}\n')
    code, _, err = run_main(capsys, ["train", path, "--out", tmp_path / "r"])
    assert code == 2 and err.count("\n") == 1
    assert "train.early_stopping.monitor: 'val_f1' is not logged" in err
    with pytest.raises(ConfigError):
        parse_config({**BASE, "train": {**BASE["train"],
                                        "early_stopping": {"monitor": "val_acc"}}})


def test_out_and_resume_together_is_an_error(tmp_path, toml, capsys):
    code, _, err = run_main(capsys, ["train", toml, "--out", tmp_path / "a", "--resume",
                                     tmp_path / "b"])
    assert code == 2 and "not both" in err


# --- evaluate and predict -----------------------------------------------------------------------
def test_evaluate_on_a_config_and_on_arrays(store, toml, tmp_path, capsys):
    code, out, _ = run_main(capsys, ["evaluate", store / "first", "--data", toml])
    assert code == 0
    table = dict(line.split() for line in out.splitlines()[3:])
    metrics = json.loads((store / "first" / "metrics.json").read_text())
    assert float(table["accuracy"]) == pytest.approx(metrics["test_accuracy"], abs=1e-4)
    assert float(table["loss"]) == pytest.approx(metrics["test_loss"], rel=1e-3)
    code, _, err = run_main(capsys, ["evaluate", store / "first", "--data",
                                     tmp_path / "x.txt"])
    assert code == 2 and "expected a .toml config, a .csv" in err


def test_predict_applies_the_scaler_and_class_names(store, tmp_path, capsys):
    from nnforge.data import make_blobs

    data = make_blobs(n_samples=90, centers=3, cluster_std=3.0, seed=0)
    np.save(tmp_path / "x.npy", data.X[:7])
    out = tmp_path / "preds.csv"
    code, _, err = run_main(capsys, ["predict", store / "first", "--input", tmp_path / "x.npy",
                                     "--out", out])
    assert code == 0 and "7 predictions written" in err
    rows = list(csv.DictReader(open(out)))
    assert len(rows) == 7 and list(rows[0]) == ["prediction", *[f"p_{n}" for n in
                                                               data.class_names]]
    for row in rows:
        probs = [float(row[f"p_{n}"]) for n in data.class_names]
        assert sum(probs) == pytest.approx(1.0)
        assert row["prediction"] == data.class_names[int(np.argmax(probs))]
    # the same numbers as the Python API on scaled inputs
    from nnforge.cli.saved_run import load_run_model
    cfg, model, scaler, labels = load_run_model(store / "first")
    import nnforge
    logits = model(nnforge.tensor(scaler.transform(data.X[:7]).astype(np.float32))).numpy()
    expected = np.exp(logits - logits.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    got = np.array([[float(r[f"p_{n}"]) for n in data.class_names] for r in rows])
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    # a CSV input with a header
    with open(tmp_path / "x.csv", "w") as f:
        f.write("a,b\n" + "\n".join(f"{x},{y}" for x, y in data.X[:7]) + "\n")
    code, _, _ = run_main(capsys, ["predict", store / "first", "--input", tmp_path / "x.csv",
                                   "--out", tmp_path / "p2.csv"])
    assert code == 0 and list(csv.DictReader(open(tmp_path / "p2.csv"))) == rows
