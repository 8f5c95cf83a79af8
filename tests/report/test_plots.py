"""Plots from run files: each function writes a real PNG whose content reflects the data
(learning curves, schedules, gradient norms, confusion matrix, compare), and matplotlib is
imported only when a plot is drawn."""
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.image import imread

from nnforge.report.plots import (compare_curves, confusion_plot, grad_norm_plot,
                                  learning_curves, read_history, schedule_plot)

COLUMNS = {"epoch": [1, 2, 3, 4], "loss": [1.0, 0.6, 0.4, 0.3],
           "accuracy": [0.5, 0.7, 0.8, 0.9], "val_loss": [1.1, 0.7, 0.6, 0.65],
           "val_accuracy": [0.45, 0.65, 0.75, 0.74], "lr": [0.1, 0.1, 0.05, 0.05],
           "seconds": [0.1] * 4}


def image(path):
    pixels = imread(str(path))[..., :3]
    assert pixels.var() > 1e-3
    return pixels


def test_matplotlib_is_not_imported_by_nnforge():
    code = ("import sys, nnforge, nnforge.report, nnforge.runs, nnforge.build, nnforge.cli; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


def test_learning_curves_one_panel_per_quantity(tmp_path):
    two = image(learning_curves(COLUMNS, tmp_path / "a.png"))
    one = image(learning_curves({k: COLUMNS[k] for k in ("epoch", "loss", "val_loss")},
                                tmp_path / "b.png"))
    assert two.shape[1] == 2 * one.shape[1]              # loss and accuracy panels side by side
    with pytest.raises(ValueError, match="no loss or metric"):
        learning_curves({"epoch": [1], "lr": [0.1]}, tmp_path / "c.png")


def test_schedule_per_epoch_and_per_update(tmp_path):
    per_epoch = image(schedule_plot(COLUMNS, tmp_path / "s.png"))
    steps = {"epoch": [1, 1, 2, 2], "lr": [0.1, 0.09, 0.08, 0.07],
             "momentum": [0.9, 0.9, 0.8, 0.8], "batch_size": [8, 8, 16, 16]}
    per_update = image(schedule_plot(COLUMNS, tmp_path / "u.png", steps))
    assert per_update.shape[1] == 3 * per_epoch.shape[1]          # lr, momentum, batch size
    assert schedule_plot({"epoch": [1], "loss": [1.0]}, tmp_path / "n.png") is None


def test_grad_norms_and_confusion(tmp_path):
    norms = {"epoch": [1, 2, 3], "0.weight": [1.0, 0.1, 0.01], "0.bias": [0.5, 0.4, 0.0]}
    image(grad_norm_plot(norms, tmp_path / "g.png"))
    assert grad_norm_plot({"epoch": [1]}, tmp_path / "none.png") is None
    image(confusion_plot(np.array([[5, 1], [0, 7]]), ["cat", "dog"], tmp_path / "c.png"))


def test_compare_and_read_history(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("epoch,loss,val_loss\n1,1.0,1.2\n2,0.5,\n")
    columns = read_history(path)
    assert columns["loss"] == [1.0, 0.5] and np.isnan(columns["val_loss"][1])
    image(compare_curves([("a", columns), ("b", COLUMNS)], tmp_path / "cmp.png"))
    with pytest.raises(ValueError, match="no run has a 'f1'"):
        compare_curves([("a", columns)], tmp_path / "x.png", metric="f1")
