"""`nnforge runs list|show|compare`: query the run index (ROOT/runs.db).

    nnforge runs list [--root runs]            one row per indexed run
    nnforge runs show ID|DIR [--root runs]     a run's index row, metrics and config hash
    nnforge runs compare ID ID... [--metric loss] [--out PNG]
                                               final metrics side by side + curves in one PNG

Mistakes raise exceptions that `nnforge.cli.main` prints as one line (exit 2).
"""
import argparse
import os
from collections.abc import Mapping, Sequence
from typing import Any

from ..report.plots import compare_curves, read_history
from ..runs import RunIndex

__all__ = ["add_subparser", "format_table"]


def add_subparser(commands: "argparse._SubParsersAction") -> argparse.ArgumentParser:
    """Register `runs` on the `nnforge` command's subparsers.

    Parameters
    ----------
    commands : argparse subparsers object

    Returns
    -------
    argparse.ArgumentParser
    """
    runs = commands.add_parser("runs", help="list, show and compare indexed runs",
                               description="Query the run index (ROOT/runs.db).")
    runs.add_argument("action", choices=("list", "show", "compare"))
    runs.add_argument("ids", nargs="*", metavar="ID", help="run ids or run folders")
    runs.add_argument("--root", default="runs", help="folder holding runs.db (default runs)")
    runs.add_argument("--metric", default="loss",
                      help="curve drawn by compare (default loss: train and val_loss)")
    runs.add_argument("--out", default=None, help="PNG written by compare (default "
                                                  "ROOT/compare-<ids>.png)")
    runs.set_defaults(handler=_runs)
    return runs


def _text(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) >= 1e-3 or value == 0 else f"{value:.3e}"
    return str(value)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Plain fixed-width table text (header, rule, rows).

    Parameters
    ----------
    headers : list of str
    rows : list of lists
        Cells; floats get 4 decimals (or 3 significant digits when tiny), None "-".

    Returns
    -------
    str
    """
    cells = [[_text(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths)).rstrip()
    return "\n".join([line(headers), line(["-" * w for w in widths])] +
                     [line(r) for r in cells])


def _headline(metrics: Mapping[str, object]) -> list[str]:
    """The metrics a list shows: test_* (else val_*) values, loss first."""
    keys = [k for k in metrics if k.startswith("test_")] or \
        [k for k in metrics if k.startswith("val_")]
    return sorted(keys, key=lambda k: (not k.endswith("_loss"), k))[:3]


def _runs(args: argparse.Namespace) -> int:
    index = RunIndex(args.root)
    if args.action == "list":
        rows = index.rows()
        keys: list[str] = []
        for r in rows:
            keys += [k for k in _headline(r["metrics"]) if k not in keys]
        keys = keys[:4]
        print(format_table(["id", "name", "status", "started", "epochs", *keys],
                           [[r["id"], r["name"], r["status"], r["started"],
                             r["metrics"].get("epochs"), *[r["metrics"].get(k) for k in keys]]
                            for r in rows]))
        return 0
    if not args.ids:
        raise ValueError(f"nnforge runs {args.action}: give at least one run id")
    rows = [_index_row(index, i) for i in args.ids]
    if args.action == "show":
        for row in rows:
            fields = [(k, row[k]) for k in row if k != "metrics"]
            fields += sorted((k, v) for k, v in row["metrics"].items() if k not in row)
            print(format_table(["field", "value"], fields))
        return 0
    if len(rows) < 2:
        raise ValueError("nnforge runs compare: give two or more run ids")
    keys = []
    for r in rows:
        keys += [k for k in r["metrics"] if k not in keys and k != "seed"]
    table = [["status", *[r["status"] for r in rows]], ["seed", *[r["seed"] for r in rows]],
             ["config_hash", *[r["config_hash"] for r in rows]]]
    table += [[k, *[r["metrics"].get(k) for r in rows]] for k in keys]
    print(format_table(["", *[r["id"] for r in rows]], table))
    curves = []
    for r in rows:
        path = os.path.join(r["path"], "history.csv")
        if os.path.isfile(path):
            curves.append((r["id"], read_history(path)))
    out = args.out or os.path.join(args.root, "compare-" + "-".join(r["id"] for r in rows)[:120]
                                   + ".png")
    print(f"curves: {compare_curves(curves, out, metric=args.metric)}")
    return 0


def _index_row(index: RunIndex, ident: str) -> dict[str, Any]:
    """The index row of a run id, or of a run folder (id = folder name)."""
    if os.path.isdir(ident):
        parent = RunIndex(os.path.dirname(os.path.abspath(ident)))
        return parent.get(os.path.basename(os.path.abspath(ident)))
    return index.get(ident)


