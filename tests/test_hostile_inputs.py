"""Property-based bad-input suite: hypothesis mutates a valid config, a valid prediction CSV
and a valid run folder (wrong types, boundary and extreme values, missing and extra keys,
hostile paths, truncation, bit flips) and runs the command line on each, in process.

Whatever the input, the command must:
- exit with 0 or 2 (never an uncaught exception, which would be exit 1);
- print one line on stderr when it refuses (no traceback without --traceback);
- touch no file outside the case's own folder (a sentinel file and an earlier run are
  compared byte for byte);
- leave the run index consistent (every row has a known, final status and a folder);
- with --overwrite, leave the old run as it was unless the new one finished.

Speed (1,400 cases in about a minute on two cores): the CLI is called as
`nnforge.cli.main(argv)` with tiny data (60 blob points, one epoch of a Linear layer), and
three slow parts that no hostile input reaches are replaced for the suite: the report's
plots (matplotlib), fsync (crash safety is tested in test_crash_safety.py) and the git
lookup of the commit.
"""
import contextlib
import io
import json
import math
import os
import random
import shutil
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nnforge.report
import nnforge.runs
from nnforge.cli import main
from nnforge.runs import STATUSES, RunIndex

CASES = dict(deadline=None, derandomize=True, database=None,
             suppress_health_check=list(HealthCheck))

BASE = {
    "name": "blobs", "seed": 0,
    "data": {"dataset": "blobs", "options": {"n_samples": 60, "centers": 3}},
    "model": {"layers": [{"type": "Linear", "in_features": 2, "out_features": 3}]},
    "loss": {"type": "CrossEntropyLoss"},
    "optimizer": {"type": "SGD", "lr": 0.1, "momentum": 0.5},
    "train": {"epochs": 1, "batch_size": 16, "metrics": ["accuracy"]},
}

HOSTILE = [True, False, 0, -1, 1, 2, 3, 2**31, 2**63, 2**64 + 1, 10**12, -10**12, 0.0, -0.5,
           0.5, 1.5, 1e308, -1e308, math.inf, -math.inf, math.nan, 1e-320, "", "x", "full",
           "../../outside", "/etc/passwd", "Adam", "Linear", "StepLR", "Optimizer",
           "CosineAnnealingLR", "ExponentialLR", "accuracy", "val_loss", "csv", "iris",
           "\u00e9\u00e9", "a" * 300, [], [1], [0.5, 0.5, 0.0], [1.0, 0.0, 0.0], ["accuracy"],
           {}, {"type": "Linear"}, {"type": "ExponentialLR", "gamma": -1.0},
           {"type": "CosineAnnealingLR", "T_max": 0}, {"monitor": "val_loss", "patience": 0},
           [{"type": "Linear", "in_features": 2, "out_features": 3}]]

KEYS = [("seed",), ("name",), ("data",), ("data", "dataset"), ("data", "split"),
        ("data", "options"), ("data", "options", "n_samples"), ("data", "options", "centers"),
        ("data", "scaler"), ("data", "target"), ("data", "path"), ("data", "task"),
        ("data", "split_seed"), ("data", "flatten"), ("model",), ("model", "layers"),
        ("model", "layers", 0), ("model", "layers", 0, "out_features"),
        ("model", "layers", 0, "in_features"), ("model", "layers", 0, "type"),
        ("model", "layers", 0, "bias"), ("model", "dtype"), ("loss",), ("loss", "type"),
        ("loss", "reduction"), ("loss", "label_smoothing"), ("optimizer",),
        ("optimizer", "type"), ("optimizer", "lr"), ("optimizer", "momentum"),
        ("optimizer", "l2"), ("optimizer", "weight_decay"), ("optimizer", "nesterov"),
        ("train",), ("train", "epochs"), ("train", "batch_size"), ("train", "accumulate_steps"),
        ("train", "clip_grad_norm"), ("train", "eval_batch_size"), ("train", "early_stopping"),
        ("train", "metrics"), ("train", "time_budget"), ("train", "log_interval"),
        ("train", "shuffle"), ("train", "stop_threshold"), ("scheduler",),
        ("scheduler", "type"), ("scheduler", "gamma"), ("scheduler", "T_max"),
        ("scheduler", "step_size"), ("momentum_schedule",), ("batch_size_schedule",),
        ("extra_key",), ("train", "extra_key")]


# --- helpers ----------------------------------------------------------------------------------
def toml_value(value):
    """`value` written as TOML (the subset the mutations produce)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def to_toml(config):
    lines, tables = [], []
    for key, value in config.items():
        (tables if isinstance(value, dict) else lines).append((key, value))
    text = [f"{json.dumps(k)} = {toml_value(v)}" for k, v in lines]
    for key, table in tables:
        text.append(f"[{json.dumps(key)}]")
        text += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in table.items()]
    return "\n".join(text) + "\n"


def mutate(config, action, path, value):
    """Apply one mutation at `path` (set, delete or add a key); ignore paths that do not
    exist in the already-mutated config."""
    node = config
    for part in path[:-1]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        elif isinstance(node, dict) and action == "set":
            node[part] = {}
            node = node[part]
        else:
            return
    last = path[-1]
    if isinstance(node, list) and isinstance(last, int) and last < len(node):
        if action == "delete":
            del node[last]
        else:
            node[last] = value
    elif isinstance(node, dict):
        if action == "delete":
            node.pop(last, None)
        elif action == "extra":
            node[f"{last}_x"] = value
        else:
            node[last] = value


def run_cli(*argv):
    """(exit status, stderr lines) of `nnforge ARGV`, in process."""
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")       # guard warnings are advice, not failures
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:                 # argparse
            code = exc.code
    return code, err.getvalue().splitlines()


def snapshot(folder):
    files = {}
    for root, dirs, names in os.walk(folder):
        for name in names + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            path = os.path.join(root, name)
            if os.path.islink(path):
                files[os.path.relpath(path, folder)] = ("link", os.readlink(path))
            else:
                with open(path, "rb") as f:
                    files[os.path.relpath(path, folder)] = f.read()
    return files


def check_outcome(code, lines, world):
    assert code in (0, 2), f"exit {code}: {lines}"
    assert not any("Traceback" in line for line in lines), lines
    if code == 2:
        assert len(lines) == 1 and lines[0].startswith("nnforge: error: "), lines
    assert snapshot(world["outside"]) == world["outside_files"], "a file outside was touched"
    assert snapshot(world["base"]) == world["base_files"], "the earlier run changed"
    for row in RunIndex(world["runs"]).rows():
        assert row["status"] in STATUSES and row["status"] not in ("running", "lost"), row
        assert os.path.isdir(row["path"]), row
    assert RunIndex(world["runs"]).get("base")["status"] == "finished"


class World(dict):
    """The suite's folders (short repr: hypothesis prints it with a failing case)."""

    def __repr__(self):
        return f"World({self['root']})"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """runs/base (an earlier finished run), an outside folder with a sentinel file, and the
    speed-ups described in the module docstring."""
    root = tmp_path_factory.mktemp("hostile")
    with pytest.MonkeyPatch.context() as patch:
        def report(run_dir):
            path = os.path.join(run_dir, "report.html")
            with open(path, "w", encoding="utf-8") as f:
                f.write("<html></html>\n")
            return path
        patch.setattr(nnforge.runs, "write_report", report)
        patch.setattr(nnforge.report, "write_report", report)
        patch.setattr(nnforge.runs, "git_commit", lambda *a, **k: None)
        patch.setattr(os, "fsync", lambda fd: None)
        outside = root / "outside"
        outside.mkdir()
        (outside / "sentinel.txt").write_text("do not touch")
        (outside / "victim.safetensors").write_bytes(b"do not delete")
        runs = root / "runs"
        (root / "base.toml").write_text(to_toml(BASE))
        assert run_cli("train", root / "base.toml", "--out", runs / "base", "--quiet")[0] == 0
        X = np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32)
        np.save(root / "x.npy", X)
        np.save(root / "xy.npy", np.column_stack([X, np.arange(5) % 3]).astype(np.float32))
        yield World({"root": root, "runs": runs, "base": runs / "base", "outside": outside,
               "outside_files": snapshot(outside), "base_files": snapshot(runs / "base"),
               "count": iter(range(10**9)), "X": X})


# --- configs ----------------------------------------------------------------------------------
mutation = st.tuples(st.sampled_from(["set", "set", "delete", "extra"]), st.sampled_from(KEYS),
                     st.sampled_from(HOSTILE))
OUT_PATHS = ["new", "new", "new", "base", "base/checkpoints", "base/plots", "base/inner",
             "runs.db", "OUTSIDE_FILE", "new/../base"]


@settings(max_examples=450, **CASES)
@given(mutations=st.lists(mutation, min_size=1, max_size=3), out=st.sampled_from(OUT_PATHS),
       truncate=st.one_of(st.none(), st.integers(0, 400)))
def test_mutated_configs(world, mutations, out, truncate):
    config = json.loads(json.dumps(BASE))
    for action, path, value in mutations:
        mutate(config, action, path, json.loads(json.dumps(value)) if not isinstance(
            value, float) else value)
    n = next(world["count"])
    text = to_toml(config)
    if truncate is not None:
        text = text[:truncate]
    toml = world["root"] / f"c{n}.toml"
    toml.write_text(text)
    target = world["outside"] / "sentinel.txt" if out == "OUTSIDE_FILE" else \
        world["runs"] / (out if out != "new" else f"c{n}")
    code, lines = run_cli("train", toml, "--out", target, "--quiet")
    check_outcome(code, lines, world)


# --- prediction inputs ------------------------------------------------------------------------
def csv_text(world, columns, rows):
    return "\n".join([",".join(columns)] + [",".join(r) for r in rows]) + "\n"


@settings(max_examples=400, **CASES)
@given(order=st.permutations(["0", "1"]), extra=st.sampled_from([[], ["2"], ["target"],
                                                                  ["0"]]),
       drop=st.booleans(), cell=st.sampled_from(["1.5", "", "nan", "inf", "x", "1e999",
                                                  "-0", "0x10", " 3 ", "1,2"]),
       flip=st.one_of(st.none(), st.integers(0, 10**6)),
       cut=st.one_of(st.none(), st.integers(0, 200)), kind=st.sampled_from(["csv", "npy"]))
def test_mutated_prediction_inputs(world, order, extra, drop, cell, flip, cut, kind):
    n = next(world["count"])
    X = world["X"]
    columns = list(order) + extra
    if drop:
        columns = columns[1:]
    if kind == "csv":
        rows = [[cell if (i == 0 and j == 0) else str(X[i, int(c)]) if c in "01" else "1"
                 for j, c in enumerate(columns)] for i in range(len(X))]
        data = csv_text(world, columns, rows).encode()
        path = world["root"] / f"in{n}.csv"
    else:
        buffer = io.BytesIO()
        np.save(buffer, X[:, [int(c) for c in columns if c in "01"]])
        data = buffer.getvalue()
        path = world["root"] / f"in{n}.npy"
    if flip is not None and data:
        data = bytearray(data)
        data[flip % len(data)] ^= 1 << (flip % 8)
        data = bytes(data)
    if cut is not None:
        data = data[:cut]
    path.write_bytes(data)
    out = world["root"] / f"pred{n}.csv"
    code, lines = run_cli("predict", world["base"], "--input", path, "--out", out)
    check_outcome(code, lines, world)
    if code == 0 and kind == "csv" and not drop and not extra and cell == "1.5" \
            and flip is None and cut is None:
        assert sum(1 for _ in open(out)) == len(X) + 1


# --- run folders and checkpoint JSONs -----------------------------------------------------------
FILES = ["checkpoints/last.json", "checkpoints/best.json", "config.json", "labels.json",
         "metrics.json", "model.safetensors", "scaler.safetensors", "history.csv",
         "steps.json"]
HOSTILE_NAMES = ["../outside/sentinel.txt", "OUTSIDE/victim.safetensors", "..", ".", "",
                 "checkpoints", "../base/model.safetensors", "a/b.safetensors", "\u0000x"]
COMMANDS = ["predict", "evaluate", "resume", "report", "show"]


def damage(path, how, key, value, rng, world):
    """Apply one kind of damage to the file at `path`."""
    if how == "delete":
        os.unlink(path)
    elif how == "directory":
        os.unlink(path)
        os.mkdir(path)
    elif how == "link":
        os.unlink(path)
        os.symlink(world["outside"] / "sentinel.txt", path)
    elif how in ("truncate", "flip"):
        data = bytearray(open(path, "rb").read())
        if how == "truncate":
            data = data[:rng.randrange(len(data) + 1)]
        elif data:
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
        open(path, "wb").write(bytes(data))
    elif how in ("set", "pop") and path.endswith(".json"):
        try:
            payload = json.load(open(path))
        except ValueError:
            return
        if not isinstance(payload, dict) or not payload:
            return
        keys = sorted(payload)
        chosen = key if key in payload else keys[rng.randrange(len(keys))]
        if how == "pop":
            payload.pop(chosen)
        else:
            if isinstance(value, str) and value.startswith("OUTSIDE"):
                value = str(world["outside"]) + value[len("OUTSIDE"):]
            payload[chosen] = value
        with open(path, "w") as f:
            json.dump(payload, f)


@settings(max_examples=400, **CASES)
@given(file=st.sampled_from(FILES),
       how=st.sampled_from(["set", "set", "set", "pop", "truncate", "flip", "delete",
                            "directory", "link"]),
       key=st.sampled_from(["weights", "sha256", "epoch", "format", "version", "history",
                            "optimizer", "rng", "feature_names", "input_shape", "class_names",
                            "task", "scaler", "model", "data", "train", "target", "seed"]),
       value=st.sampled_from(HOSTILE + HOSTILE_NAMES), seed=st.integers(0, 2**16),
       command=st.sampled_from(COMMANDS))
def test_mutated_run_folders(world, file, how, key, value, seed, command):
    n = next(world["count"])
    folder = world["runs"] / f"copy{n}"
    shutil.copytree(world["base"], folder, symlinks=True)
    path = str(folder / file)
    if os.path.exists(path):
        damage(path, how, key, value, random.Random(seed), world)
    argv = {"predict": ["predict", folder, "--input", world["root"] / "x.npy",
                        "--out", world["root"] / f"p{n}.csv"],
            "evaluate": ["evaluate", folder, "--data", world["root"] / "xy.npy"],
            "resume": ["train", world["root"] / "base.toml", "--resume", folder, "--quiet"],
            "report": ["report", folder],
            "show": ["runs", "show", f"copy{n}", "--root", world["runs"]]}[command]
    code, lines = run_cli(*argv)
    check_outcome(code, lines, world)


# --- --overwrite: a refused or failed replacement leaves the old run as it was -----------------
@settings(max_examples=150, **CASES)
@given(mutations=st.lists(mutation, min_size=0, max_size=2))
def test_overwrite_replaces_only_with_a_finished_run(world, mutations):
    victim = world["runs"] / "victim"
    if not victim.exists():
        assert run_cli("train", world["root"] / "base.toml", "--out", victim, "--quiet")[0] == 0
    before = snapshot(victim)
    config = json.loads(json.dumps(BASE))
    for action, path, value in mutations:
        mutate(config, action, path, json.loads(json.dumps(value)) if not isinstance(
            value, float) else value)
    n = next(world["count"])
    toml = world["root"] / f"o{n}.toml"
    toml.write_text(to_toml(config))
    code, lines = run_cli("train", toml, "--out", victim, "--overwrite", "--quiet")
    check_outcome(code, lines, world)
    if code != 0:
        assert snapshot(victim) == before, "a refused or failed overwrite changed the old run"
    else:
        assert json.loads((victim / "metrics.json").read_text())["status"] == "finished"
        assert RunIndex(world["runs"]).get("victim")["path"] == str(victim.resolve())
    assert not [p for p in world["runs"].iterdir() if ".replaced-" in p.name]
