"""`nnforge tune` through nnforge.cli.tune: a search, `tune show`, the HTML report, and
one line on stderr (exit 2) for each bad input."""
import argparse
import base64
import re

import pytest

from nnforge.cli import tune as cli

CONFIG = """
name = "cli-demo"
seed = 0
[data]
dataset = "iris"
[model]
layers = [{{ type = "Linear", in_features = 4, out_features = 3 }}]
[optimizer]
type = "Adam"
lr = 0.01
[train]
epochs = 2
batch_size = 32
[tune]
metric = "val_accuracy"
strategy = "random"
trials = 3
[tune.params]
{params}
"""


def _run(argv, tmp_path):
    parser = argparse.ArgumentParser(prog="nnforge")
    cli.add_subparser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["tune", *argv, "--out", str(tmp_path / "runs")])
    return args.handler(args)


def _write(tmp_path, params):
    path = tmp_path / "study.toml"
    path.write_text(CONFIG.format(params=params))
    return str(path)


def test_tune_then_show_and_report(tmp_path, capsys):
    path = _write(tmp_path, '"optimizer.lr" = {type = "loguniform", low = 1e-3, high = 1e-1}')
    assert _run([path, "--trials", "3"], tmp_path) == 0
    out = capsys.readouterr().out
    assert "study cli-demo (maximize val_accuracy; 3 complete)" in out
    report = tmp_path / "runs" / "cli-demo" / "report.html"
    html = report.read_text()
    images = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html)
    assert len(images) >= 3             # history, importances, slices
    assert all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    assert "Optimization history" in html and "Slices" in html
    assert _run(["show", "cli-demo", "--top", "2"], tmp_path) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith("study cli-demo") and len(table) == 3 + 2


@pytest.mark.parametrize("params, argv, message", [
    ('"optimizer.lr" = {type = "uniform", low = 0.1, high = 0.1}', [],
     "empty range, low == high == 0.1"),
    ('"optimizer.lr" = {type = "uniform", low = 0.5, high = 0.1}', [],
     "inverted range, low=0.5 > high=0.1"),
    ('"optimizer.lr" = {type = "loguniform", low = -1, high = 0.1}', [],
     "a log scale needs positive bounds"),
    ('"optimizer.lrr" = {type = "uniform", low = 0.01, high = 0.1}', [],
     "unknown parameter path 'optimizer.lrr'"),
    ('"optimizer.lr" = {type = "uniform", low = 0.01, high = 0.1}',
     ["--storage", "postgresql+psycopg://u:pw@127.0.0.1:1/db"],
     "cannot reach storage postgresql+psycopg://u:***@127.0.0.1:1/db"),
    ('"optimizer.lr" = {type = "uniform", low = 0.01, high = 0.1}', ["--workers", "0"],
     "--workers must be >= 1, got 0"),
])
def test_bad_input_is_one_line(tmp_path, capsys, params, argv, message):
    assert _run([_write(tmp_path, params), *argv], tmp_path) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("nnforge tune: ") and message in err


def test_show_unknown_study_is_one_line(tmp_path, capsys):
    assert _run(["show", "nothing"], tmp_path) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no study 'nothing'" in err


def test_a_metric_no_trial_logs_fails_every_trial_with_its_reason(tmp_path, capsys):
    path = _write(tmp_path, '"optimizer.lr" = {type = "uniform", low = 0.01, high = 0.1}')
    text = open(path).read().replace('metric = "val_accuracy"', 'metric = "val_acc"')
    open(path, "w").write(text)
    assert _run([path, "--trials", "1"], tmp_path) == 1
    err = capsys.readouterr().err
    assert "every trial failed; trial 0: ValueError: tune: monitor 'val_acc' is not in " \
           "the logs" in err
