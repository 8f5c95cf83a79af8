"""report.html is self-contained (every image a data URI, no external references), built
from the run folder alone, escapes what it shows, and refuses a folder that is not a run."""
import base64
import json
import re

import pytest

from nnforge.report import render_report, write_report


@pytest.fixture
def run_dir(tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(
        {"name": "<b>x</b>", "optimizer": {"type": "SGD", "lr": 0.1},
         "model": {"layers": [{"type": "Linear", "in_features": 2, "out_features": 1}]}}))
    (folder / "metrics.json").write_text(json.dumps(
        {"name": "<b>x</b>", "status": "finished", "test_loss": 0.25, "epochs": 2,
         "stop_reason": "completed 2 epochs"}))
    (folder / "history.csv").write_text("epoch,loss,val_loss,lr,seconds\n1,1.0,1.1,0.1,0.5\n"
                                        "2,0.5,0.6,0.1,0.5\n")
    (folder / "grad_norms.csv").write_text("epoch,0.weight,0.bias\n1,0.5,0.1\n2,0.25,0.05\n")
    (folder / "confusion_matrix.json").write_text(json.dumps(
        {"split": "test", "class_names": ["a", "b"], "matrix": [[3, 1], [0, 4]]}))
    return folder


def test_self_contained_page(run_dir):
    path = write_report(run_dir)
    page = open(path, encoding="utf-8").read()
    sources = re.findall(r"<img [^>]*src='([^']*)'", page)
    assert len(sources) == 4          # curves, schedule, gradient norms, confusion matrix
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert not re.search(r"(href|src)=['\"](?!data:)", page)      # nothing external
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert '<th>test_loss</th><td class="num">0.25</td>' in page
    assert "<th>optimizer.lr</th>" in page and "<th>model.layers.0.type</th>" in page
    assert sorted(p.name for p in (run_dir / "plots").iterdir()) == [
        "confusion_matrix.png", "grad_norms.png", "learning_curves.png", "schedule.png"]


def test_not_a_run_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a run folder"):
        render_report(tmp_path)
