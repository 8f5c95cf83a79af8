"""Run reports: learning curves and other plots (matplotlib, Agg backend, imported only
when a plot is drawn) and a self-contained `report.html` per run."""
from .html import render_report, write_report
from .plots import (compare_curves, confusion_plot, grad_norm_plot, learning_curves,
                    read_history, schedule_plot)

__all__ = ["render_report", "write_report", "compare_curves", "confusion_plot",
           "grad_norm_plot", "learning_curves", "read_history", "schedule_plot"]
