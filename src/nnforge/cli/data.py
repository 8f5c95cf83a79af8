"""`nnforge data describe CONFIG`: what the config's train/val/test splits look like before
training - sizes, class balance, feature ranges, NaN/Inf counts (`nnforge.data.describe`).

The splits are the ones `nnforge train` would use (`build.split_data`: same dataset, seed
and fractions), shown as loaded - before the scaler, so unscaled pixel values (0-255) or a
NaN in a CSV are visible. `--scaled` shows them after the config's scaler instead.
"""
import argparse
import sys
from typing import TYPE_CHECKING

from ..config import ConfigError
from ..data import describe
from ..run_data import build_data, split_data

if TYPE_CHECKING:                     # the schema needs pydantic
    from ..config import Config

__all__ = ["add_subparser", "describe_config"]


def add_subparser(commands: "argparse._SubParsersAction") -> argparse.ArgumentParser:
    """Register `data describe` on the `nnforge` command's subparsers.

    Parameters
    ----------
    commands : argparse subparsers object

    Returns
    -------
    argparse.ArgumentParser
    """
    data = commands.add_parser("data", help="inspect a config's dataset",
                               description="Inspect the data a config trains on.")
    actions = data.add_subparsers(dest="data_command", metavar="ACTION")
    actions.required = True
    describe = actions.add_parser(
        "describe", help="sizes, class balance, feature ranges and NaN counts of the splits",
        description="Print sizes, class balance, feature ranges and NaN/Inf counts of the "
                    "train/val/test splits of CONFIG's [data] section.")
    describe.add_argument("config", metavar="CONFIG", help="path of the TOML config")
    describe.add_argument("--scaled", action="store_true",
                          help="describe the splits after the config's scaler")
    describe.add_argument("--max-features", type=int, default=12, metavar="N",
                          help="feature rows to show per split (default 12)")
    describe.set_defaults(handler=_describe)
    return data


def describe_config(config: "Config", scaled: bool = False, max_features: int = 12) -> str:
    """The text `nnforge data describe` prints for a validated config.

    Parameters
    ----------
    config : Config
        A validated config.
    scaled : bool
        Describe the splits after the config's scaler instead of before.
    max_features : int
        Feature rows shown per split.

    Returns
    -------
    str
    """
    try:
        if scaled:
            train, val, test, _ = build_data(config.data, config.seed)
        else:
            train, val, test = split_data(config.data, config.seed)
    except ConfigError as exc:                      # data.split, data.target: name the file
        raise exc.in_file(getattr(config, "source", None)) from None
    sizes = {"train": train, "val": val, "test": test}
    total = sum(len(part) for part in sizes.values() if part is not None)
    scaler = config.data.scaler
    lines = [f"config {config.name}: dataset {config.data.dataset}, {total} samples; split "
             + ", ".join(f"{k} {0 if v is None else len(v)}" for k, v in sizes.items())
             + (f"; values after the {scaler} scaler" if scaled else
                f"; values before scaling (scaler: {scaler})")]
    for role, part in sizes.items():
        lines.append("")
        if part is None:
            lines.append(f"[{role}] empty (data.split gives it 0)")
            continue
        lines.append(f"[{role}]")
        lines.append(describe(part, name=f"{config.data.dataset} {role}")
                     .to_text(max_features=max_features))
    return "\n".join(lines)


def _describe(args: argparse.Namespace) -> int:
    from ..config import load_config               # loads pydantic

    config = load_config(args.config)
    print(describe_config(config, scaled=args.scaled, max_features=args.max_features))
    sys.stdout.flush()
    return 0
