"""Hyperparameter search benchmarks, on the digits MLP of examples/tune_digits.toml.

1. Wall time of 4 trials with --workers 1 and --workers 2 (same trials, same seeds).
2. A 20-trial random search over lr, width and dropout: best validation accuracy.
3. Hyperband over the same 20 seeded random points: best value and total epochs trained.

    .venv/bin/python bench/tune_scaling.py
"""
import copy
import os
import sys
import tempfile
import time
import tomllib

import optuna

from nnforge.tune.runner import TuneConfig, tune

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "examples", "tune_digits.toml")


def config(strategy, trials, epochs):
    with open(EXAMPLE, "rb") as handle:
        raw = tomllib.load(handle)
    table = raw.pop("tune")
    raw["train"]["epochs"] = epochs
    table.update(strategy=strategy, trials=trials)
    return raw, TuneConfig.from_dict(copy.deepcopy(table))


def timed(strategy, trials, epochs, workers, root, name):
    start = time.perf_counter()
    study = tune(config(strategy, trials, epochs), workers=workers, out_dir=root,
                 storage=os.path.join(root, f"{name}.journal"), study_name=name)
    return study, time.perf_counter() - start


def main():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    lines = []
    with tempfile.TemporaryDirectory() as root:
        load = os.getloadavg()
        timed("random", 1, 2, 1, root, "warmup")            # imports, dataset cache
        runs = {1: [], 2: []}
        for repeat in range(2):                             # alternate, keep the best
            for workers in (1, 2):
                runs[workers].append(timed("random", 4, 40, workers, root,
                                           f"w{workers}-{repeat}")[1])
        one, two = min(runs[1]), min(runs[2])
        lines.append(f"4 trials x 40 epochs: --workers 1 {one:.1f} s, --workers 2 {two:.1f} s "
                     f"(best of 2 alternating runs: {runs[1]}, {runs[2]}), ratio "
                     f"{one / two:.2f}x (cpu count {os.cpu_count()}, load average before "
                     f"{load[0]:.1f}, after {os.getloadavg()[0]:.1f})")
        rand, t_rand = timed("random", 20, 15, 2, root, "random20")
        hyper, t_hyper = timed("hyperband", 20, 15, 2, root, "hyperband20")
        epochs = [sum(t.user_attrs["epochs"] for t in s.trials) for s in (rand, hyper)]
        pruned = sum(t.state.name == "PRUNED" for t in hyper.trials)
        lines.append(f"random search, 20 trials x 15 epochs: best val_accuracy "
                     f"{rand.best_value:.4f} ({epochs[0]} epochs, {t_rand:.1f} s)")
        lines.append(f"hyperband (same 20 points, eta=3): best val_accuracy "
                     f"{hyper.best_value:.4f} ({epochs[1]} epochs, {pruned} pruned, "
                     f"{t_hyper:.1f} s)")
        lines.append(f"best params (random): {rand.best_params}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
