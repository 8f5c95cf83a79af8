"""The `nnforge` command line: `nnforge train CONFIG [--out DIR] [--quiet]`.

User mistakes (a bad config, a missing or corrupt file, labels that do not fit the model,
a diverging run) print one line `nnforge: error: ...` on stderr and exit with status 2 —
never a traceback. The library raises PyTorch's exception types (ValueError, KeyError,
IndexError) for bad input, so a bug of ours can look like a user error: `nnforge
--traceback COMMAND ...` re-raises instead, to show where it came from. Library imports
happen inside the commands, so `nnforge --help` is instant.
"""
import argparse
import os
import sys

__all__ = ["main", "build_parser"]

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def build_parser():
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="nnforge", description="Train and inspect neural networks written on NumPy.")
    parser.add_argument("--version", action="version", version=f"nnforge {__version__}")
    parser.add_argument("--traceback", action="store_true",
                        help="on an error, show the full Python traceback instead of one "
                             "line (for bug reports)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    train = commands.add_parser("train", help="train a model from a TOML experiment config",
                                description="Train the experiment described by CONFIG and "
                                            "write a run folder (config, history.csv, "
                                            "metrics.json, model.safetensors).")
    train.add_argument("config", metavar="CONFIG", help="path of the TOML config")
    train.add_argument("--out", metavar="DIR", default=None,
                       help="run folder (default: runs/<name>-<timestamp>)")
    train.add_argument("--quiet", action="store_true",
                       help="no progress output; print only the final metrics")
    train.add_argument("--resume", metavar="RUN_DIR", default=None,
                       help="continue the run in RUN_DIR from its last checkpoint")
    train.set_defaults(handler=_train)

    from .tune.cli import add_subparser as add_tune_subparser
    add_tune_subparser(commands)
    from .data_cli import add_subparser as add_data_subparser
    add_data_subparser(commands)
    from .diagnose.doctor_cli import add_subparser as add_doctor_subparser
    add_doctor_subparser(commands)
    from .runs_cli import add_subparsers as add_runs_subparsers
    add_runs_subparsers(commands)          # runs, report, evaluate, predict
    return parser


def _format_metrics(summary):
    keys = [k for k in summary if k.startswith("test_")] or \
        [k for k in summary if k.startswith("val_")]
    return "  ".join(f"{k} {summary[k]:.4f}" for k in keys)


def _train(args):
    from . import perf
    from .build import run_experiment
    from .config import ConfigError, load_config

    perf.enable()                          # malloc thresholds, flush-to-zero in updates

    config = load_config(args.config)
    if args.resume is not None and args.out is not None:
        raise ValueError("nnforge train: give --out or --resume, not both (a resumed run "
                         "stays in its folder)")
    try:
        summary = run_experiment(config, out_dir=args.resume or args.out, quiet=args.quiet,
                                 resume=args.resume is not None)
    except ConfigError as exc:             # raised while building: name the file too
        raise ConfigError(f"{args.config}: {exc}") from None
    if not args.quiet:
        print(f"{summary['stop_reason']}; best epoch {summary['best_epoch']}", file=sys.stderr)
    print(_format_metrics(summary))
    print(f"run folder: {summary['run_dir']}")
    return 0


def _user_errors():
    """Exception types that are the user's to fix (reported in one line, exit 2)."""
    from .config import ConfigError
    from .train.guards import TrainingDivergedError

    # IndexError: class targets outside the model's output range (PyTorch's type for it)
    return (ConfigError, FileNotFoundError, IsADirectoryError, PermissionError, ValueError,
            KeyError, IndexError, TrainingDivergedError)


def _one_line(exc):
    text = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
    text = " ".join(str(text).split())
    if isinstance(exc, OSError) and exc.filename and str(exc.filename) not in text:
        text = f"{exc.filename}: {text}"
    return text or type(exc).__name__


def main(argv=None):
    """Entry point of the `nnforge` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("nnforge: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - filtered just below
        from .train.checkpoint import TrainingInterrupted

        if isinstance(exc, TrainingInterrupted):       # 130 for SIGINT, 143 for SIGTERM
            run_dir = os.path.dirname(os.path.dirname(exc.checkpoint or "."))
            print(f"nnforge: {exc}; checkpoint written to {exc.checkpoint} (continue with "
                  f"`nnforge train CONFIG --resume {run_dir}`)", file=sys.stderr)
            return 128 + int(exc.signum)
        if args.traceback or not isinstance(exc, _user_errors()):
            raise
        print(f"nnforge: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USER_ERROR


if __name__ == "__main__":
    sys.exit(main())
