"""The `nnforge tune` command, for nnforge.cli to mount:

    nnforge tune CONFIG [--trials N] [--workers W] [--storage URL] [--study NAME]
                        [--out DIR] [--report FILE]
    nnforge tune show STUDY [--storage URL] [--top K] [--report FILE]

`add_subparser(subparsers)` registers the parser; `run(args)` executes it and returns the
exit code (`python -m nnforge.cli.tune ...` runs it standalone). User mistakes (bad
search space, unknown path, unreachable storage) print one line on stderr and return 2.
"""
import argparse
import os
import sys
from typing import Optional, Sequence

from ..tune.report import top_trials_table, write_study_report
from ..tune.space import SearchSpaceError
from ..tune.study import StorageError, default_storage, open_storage

__all__ = ["add_subparser", "main", "run"]


def add_subparser(subparsers: "argparse._SubParsersAction") -> argparse.ArgumentParser:
    """Register `tune` on an argparse subparsers object.

    Parameters
    ----------
    subparsers : argparse subparsers object

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = subparsers.add_parser(
        "tune", help="hyperparameter search over a config's [tune] table",
        description="Run a study: `nnforge tune CONFIG --trials N --workers W`, or print "
                    "its best trials: `nnforge tune show STUDY`.")
    _arguments(parser)
    parser.set_defaults(handler=run)
    return parser


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", nargs="+", metavar="CONFIG | show STUDY",
                        help="a TOML config with a [tune] table, or `show STUDY`")
    parser.add_argument("--trials", type=int, default=None,
                        help="total trials of the study (default tune.trials)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--storage", default=None,
                        help="journal file path or postgresql+psycopg://... URL "
                             "(default runs/tune/STUDY.journal)")
    parser.add_argument("--study", default=None, help="study name (default the config's name)")
    parser.add_argument("--out", default="runs/tune",
                        help="folder of the journal and the trials' runs (default runs/tune)")
    parser.add_argument("--top", type=int, default=10, help="rows of the top-trials table")
    parser.add_argument("--report", default=None,
                        help="write the study's HTML report here (default "
                             "OUT/STUDY/report.html after a search)")


_USER_ERRORS = (SearchSpaceError, StorageError, FileNotFoundError, ValueError)


def run(args: argparse.Namespace) -> int:
    """Execute parsed `nnforge tune` arguments.

    Parameters
    ----------
    args : argparse.Namespace

    Returns
    -------
    int
        The exit code: 0, 1 when every trial failed, 2 for a user error.
    """
    try:
        return _show(args) if args.target[0] == "show" else _tune(args)
    except _USER_ERRORS as error:
        print(f"nnforge tune: {error}", file=sys.stderr)
        return 2
    except ImportError as error:
        print(f"nnforge tune: {error.name or error} is not installed; install it with "
              "`pip install nnforge[tune]`", file=sys.stderr)
        return 2


def _tune(args: argparse.Namespace) -> int:
    from ..tune.runner import tune                  # imports optuna
    if len(args.target) != 1:
        raise ValueError(f"expected one CONFIG file, got {' '.join(args.target)}")
    if args.workers < 1:
        raise ValueError(f"--workers must be >= 1, got {args.workers}")
    most = 4 * (os.cpu_count() or 1)               # more worker processes only thrash
    if args.workers > most:
        raise ValueError(f"--workers must be at most {most} (4 per CPU core), got "
                         f"{args.workers}")
    if args.trials is not None and args.trials < 1:
        raise ValueError(f"--trials must be >= 1, got {args.trials}")
    study = tune(args.target[0], trials=args.trials, workers=args.workers,
                 storage=args.storage, study_name=args.study, out_dir=args.out)
    print(top_trials_table(study, args.top))
    failed = [t for t in study.trials if t.state.name == "FAIL" and "error" in t.user_attrs]
    if failed and not any(t.state.name == "COMPLETE" for t in study.trials):
        print(f"nnforge tune: every trial failed; trial {failed[0].number}: "
              f"{failed[0].user_attrs['error']}", file=sys.stderr)
        return 1
    report = args.report or os.path.join(args.out, study.study_name, "report.html")
    os.makedirs(os.path.dirname(os.path.abspath(report)), exist_ok=True)
    write_study_report(study, report)
    print(f"report: {report}")
    return 0


def _show(args: argparse.Namespace) -> int:
    import optuna
    if len(args.target) != 2:
        raise ValueError("usage: nnforge tune show STUDY [--storage URL]")
    name = args.target[1]
    url = args.storage or default_storage(name, args.out)
    if args.storage is None and not os.path.exists(url):
        raise FileNotFoundError(f"no study {name!r} in {url}; pass --storage URL")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.load_study(study_name=name, storage=open_storage(url))
    except KeyError:
        raise ValueError(f"storage {url} holds no study named {name!r}") from None
    print(top_trials_table(study, args.top))
    if args.report:
        write_study_report(study, args.report)
        print(f"report: {args.report}")
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Standalone entry point (`python -m nnforge.cli.tune ...`), same as `nnforge tune`.

    Parameters
    ----------
    argv : sequence of str, optional

    Returns
    -------
    int
    """
    parser = argparse.ArgumentParser(prog="nnforge tune")
    _arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
