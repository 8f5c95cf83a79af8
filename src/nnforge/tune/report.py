"""Study results: the top-trials table `nnforge tune show` prints, and a self-contained
HTML report with the optimization history, parameter importances and one slice plot per
parameter (matplotlib with the Agg backend, images embedded as base64 PNG).

The plots are drawn here rather than with optuna.visualization.matplotlib so they share
the report's style and need nothing beyond matplotlib; importances come from Optuna's
fANOVA evaluator when at least two trials finished.
"""
from __future__ import annotations

import base64
import html
import io
import json
import math
import os
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from optuna.study import Study
    from optuna.trial import FrozenTrial

__all__ = ["importances", "study_report_html", "top_trials", "top_trials_table",
           "write_study_report"]


def top_trials(study: Study, k: int = 10) -> list[FrozenTrial]:
    """The k best COMPLETE trials, best first."""
    from optuna.trial import TrialState
    done = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if t.value is not None and not math.isnan(t.value)]
    reverse = study.direction.name == "MAXIMIZE"
    return sorted(done, key=_value, reverse=reverse)[:k]


def _value(trial: FrozenTrial) -> float:
    """The value of a COMPLETE trial (optuna types it Optional for the other states)."""
    return cast(float, trial.value)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _counts(study: Study) -> dict[str, int]:
    counts: dict[str, int] = {}
    for trial in study.get_trials(deepcopy=False):
        counts[trial.state.name.lower()] = counts.get(trial.state.name.lower(), 0) + 1
    return counts


def top_trials_table(study: Study, k: int = 10) -> str:
    """A plain-text table of the k best trials: number, value, params, seed, epochs,
    duration; a header line with the trial counts by state."""
    metric = study.user_attrs.get("metric", "value")
    trials = top_trials(study, k)
    params = sorted({name for t in trials for name in t.params})
    header = ["#", metric, *params, "seed", "epochs", "seconds"]
    rows = []
    for trial in trials:
        attrs = trial.user_attrs
        value = _fmt(trial.value)
        if "cv_std" in attrs:
            value = f"{trial.value:.4g} ± {attrs['cv_std']:.2g}"
        rows.append([str(trial.number), value,
                     *[_fmt(trial.params[p]) if p in trial.params else "-" for p in params],
                     _fmt(attrs.get("seed", "-")), _fmt(attrs.get("epochs", "-")),
                     _fmt(attrs.get("duration", "-"))])
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    counts = ", ".join(f"{n} {state}" for state, n in sorted(_counts(study).items()))
    lines = [f"study {study.study_name} ({study.direction.name.lower()} {metric}; "
             f"{counts or 'no trials'})",
             "  ".join(h.ljust(w) for h, w in zip(header, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]
    if not rows:
        lines.append("(no finished trials yet)")
    return "\n".join(lines)


def importances(study: Study) -> dict[str, float]:
    """Parameter -> importance (fANOVA, sums to 1), or {} with fewer than 2 finished
    trials or a single parameter value."""
    import optuna
    try:
        return dict(optuna.importance.get_param_importances(study))
    except (ValueError, RuntimeError, ZeroDivisionError):
        return {}


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _plots(study: Study) -> dict[str, str]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from optuna.trial import TrialState
    metric = study.user_attrs.get("metric", "value")
    done = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if t.value is not None]
    images: dict[str, str] = {}
    best = max if study.direction.name == "MAXIMIZE" else min
    figure, axis = plt.subplots(figsize=(6, 3.5))
    if done:
        numbers = [t.number for t in done]
        values = [_value(t) for t in done]
        running = [best(values[:i + 1]) for i in range(len(values))]
        axis.scatter(numbers, values, s=14, label="trial")
        axis.step(numbers, running, where="post", color="C3", label="best so far")
        axis.legend()
    axis.set_xlabel("trial")
    axis.set_ylabel(metric)
    axis.set_title("Optimization history")
    images["Optimization history"] = _png(figure)
    scores = importances(study)
    if scores:
        figure, axis = plt.subplots(figsize=(6, 0.5 + 0.4 * len(scores)))
        names = list(scores)[::-1]
        axis.barh(names, [scores[n] for n in names])
        axis.set_xlabel("importance (fANOVA)")
        axis.set_title("Parameter importances")
        images["Parameter importances"] = _png(figure)
    params = sorted({name for t in done for name in t.params})
    if params:
        cols = min(3, len(params))
        rows = (len(params) + cols - 1) // cols
        figure, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
        for axis, name in zip(axes.flat, params):
            points = [(t.params[name], _value(t)) for t in done if name in t.params]
            xs = [p[0] for p in points]
            numeric = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in xs)
            if not numeric:
                labels = sorted({str(x) for x in xs})
                xs = [labels.index(str(x)) for x in xs]
                axis.set_xticks(range(len(labels)), labels)
            axis.scatter(xs, [p[1] for p in points], s=12, c=[t.number for t in done
                                                               if name in t.params])
            if numeric and xs and min(xs) > 0 and max(xs) / min(xs) > 50:
                axis.set_xscale("log")
            axis.set_xlabel(name)
            axis.set_ylabel(metric)
        for axis in list(axes.flat)[len(params):]:
            axis.axis("off")
        figure.suptitle("Slices: metric against each parameter")
        figure.tight_layout()
        images["Slices"] = _png(figure)
    return images


def study_report_html(study: Study, k: int = 20) -> str:
    """The study report as one HTML string (no external files)."""
    esc = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>Study "
             f"{esc(study.study_name)}</title><style>body{{font-family:sans-serif;"
             "margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
             "padding:2px 6px;text-align:right}</style></head><body>",
             f"<h1>Study {esc(study.study_name)}</h1>",
             f"<pre>{esc(top_trials_table(study, k))}</pre>"]
    for title, image in _plots(study).items():
        parts.append(f"<h2>{esc(title)}</h2><img alt='{esc(title)}' "
                     f"src='data:image/png;base64,{image}'>")
    attrs = {key: value for key, value in study.user_attrs.items()}
    parts.append("<h2>Study settings</h2><pre>"
                 f"{esc(json.dumps(attrs, indent=2, default=str))}</pre></body></html>")
    return "\n".join(parts)


def write_study_report(study: Study, path: str | os.PathLike[str], k: int = 20
                       ) -> str | os.PathLike[str]:
    """Write `study_report_html(study)` to `path`; returns the path."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(study_report_html(study, k))
    return path
