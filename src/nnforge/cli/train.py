"""`nnforge train CONFIG [--out DIR] [--quiet] [--resume RUN_DIR]`: train the experiment a
config describes and write its run folder (`nnforge.build.run_experiment`)."""
import argparse
import sys
from .. import perf
from ..config import ConfigError

__all__ = ["add_subparser", "format_metrics"]


def add_subparser(commands: "argparse._SubParsersAction") -> argparse.ArgumentParser:
    """Register `train` on the `nnforge` command's subparsers.

    Parameters
    ----------
    commands : argparse subparsers object

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = commands.add_parser("train", help="train a model from a TOML experiment config",
                                 description="Train the experiment described by CONFIG and "
                                             "write a run folder (config, history.csv, "
                                             "metrics.json, model.safetensors).")
    parser.add_argument("config", metavar="CONFIG", help="path of the TOML config")
    parser.add_argument("--out", metavar="DIR", default=None,
                        help="run folder (default: runs/<name>-<timestamp>)")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress output; print only the final metrics")
    parser.add_argument("--resume", metavar="RUN_DIR", default=None,
                        help="continue the run in RUN_DIR from its last checkpoint")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the run folder --out names; the new run is built "
                             "beside it and swapped in only when it finished")
    parser.set_defaults(handler=run)
    return parser


def format_metrics(summary: dict) -> str:
    """The final line: test_* metrics (else val_*), four decimals.

    Parameters
    ----------
    summary : dict
        `run_experiment`'s result.

    Returns
    -------
    str
    """
    keys = [k for k in summary if k.startswith("test_")] or \
        [k for k in summary if k.startswith("val_")]
    return "  ".join(f"{k} {summary[k]:.4f}" for k in keys)


def run(args: argparse.Namespace) -> int:
    """Execute `nnforge train`; returns the exit status.

    Parameters
    ----------
    args : argparse.Namespace

    Returns
    -------
    int
    """
    from ..build import run_experiment             # loads pydantic
    from ..config import load_config

    config = load_config(args.config)
    if args.resume is not None and args.out is not None:
        raise ValueError("nnforge train: give --out or --resume, not both (a resumed run "
                         "stays in its folder)")
    if args.resume is not None and args.overwrite:
        raise ValueError("nnforge train: give --resume or --overwrite, not both (--overwrite "
                         "starts the run again from scratch)")
    if args.overwrite and args.out is None:
        raise ValueError("nnforge train: --overwrite needs --out, the run folder to replace")
    try:
        with perf.enabled():               # malloc thresholds, flush-to-zero in updates
            summary = run_experiment(config, out_dir=args.resume or args.out,
                                     quiet=args.quiet, resume=args.resume is not None,
                                     overwrite=args.overwrite)
    except ConfigError as exc:             # raised while building: name the file too
        raise exc.in_file(args.config) from None
    if not args.quiet:
        print(f"{summary['stop_reason']}; best epoch {summary['best_epoch']}", file=sys.stderr)
    print(format_metrics(summary))
    print(f"run folder: {summary['run_dir']}")
    return 0
