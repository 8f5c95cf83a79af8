"""`nnforge report RUN`: (re)write a run's report.html and its plots."""
import argparse

from ..report import write_report
from .saved_run import run_dir

__all__ = ["add_subparser"]


def add_subparser(commands: "argparse._SubParsersAction") -> argparse.ArgumentParser:
    """Register `report` on the `nnforge` command's subparsers.

    Parameters
    ----------
    commands : argparse subparsers object

    Returns
    -------
    argparse.ArgumentParser
    """
    report = commands.add_parser("report", help="(re)generate a run's report.html")
    report.add_argument("run", metavar="RUN", help="run folder or id")
    report.add_argument("--root", default="runs", help="folder holding runs.db")
    report.set_defaults(handler=_report)
    return report


def _report(args: argparse.Namespace) -> int:
    print(f"report: {write_report(run_dir(args))}")
    return 0
