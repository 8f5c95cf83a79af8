"""The `nnforge` command line, one module per command:

    nnforge train CONFIG            cli/train.py     train a config, write a run folder
    nnforge tune CONFIG | show      cli/tune.py      hyperparameter search
    nnforge data describe CONFIG    cli/data.py      the config's data splits
    nnforge doctor CONFIG           cli/doctor.py    recipe checks before a long run
    nnforge runs list|show|compare  cli/runs.py      the run index
    nnforge report RUN              cli/report.py    a run's report.html
    nnforge evaluate RUN --data     cli/evaluate.py  a trained run on new data
    nnforge predict RUN --input     cli/predict.py   a trained run's predictions

Each module has ``add_subparser(commands)``, which registers its parser and handler.
User mistakes (a bad config, a missing or corrupt file, labels that do not fit the model,
a diverging run) and failures of the environment (a full disk, a read-only folder, a
corrupt or locked run index) print one line `nnforge: error: ...` naming the path and
what to do on stderr and exit with status 2 — never a traceback. The library raises PyTorch's exception types (ValueError, KeyError,
IndexError) for bad input, so a bug of ours can look like a user error: `nnforge
--traceback COMMAND ...` re-raises instead, to show where it came from. What loads
pydantic or optuna (reading a config, the tuner) is imported inside the command that needs
it, so `nnforge --help` runs without them.
"""
import argparse
import errno
import os
import sqlite3
import sys
from typing import Optional, Sequence

from .. import __version__
from ..config import ConfigError
from ..runs import RunIndexError
from ..train.checkpoint import TrainingInterrupted
from ..train.divergence import TrainingDivergedError
from . import data, doctor, evaluate, predict, report, runs, train, tune

__all__ = ["main", "build_parser", "COMMANDS"]

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130

#: the command modules, in the order `nnforge --help` lists them
COMMANDS = (train, tune, data, doctor, runs, report, evaluate, predict)


def build_parser() -> argparse.ArgumentParser:
    """The `nnforge` argument parser with every command's subparser.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="nnforge", description="Train and inspect neural networks written on NumPy.")
    parser.add_argument("--version", action="version", version=f"nnforge {__version__}")
    parser.add_argument("--traceback", action="store_true",
                        help="on an error, show the full Python traceback instead of one "
                             "line (for bug reports)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for command in COMMANDS:
        command.add_subparser(commands)
    return parser


def _user_errors() -> tuple:
    """Exception types that are the user's to fix (reported in one line, exit 2)."""
    # IndexError: class targets outside the model's output range (PyTorch's type for it);
    # OSError: the environment (full disk, read-only or missing folder, permissions)
    return (ConfigError, OSError, ValueError, KeyError, IndexError, TrainingDivergedError,
            RunIndexError, sqlite3.Error)


#: what to do about an environment error, by errno
_OS_HINTS = {
    errno.ENOSPC: "the disk is full; free some space and run again",
    errno.EDQUOT: "the disk quota is used up; free some space and run again",
    errno.EROFS: "the file system is read-only; choose a writable folder",
    errno.EACCES: "permission denied; make it accessible or choose another path",
    errno.EPERM: "operation not permitted; make it accessible or choose another path",
    errno.ENOTDIR: "a part of the path is a file, not a folder; check the path",
    errno.EISDIR: "is a folder, expected a file; check the path",
    errno.ENOENT: "no such file or folder; check the path",
    errno.EEXIST: "already exists; choose another path",
    errno.ENAMETOOLONG: "the name is too long; choose a shorter path",
    errno.EIO: "input/output error; check the disk",
}


def _one_line(exc: BaseException) -> str:
    text = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
    if isinstance(exc, OSError) and exc.errno in _OS_HINTS and \
            (exc.strerror and str(exc).startswith(f"[Errno {exc.errno}]") or not str(exc)):
        text = _OS_HINTS[exc.errno]           # an error raised by the OS, not one of ours
    text = " ".join(str(text).split())
    if isinstance(exc, OSError) and exc.filename and str(exc.filename) not in text:
        text = f"{exc.filename}: {text}"
    return text or type(exc).__name__


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the `nnforge` command.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0, 2 for a user error, 130/143 for an interrupted run.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("nnforge: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - filtered just below
        if isinstance(exc, TrainingInterrupted):       # 130 for SIGINT, 143 for SIGTERM
            run_dir = os.path.dirname(os.path.dirname(exc.checkpoint or "."))
            print(f"nnforge: {exc}; checkpoint written to {exc.checkpoint} (continue with "
                  f"`nnforge train CONFIG --resume {run_dir}`)", file=sys.stderr)
            return EXIT_INTERRUPTED if exc.signum is None else 128 + int(exc.signum)
        if isinstance(exc, MemoryError) and not args.traceback:
            print("nnforge: error: out of memory (a size in the config or the data is too "
                  "large for this machine); use smaller sizes", file=sys.stderr)
            return EXIT_USER_ERROR
        if args.traceback or not isinstance(exc, _user_errors()):
            raise
        print(f"nnforge: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USER_ERROR
