"""Random vs grid vs TPE vs Hyperband vs coarse-to-fine on the same budget.

Every strategy searches the digits MLP of examples/tune_digits.toml over learning rate,
hidden width and dropout with 12 trials of at most 10 epochs, and the script prints one
row per strategy: best validation accuracy, the trial that reached it, epochs trained
in total and wall time.

    .venv/bin/python examples/tune_compare.py [--trials 12] [--epochs 10] [--workers 1]
"""
import argparse
import copy
import os
import tempfile
import time
import tomllib

import optuna

from nnforge.tune.runner import TuneConfig, tune

EXAMPLE = os.path.join(os.path.dirname(__file__), "tune_digits.toml")
GRID_POINTS = {"optimizer.lr": {"num": 3}, "model.layers.0.out_features": {"values": [32, 128]},
               "model.layers.2.p": {"values": [0.1, 0.4]}}           # 3 x 2 x 2 = 12


def study_config(strategy, trials, epochs):
    with open(EXAMPLE, "rb") as handle:
        raw = tomllib.load(handle)
    table = raw.pop("tune")
    raw["train"]["epochs"] = epochs
    table.update(strategy=strategy, trials=trials)
    if strategy == "grid":
        for path, extra in GRID_POINTS.items():
            table["params"][path].update(extra)
    if strategy == "coarse_to_fine":
        table["options"] = {"per_round": max(2, trials // 3), "shrink": 0.5}
    if strategy == "tpe":
        table["options"] = {"n_startup_trials": max(2, trials // 3)}
    return raw, TuneConfig.from_dict(copy.deepcopy(table))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rows = []
    with tempfile.TemporaryDirectory() as root:
        for strategy in ("random", "grid", "tpe", "hyperband", "coarse_to_fine"):
            start = time.perf_counter()
            study = tune(study_config(strategy, args.trials, args.epochs), workers=args.workers,
                         storage=os.path.join(root, f"{strategy}.journal"), out_dir=root,
                         study_name=strategy)
            seconds = time.perf_counter() - start
            epochs = sum(t.user_attrs.get("epochs", 0) for t in study.trials)
            rows.append((strategy, len(study.trials), study.best_value,
                         study.best_trial.number, epochs, seconds))
    print(f"| strategy | trials | best val_accuracy | best trial | epochs | seconds |")
    print(f"|---|---|---|---|---|---|")
    for name, n, best, number, epochs, seconds in rows:
        print(f"| {name} | {n} | {best:.4f} | {number} | {epochs} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
