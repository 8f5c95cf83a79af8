"""`nnforge doctor CONFIG`: build the run a config describes and run the recipe checks
(`diagnose.checks`) on it before any long training, printing one line per check.

Exit status: 0 when no check fails (warnings allowed), 1 when some check fails, 2 for a
user error (bad config, missing file) like every other command.
"""
import argparse
import os
import sys
import time
from typing import IO, TYPE_CHECKING

from ..diagnose.checks import CHECKS, CheckResult, Patient, run_checks
from ..mistake_warnings import silence

if TYPE_CHECKING:                     # the schema needs pydantic
    from ..config import Config

__all__ = ["add_subparser", "doctor"]


def add_subparser(commands: "argparse._SubParsersAction") -> argparse.ArgumentParser:
    """Register `doctor` on the `nnforge` command's subparsers.

    Parameters
    ----------
    commands : argparse subparsers object

    Returns
    -------
    argparse.ArgumentParser
    """
    doctor_parser = commands.add_parser(
        "doctor", help="sanity-check a config before training (initial loss, overfitting, "
                       "gradients, dead ReLUs, LR range test, data)",
        description="Run the training-recipe checks on the model, data and optimizer of "
                    "CONFIG and print pass / warn / fail per check with a suggested fix.")
    doctor_parser.add_argument("config", metavar="CONFIG", help="path of the TOML config")
    doctor_parser.add_argument("--checks", nargs="+", metavar="CHECK", choices=list(CHECKS),
                               default=None, help=f"run only these ({', '.join(CHECKS)})")
    doctor_parser.add_argument("--plot-dir", metavar="DIR", default=None,
                               help="write the LR range test plot into DIR")
    doctor_parser.set_defaults(handler=_doctor)
    return doctor_parser


def doctor(config: "Config", names: "list[str] | None" = None, plot_dir: "str | None" = None,
           stream: "IO[str] | None" = None) -> list[CheckResult]:
    """Build `config` and run the recipe checks on it.

    Parameters
    ----------
    config : Config
        A validated config.
    names : list of str, optional
        Run only these checks.
    plot_dir : str, optional
        Folder for the LR range test plot.
    stream : file-like, optional
        Where each check's line is printed as it finishes.

    Returns
    -------
    list of CheckResult
    """
    from ..build import build_run                  # loads pydantic

    run = build_run(config)
    patient = Patient.from_run(run, plot_dir=plot_dir)
    with silence():                      # the doctor reports these mistakes itself
        return run_checks(patient, names, stream=stream)


def _doctor(args: argparse.Namespace) -> int:
    from ..config import load_config               # loads pydantic

    config = load_config(args.config)
    if args.plot_dir:
        os.makedirs(args.plot_dir, exist_ok=True)
    start = time.perf_counter()
    print(f"nnforge doctor {args.config}")
    results = doctor(config, args.checks, args.plot_dir, stream=sys.stdout)
    counts = {s: sum(r.status == s for r in results) for s in ("pass", "warn", "fail")}
    print(f"{counts['pass']} passed, {counts['warn']} warnings, {counts['fail']} failed "
          f"in {time.perf_counter() - start:.1f} s")
    return 1 if counts["fail"] else 0
