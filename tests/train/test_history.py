"""History: columns, CSV export that round-trips floats exactly, summary dict."""
import csv

import pytest

from nnforge.train import History


def _history():
    h = History()
    h.append({"epoch": 1, "loss": 0.9, "val_loss": 1.0, "lr": 0.1, "seconds": 0.5})
    h.append({"epoch": 2, "loss": 0.5, "val_loss": 0.7, "lr": 0.1, "seconds": 0.4})
    h.append({"epoch": 3, "loss": 0.1 + 0.2, "val_loss": 0.8, "lr": 0.05, "seconds": 0.4})
    h.stop_reason, h.best_epoch = "completed 3 epochs", 2
    return h


def test_columns_and_best():
    h = _history()
    assert len(h) == h.epochs == 3
    assert h.keys() == ["epoch", "loss", "val_loss", "lr", "seconds"]
    assert h["val_loss"] == [1.0, 0.7, 0.8]
    assert h.best("val_loss") == (2, 0.7) and h.best("loss", mode="max") == (1, 0.9)
    assert "val_loss" in h and "accuracy" not in h
    with pytest.raises(KeyError, match="no column 'acc'; columns: epoch, loss"):
        h["acc"]


def test_csv_round_trip(tmp_path):
    h = _history()
    path = h.to_csv(tmp_path / "history.csv")
    rows = list(csv.DictReader(open(path)))
    assert [r["epoch"] for r in rows] == ["1", "2", "3"]
    assert float(rows[2]["loss"]) == 0.1 + 0.2              # exact repr, not 0.3
    assert h.to_csv().splitlines()[0] == "epoch,loss,val_loss,lr,seconds"


def test_as_dict():
    d = _history().as_dict()
    assert d["loss"] == [0.9, 0.5, 0.1 + 0.2] and d["best_epoch"] == 2
    assert d["stop_reason"] == "completed 3 epochs" and d["restored_epoch"] is None
