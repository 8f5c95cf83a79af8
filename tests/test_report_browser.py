"""A run's report.html renders in a real browser: headless Chromium (Debian's `chromium`,
installed in CI by .ci/chromium.sh) takes a screenshot, which must not be blank, and the
page holds the curves (img tags with PNG data URIs) and the metrics table."""
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pytest

from nnforge.build import run_experiment
from nnforge.config import parse_config

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

CONFIG = {
    "name": "browser", "seed": 0,
    "data": {"dataset": "blobs", "options": {"n_samples": 120, "centers": 3,
                                             "cluster_std": 3.0}},
    "model": {"layers": [{"type": "Linear", "in_features": 2, "out_features": 8},
                         {"type": "ReLU"},
                         {"type": "Linear", "in_features": 8, "out_features": 3}]},
    "optimizer": {"type": "SGD", "lr": 0.1, "momentum": 0.9},
    "train": {"epochs": 6, "batch_size": 16, "metrics": ["accuracy", "f1"]},
}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.tables, self._table, self.cells = [], [], None, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        if tag == "table":
            self._table = attrs.get("id")
            self.tables.append(self._table)
            self.cells[self._table] = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._table is not None and data.strip():
            self.cells[self._table].append(data.strip())


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("browser") / "runs" / "r"
    run_experiment(parse_config(CONFIG), run_dir, quiet=True)
    return run_dir / "report.html"


def test_page_has_curves_and_metrics_table(report):
    page = _Page()
    page.feed(report.read_text())
    assert len(page.images) >= 3
    assert all(src.startswith("data:image/png;base64,") for src in page.images)
    assert "metrics" in page.tables and "config" in page.tables and "history" in page.tables
    assert {"test_loss", "test_accuracy", "test_f1", "status"} <= set(page.cells["metrics"])
    assert "optimizer.momentum" in page.cells["config"]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian: apt-get "
                                             "install -y chromium, or run .ci/chromium.sh)")
def test_report_renders_in_headless_chromium(report, tmp_path):
    from matplotlib.image import imread

    shot = tmp_path / "shot.png"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
           f"--screenshot={shot}", "--window-size=1200,2000", report.as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert shot.exists(), f"no screenshot (exit {done.returncode}): {done.stderr[-2000:]}"
    pixels = imread(str(shot))[..., :3]
    assert pixels.shape[:2] == (2000, 1200)
    assert float(pixels.var()) > 1e-3                       # not a blank page
    # the curve colours (matplotlib's C0 blue, C1 orange) appear: the images were decoded
    blue = np.array([31, 119, 180]) / 255.0
    orange = np.array([255, 127, 14]) / 255.0
    for colour in (blue, orange):
        assert (np.abs(pixels - colour).max(axis=-1) < 0.08).sum() > 50
