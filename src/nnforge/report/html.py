"""`report.html`: one self-contained page per run (no external files, no scripts).

It is rebuilt from the run folder alone - config.json, metrics.json, history.csv and,
when present, grad_norms.csv, steps.json and confusion_matrix.json - so `nnforge report
RUN` can regenerate it at any time. The plots are written to `plots/*.png` and embedded
as base64 `data:` URIs, so the page can be mailed or archived as one file.
"""
from __future__ import annotations

import base64
import html
import json
import math
import os
from collections.abc import Iterable, Sequence
from typing import Any, Optional

from ..serialization import atomic_write_bytes
from ..train.grad_norms import read_grad_norms
from .plots import (confusion_plot, grad_norm_plot, learning_curves, read_history,
                    schedule_plot)

__all__ = ["render_report", "write_report", "draw_plots"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; background: #fff; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
th { background: #f0f3f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; display: block; margin: 0.5em 0; border: 1px solid #eee; }
.status { font-weight: bold; padding: 2px 6px; border-radius: 4px; background: #e8f0e8; }
"""


def _load_json(path: str) -> Any:
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def draw_plots(run_dir: str | os.PathLike[str]) -> list[tuple[str, str]]:
    """Draw every plot the run's files allow into run_dir/plots; [(title, path)]."""
    plots = os.path.join(run_dir, "plots")
    drawn: list[tuple[str, str]] = []
    history_path = os.path.join(run_dir, "history.csv")
    columns = read_history(history_path) if os.path.isfile(history_path) else {}
    if columns:
        drawn.append(("Learning curves",
                      learning_curves(columns, os.path.join(plots, "learning_curves.png"))))
        steps = _load_json(os.path.join(run_dir, "steps.json"))
        path = schedule_plot(columns, os.path.join(plots, "schedule.png"), steps)
        if path:
            drawn.append(("Learning rate, momentum and batch size", path))
    norms_path = os.path.join(run_dir, "grad_norms.csv")
    if os.path.isfile(norms_path):
        path = grad_norm_plot(read_grad_norms(norms_path),
                              os.path.join(plots, "grad_norms.png"))
        if path:
            drawn.append(("Gradient norm per parameter", path))
    confusion = _load_json(os.path.join(run_dir, "confusion_matrix.json"))
    if confusion:
        drawn.append((f"Confusion matrix ({confusion.get('split', 'test')} split)",
                      confusion_plot(confusion["matrix"], confusion.get("class_names"),
                                     os.path.join(plots, "confusion_matrix.png"))))
    return drawn


def _cell(value: object) -> str:
    if isinstance(value, float):
        text = "nan" if math.isnan(value) else f"{value:.6g}"
        return f'<td class="num">{text}</td>'
    if isinstance(value, int) and not isinstance(value, bool):
        return f'<td class="num">{value}</td>'
    if isinstance(value, (dict, list)):
        value = json.dumps(value)
    return f"<td>{html.escape(str(value))}</td>"


def _table(pairs: Iterable[tuple[object, object]], headers: Sequence[str] = ("key", "value"),
           table_id: Optional[str] = None) -> str:
    ident = f' id="{table_id}"' if table_id else ""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(f"<tr><th>{html.escape(str(k))}</th>{_cell(v)}</tr>" for k, v in pairs)
    return f"<table{ident}><tr>{head}</tr>{body}</table>"


def _flatten(value: object, prefix: str = "") -> list[tuple[str, object]]:
    if isinstance(value, dict) and value:
        out: list[tuple[str, object]] = []
        for k, v in value.items():
            out += _flatten(v, f"{prefix}{k}.")
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = []
        for i, v in enumerate(value):
            out += _flatten(v, f"{prefix}{i}.")
        return out
    return [(prefix.rstrip("."), value)]


def _history_table(columns: dict[str, list[float]]) -> str:
    keys = [k for k in columns if k != "seconds"]
    head = "".join(f"<th>{html.escape(k)}</th>" for k in keys)
    n = len(columns[keys[0]]) if keys else 0
    body = "".join("<tr>" + "".join(_cell(int(columns[k][i]) if k == "epoch"
                                          else columns[k][i]) for k in keys) + "</tr>"
                   for i in range(n))
    return f'<table id="history"><tr>{head}</tr>{body}</table>'


def render_report(run_dir: str | os.PathLike[str],
                  plots: Optional[Sequence[tuple[str, str]]] = None) -> str:
    """The report page of the run in `run_dir` as a string (plots drawn if not given)."""
    run_dir = os.fspath(run_dir)
    metrics = _load_json(os.path.join(run_dir, "metrics.json"))
    config = _load_json(os.path.join(run_dir, "config.json"))
    if metrics is None and config is None:
        raise FileNotFoundError(f"{run_dir}: not a run folder (no metrics.json or "
                                "config.json)")
    metrics, config = metrics or {}, config or {}
    plots = draw_plots(run_dir) if plots is None else plots
    name = metrics.get("name") or config.get("name") or os.path.basename(run_dir)
    status = metrics.get("status", "unknown")
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>nnforge run {html.escape(name)}</title><style>{_STYLE}</style></head>"
             f"<body><h1>Run {html.escape(name)}</h1>",
             f"<p>Folder <code>{html.escape(os.path.abspath(run_dir))}</code> &middot; status "
             f"<span class='status'>{html.escape(str(status))}</span></p>"]
    if metrics.get("stop_reason"):
        parts.append(f"<p>{html.escape(str(metrics['stop_reason']))}</p>")
    parts.append("<h2>Metrics</h2>")
    parts.append(_table(list(metrics.items()), ("metric", "value"), "metrics"))
    for title, path in plots:
        with open(path, "rb") as f:
            encoded = base64.b64encode(f.read()).decode("ascii")
        parts.append(f"<h2>{html.escape(title)}</h2><img alt='{html.escape(title)}' "
                     f"src='data:image/png;base64,{encoded}'>")
    history_path = os.path.join(run_dir, "history.csv")
    if os.path.isfile(history_path):
        columns = read_history(history_path)
        if columns:
            parts.append("<h2>History</h2>" + _history_table(columns))
    parts.append("<h2>Config</h2>")
    parts.append(_table(_flatten(config), ("setting", "value"), "config"))
    parts.append("</body></html>\n")
    return "".join(parts)


def write_report(run_dir: str | os.PathLike[str]) -> str:
    """Draw the plots and write run_dir/report.html atomically; returns its path."""
    path = os.path.join(os.fspath(run_dir), "report.html")
    atomic_write_bytes(path, render_report(run_dir).encode("utf-8"))
    return path
