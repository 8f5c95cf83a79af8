"""Run folders are untrusted input, runs are never destroyed by accident, prediction inputs
are matched by name, and environment failures end in one line: each failure a hostile or
careless user found, reproduced and refused."""
import errno
import json
import os
import sqlite3

import numpy as np
import pytest

import nnforge.serialization
from nnforge.build import run_experiment
from nnforge.cli import main
from nnforge.config import parse_config
from nnforge.runs import RunIndex
from nnforge.train import LambdaCallback
from nnforge.train.checkpoint import CheckpointError, load_checkpoint, save_checkpoint

FEATURES = ["petal", "sepal", "stem"]


def write_csv(path, columns, rows, target="kind"):
    with open(path, "w") as f:
        f.write(",".join(columns) + "\n")
        for row in rows:
            f.write(",".join(str(v) for v in row) + "\n")
    return path


def table(n=60, seed=0):
    """Rows (petal, sepal, stem, kind): the class is decided by `petal` alone."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)).round(3)
    X[:, 0] += np.where(np.arange(n) % 2 == 0, -4.0, 4.0)
    kinds = np.where(np.arange(n) % 2 == 0, "setosa", "versicolor")
    return X, kinds


def config_text(csv_path, epochs=20):
    return f"""
name = "plants"
seed = 0
[data]
dataset = "csv"
path = "{csv_path}"
target = "kind"
[model]
layers = [{{type = "Linear", in_features = 3, out_features = 2}}]
[optimizer]
type = "Adam"
lr = 0.1
[train]
epochs = {epochs}
batch_size = 16
"""


def cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(folder):
    """{relative path: bytes} of every file below `folder`."""
    files = {}
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                files[os.path.relpath(path, folder)] = f.read()
    return files


@pytest.fixture(scope="module")
def plants(tmp_path_factory):
    """A CSV, its config and a finished run trained on it (in runs/first)."""
    root = tmp_path_factory.mktemp("plants")
    X, kinds = table()
    csv_path = write_csv(root / "plants.csv", [*FEATURES, "kind"],
                         [[*x, k] for x, k in zip(X, kinds)])
    toml = root / "plants.toml"
    toml.write_text(config_text(csv_path))
    runs = root / "runs"
    assert main(["train", str(toml), "--out", str(runs / "first"), "--quiet"]) == 0
    return {"root": root, "csv": csv_path, "toml": toml, "runs": runs,
            "run": runs / "first", "X": X, "kinds": kinds}


# --- 1. paths read from a run folder stay inside it -----------------------------------------
@pytest.mark.parametrize("hostile", ["../victim.txt", "ABSOLUTE", "sub/../../victim.txt", "",
                                     ".", 7])
def test_a_crafted_sidecar_cannot_make_a_save_delete_a_file(tmp_path, hostile):
    from nnforge import nn, optim
    from nnforge.train import Trainer

    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    folder = tmp_path / "run" / "checkpoints"
    folder.mkdir(parents=True)
    weights = str(victim) if hostile == "ABSOLUTE" else hostile
    (folder / "last.json").write_text(json.dumps({"weights": weights}))
    model = nn.Linear(2, 2, generator=np.random.default_rng(0))
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss())
    with pytest.raises(CheckpointError, match=r"last\.json: key 'weights'"):
        save_checkpoint(folder, trainer, "last")
    assert victim.read_text() == "precious"
    # loading refuses the same sidecar too (with a valid format field)
    (folder / "last.json").write_text(json.dumps(
        {"format": "nnforge-checkpoint", "version": 1, "weights": weights, "sha256": "x"}))
    with pytest.raises(CheckpointError, match=r"key 'weights'"):
        load_checkpoint(folder)
    assert victim.read_text() == "precious"


def test_a_symlink_out_of_the_folder_is_refused(tmp_path):
    victim = tmp_path / "victim.safetensors"
    victim.write_bytes(b"precious")
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    os.symlink(victim, folder / "last-e0001-s000001.safetensors")
    (folder / "last.json").write_text(json.dumps(
        {"format": "nnforge-checkpoint", "version": 1,
         "weights": "last-e0001-s000001.safetensors", "sha256": "x"}))
    with pytest.raises(CheckpointError, match="resolves outside"):
        load_checkpoint(folder)
    assert victim.read_bytes() == b"precious"


def test_resume_refuses_a_crafted_run_folder_and_deletes_nothing(plants, tmp_path, capsys):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    folder = tmp_path / "runs" / "crafted"
    (folder / "checkpoints").mkdir(parents=True)
    (folder / "config.json").write_text((plants["run"] / "config.json").read_text())
    sidecar = json.loads(next(iter((plants["run"] / "checkpoints").glob("last.json")))
                         .read_text())
    sidecar["weights"] = str(victim)
    (folder / "checkpoints" / "last.json").write_text(json.dumps(sidecar))
    code, _, err = cli(capsys, "train", plants["toml"], "--resume", folder)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "last.json: key 'weights'" in err
    assert victim.read_text() == "precious"


def test_temp_files_of_a_killed_save_are_removed_on_resume(plants, tmp_path, capsys):
    def stop(batch, logs):
        if stop.trainer.global_step == 6:
            stop.trainer.interrupt_signal = 15
    cb = LambdaCallback(on_batch_end=stop)
    cb.set_trainer = lambda t: setattr(stop, "trainer", t)
    config = parse_config({**json.loads((plants["run"] / "config.json").read_text())})
    folder = tmp_path / "runs" / "killed"
    from nnforge.train.checkpoint import TrainingInterrupted
    with pytest.raises(TrainingInterrupted):
        run_experiment(config, folder, quiet=True, callbacks=[cb])
    leftovers = [folder / ".model.safetensors.k1x9_2.tmp", folder / ".metrics.json.abc.tmp",
                 folder / "checkpoints" / ".last.json.q8.tmp"]
    for path in leftovers:
        path.write_bytes(b"half")
    code, _, err = cli(capsys, "train", plants["toml"], "--resume", folder, "--quiet")
    assert code == 0, err
    assert not any(p.exists() for p in leftovers)
    assert not [n for _, _, names in os.walk(folder) for n in names if n.endswith(".tmp")]


def test_a_save_removes_temp_files_left_in_its_folder(tmp_path):
    from nnforge import nn, optim
    from nnforge.train import Trainer

    stale = tmp_path / ".last-e0001-s000001.safetensors.x1.tmp"
    stale.write_bytes(b"half")
    model = nn.Linear(2, 2, generator=np.random.default_rng(0))
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss())
    save_checkpoint(tmp_path, trainer, "last")
    assert not stale.exists() and load_checkpoint(tmp_path).epoch == 0


# --- 2. runs are never destroyed by accident -------------------------------------------------
def test_train_refuses_an_existing_run_folder(plants, capsys):
    before = snapshot(plants["run"])
    code, _, err = cli(capsys, "train", plants["toml"], "--out", plants["run"])
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "already exists" in err and "--resume" in err and "--overwrite" in err
    assert snapshot(plants["run"]) == before


def test_train_out_naming_a_file_is_one_line(plants, tmp_path, capsys):
    target = tmp_path / "afile"
    target.write_text("keep")
    code, _, err = cli(capsys, "train", plants["toml"], "--out", target)
    assert code == 2 and err.strip().splitlines() == [
        f"nnforge: error: --out {target}: is a file, not a run folder; give the path of a "
        "new folder"]
    assert target.read_text() == "keep"


def test_overwrite_swaps_in_a_finished_run(plants, tmp_path, capsys):
    runs = tmp_path / "runs"
    assert cli(capsys, "train", plants["toml"], "--out", runs / "r", "--quiet")[0] == 0
    old_model = (runs / "r" / "model.safetensors").read_bytes()
    longer = tmp_path / "longer.toml"
    longer.write_text(config_text(plants["csv"], epochs=21))
    code, out, err = cli(capsys, "train", longer, "--out", runs / "r", "--overwrite", "--quiet")
    assert code == 0, err
    assert f"run folder: {runs / 'r'}" in out
    assert sorted(p.name for p in runs.iterdir()) == ["r", "runs.db"] or \
        sorted(p.name for p in runs.iterdir() if not p.name.startswith("runs.db")) == ["r"]
    assert (runs / "r" / "model.safetensors").read_bytes() != old_model
    assert json.loads((runs / "r" / "metrics.json").read_text())["epochs"] == 21
    rows = RunIndex(runs).rows()
    assert [(r["id"], r["status"], r["path"]) for r in rows] == [
        ("r", "finished", str((runs / "r").resolve()))]
    assert str((runs / "r").resolve()) in (runs / "r" / "report.html").read_text()


def test_a_failed_overwrite_leaves_the_old_run_untouched(plants, tmp_path):
    runs = tmp_path / "runs"
    config = parse_config(json.loads((plants["run"] / "config.json").read_text()))
    run_experiment(config, runs / "r", quiet=True)
    before, row = snapshot(runs / "r"), RunIndex(runs).get("r")

    def boom(epoch, logs):
        raise RuntimeError("boom")
    with pytest.raises(RuntimeError):
        run_experiment(config, runs / "r", quiet=True, overwrite=True,
                       callbacks=[LambdaCallback(on_epoch_end=boom)])
    assert snapshot(runs / "r") == before
    assert RunIndex(runs).get("r") == row
    failed = [r for r in RunIndex(runs).rows() if r["id"] != "r"]
    assert [(r["status"], r["reason"]) for r in failed] == [("failed", "boom")]


# --- 3. inputs matched by name ---------------------------------------------------------------
def _predictions(path):
    import csv
    return [row["prediction"] for row in csv.DictReader(open(path))]


def test_predict_matches_columns_by_name(plants, tmp_path, capsys):
    X, kinds = plants["X"][:5], plants["kinds"][:5]
    in_order = write_csv(tmp_path / "a.csv", FEATURES, X)
    shuffled = write_csv(tmp_path / "b.csv", ["stem", "petal", "sepal"], X[:, [2, 0, 1]])
    for name, source in (("a", in_order), ("b", shuffled)):
        code, _, err = cli(capsys, "predict", plants["run"], "--input", source,
                           "--out", tmp_path / f"{name}.out.csv")
        assert code == 0, err
    assert _predictions(tmp_path / "a.out.csv") == list(kinds)
    assert _predictions(tmp_path / "b.out.csv") == list(kinds)


@pytest.mark.parametrize("columns, message", [
    (["petal", "sepal"], "missing column(s) 'stem'"),
    (["petal", "sepal", "stem", "leaf"], "unknown column(s) 'leaf'"),
    (["petal", "sepal", "root"], "missing column(s) 'stem' and unknown column(s) 'root'"),
])
def test_predict_refuses_missing_or_unknown_columns(plants, tmp_path, capsys, columns, message):
    path = write_csv(tmp_path / "x.csv", columns, np.ones((2, len(columns))))
    code, _, err = cli(capsys, "predict", plants["run"], "--input", path,
                       "--out", tmp_path / "p.csv")
    assert code == 2 and len(err.strip().splitlines()) == 1 and message in err
    assert not (tmp_path / "p.csv").exists()


def test_evaluate_matches_csv_columns_by_name(plants, tmp_path, capsys):
    X, kinds = plants["X"], plants["kinds"]
    path = write_csv(tmp_path / "e.csv", ["kind", "sepal", "stem", "petal"],
                     [[k, *x[[1, 2, 0]]] for x, k in zip(X, kinds)])
    code, out, err = cli(capsys, "evaluate", plants["run"], "--data", path)
    assert code == 0, err
    assert "accuracy  1.0000" in " ".join(out.split("|")) or "1.0000" in out
    bad = write_csv(tmp_path / "f.csv", ["kind", "sepal", "petal"],
                    [[k, *x[[1, 0]]] for x, k in zip(X, kinds)])
    code, _, err = cli(capsys, "evaluate", plants["run"], "--data", bad)
    assert code == 2 and "missing column(s) 'stem'" in err


def test_an_array_of_the_wrong_width_is_refused(plants, tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.ones((4, 5), dtype=np.float32))
    code, _, err = cli(capsys, "predict", plants["run"], "--input", tmp_path / "x.npy",
                       "--out", tmp_path / "p.csv")
    assert code == 2 and "expected 3 feature columns per sample" in err


def test_an_object_npy_is_one_line_naming_it(plants, tmp_path, capsys):
    np.save(tmp_path / "o.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    code, _, err = cli(capsys, "predict", plants["run"], "--input", tmp_path / "o.npy",
                       "--out", tmp_path / "p.csv")
    assert code == 2 and err.strip().splitlines() == [
        f"nnforge: error: {tmp_path / 'o.npy'}: holds Python objects (an object array), which "
        "nnforge does not load (that would need pickle); save a numeric array"]


# --- 4. messages that say where; environment errors in one line ------------------------------
def test_a_truncated_config_json_names_the_file(plants, tmp_path, capsys):
    import shutil
    folder = tmp_path / "copy"
    shutil.copytree(plants["run"], folder)
    text = (folder / "config.json").read_text()
    (folder / "config.json").write_text(text[: len(text) // 2])
    code, _, err = cli(capsys, "predict", folder, "--input", plants["csv"],
                       "--out", tmp_path / "p.csv")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f"{folder / 'config.json'}: damaged JSON" in err


def test_predict_on_a_missing_folder_talks_about_the_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(capsys, "predict", os.path.join("runs", "nope"), "--input", "x.csv",
                       "--out", "p.csv")
    assert code == 2 and "runs/nope: no such run folder" in err and "runs.db" not in err


def test_a_kill_before_the_first_checkpoint_says_where_and_what_to_do(plants, tmp_path,
                                                                      capsys):
    folder = tmp_path / "runs" / "early"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text((plants["run"] / "config.json").read_text())
    code, _, err = cli(capsys, "train", plants["toml"], "--resume", folder)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f"{folder / 'checkpoints' / 'last.json'}: no checkpoint here" in err
    assert "start the run again" in err


def test_a_full_disk_is_one_line_and_marks_the_run_failed(plants, tmp_path, capsys,
                                                          monkeypatch):
    calls = {"n": 0}
    real_fsync = os.fsync

    def fsync(fd):
        calls["n"] += 1
        if calls["n"] > 4:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)
    monkeypatch.setattr(nnforge.serialization.os, "fsync", fsync)
    out = tmp_path / "runs" / "full"
    code, _, err = cli(capsys, "train", plants["toml"], "--out", out, "--quiet")
    monkeypatch.undo()
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert "the disk is full; free some space and run again" in lines[0]
    assert str(out) in lines[0]
    row = RunIndex(tmp_path / "runs").get("full")
    assert row["status"] == "failed" and "disk is full" not in row["reason"]
    assert str(out) in row["reason"]


def test_a_read_only_folder_is_one_line(plants, tmp_path, capsys, monkeypatch):
    def refuse(path, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(path))
    monkeypatch.setattr(nnforge.build.os, "makedirs", refuse)
    code, _, err = cli(capsys, "train", plants["toml"], "--out", tmp_path / "ro" / "r")
    monkeypatch.undo()
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "read-only; choose a writable folder" in err and str(tmp_path / "ro") in err


def test_a_corrupt_run_index_is_one_line_naming_it(plants, tmp_path, capsys):
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "runs.db").write_bytes(b"this is not a database at all" * 100)
    code, _, err = cli(capsys, "train", plants["toml"], "--out", runs / "r", "--quiet")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f"{runs / 'runs.db'}: the run index cannot be used" in err and "move it aside" in err
    assert not (runs / "r").exists()


def test_a_locked_run_index_is_one_line(plants, tmp_path, capsys):
    runs = tmp_path / "runs"
    RunIndex(runs).upsert(id="other", status="finished")
    holder = sqlite3.connect(runs / "runs.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        index = RunIndex(runs, timeout=0.2)
        from nnforge.runs import RunIndexError
        with pytest.raises(RunIndexError, match="another process holds it"):
            index.upsert(id="r", status="running")
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_out_below_a_file_is_one_line(plants, tmp_path, capsys):
    (tmp_path / "afile").write_text("keep")
    code, _, err = cli(capsys, "train", plants["toml"], "--out", tmp_path / "afile" / "run")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert str(tmp_path / "afile") in err and "is a file, not a folder" in err
    assert (tmp_path / "afile").read_text() == "keep"


def test_out_inside_another_run_is_refused(plants, capsys):
    before = snapshot(plants["run"])
    code, _, err = cli(capsys, "train", plants["toml"], "--out", plants["run"] / "inner")
    assert code == 2 and f"is inside the run folder {plants['run']}" in err
    assert snapshot(plants["run"]) == before


def test_a_run_index_that_is_a_folder_is_one_line(plants, tmp_path, capsys):
    (tmp_path / "runs" / "runs.db").mkdir(parents=True)
    code, _, err = cli(capsys, "train", plants["toml"], "--out", tmp_path / "runs" / "r")
    assert code == 2 and "runs.db: is a folder, but the run index must be a file" in err


def test_traceback_still_shows_everything(plants, tmp_path):
    from nnforge.runs import RunIndexError
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "runs.db").write_bytes(b"not a database" * 100)
    with pytest.raises(RunIndexError, match="runs.db: the run index cannot be used"):
        main(["--traceback", "train", str(plants["toml"]), "--out", str(runs / "r")])


def test_tune_refuses_an_absurd_number_of_workers(plants, capsys):
    code, _, err = cli(capsys, "tune", plants["toml"], "--workers", "100000")
    assert code == 2 and "--workers must be at most" in err and "got 100000" in err
