# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown]
# # Hyperparameter search, from grid to Hyperband
#
# Learning rate, width, depth, dropout, weight decay, batch size: the choices that are not
# learned by gradient descent are called hyperparameters, and they are chosen by trying.
# Each trial is a full training run, so the question is how to spend a fixed budget of runs
# well. Always judge trials on the **validation** set; the test set is for the one final
# estimate.

# %%
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from nnforge.tune import SearchSpace
from nnforge.tune.objective import default_train_fn
from nnforge.tune.runner import TuneConfig, tune

# %% [markdown]
# ## Grid search and its cost
#
# Grid search tries every combination of a few values per hyperparameter. Five values for
# each of three hyperparameters is already 5³ = 125 runs, and every further hyperparameter
# multiplies the count by five. Worse, when only some hyperparameters matter, most of those
# runs are wasted on repeating the same values of the ones that do.
#
# ## Why random search does better
#
# Suppose the validation error depends strongly on the learning rate and hardly at all on a
# second hyperparameter. A 3 × 3 grid spends nine runs but tries only **three** learning
# rates. Nine random points try **nine**. The picture below uses a made-up score in which
# only x matters much.

# %%
def score(x, y):
    """A stand-in for validation accuracy: a sharp optimum in x, almost flat in y."""
    return np.exp(-((x - 0.63) / 0.08) ** 2) + 0.05 * y


levels = np.array([1 / 6, 1 / 2, 5 / 6])
grid = np.array([(x, y) for x in levels for y in levels])
random_points = np.random.default_rng(3).uniform(size=(9, 2))
xs = np.linspace(0, 1, 200)
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
for ax, (name, pts) in zip(axes, (("grid", grid), ("random", random_points))):
    X, Y = np.meshgrid(xs, xs)
    ax.contourf(X, Y, score(X, Y), levels=20, cmap="Greys")
    ax.plot(pts[:, 0], pts[:, 1], "o", color="C3")
    ax.set_title(f"{name}: {len(np.unique(pts[:, 0].round(6)))} distinct x values, "
                 f"best score {score(pts[:, 0], pts[:, 1]).max():.2f}", fontsize=9)
    ax.set_xlabel("x (important)")
axes[0].set_ylabel("y (unimportant)")
plt.show()

# %% [markdown]
# Search spaces for scale-like hyperparameters (learning rate, weight decay) should be
# **logarithmic**: 10⁻⁴ to 10⁻¹ spans three orders of magnitude, and a uniform draw would put
# 90 % of the trials above 10⁻². nnforge's search space says so explicitly:

# %%
space = SearchSpace.from_dict({
    "optimizer.lr": {"type": "loguniform", "low": 1e-4, "high": 1e-1},
    "model.layers.0.out_features": {"type": "int", "low": 16, "high": 128, "log": True,
                                    "also": ["model.layers.3.in_features"]},
    "model.layers.2.p": {"type": "uniform", "low": 0.0, "high": 0.5},
})
print("parameters searched:", ", ".join(p.path for p in space.params))

# %% [markdown]
# ## Searching for real
#
# Every trial below is a complete training run of a small MLP on the digits data, described
# by a config (the same format `nnforge train` reads) with the trial's values written in.
# Each strategy gets nine trials of at most 8 epochs (the grid: 3 learning rates × 3
# widths, dropout fixed).

# %%
BASE = {
    "name": "search-tutorial", "seed": 0,
    "data": {"dataset": "digits", "split": [0.6, 0.2, 0.2], "stratify": True, "scaler": "standard"},
    "model": {"layers": [{"type": "Linear", "in_features": 64, "out_features": 64},
                         {"type": "ReLU"}, {"type": "Dropout", "p": 0.2},
                         {"type": "Linear", "in_features": 64, "out_features": 10}]},
    "loss": {"type": "CrossEntropyLoss"},
    "optimizer": {"type": "Adam", "lr": 1e-3},
    "train": {"epochs": 8, "batch_size": 32, "metrics": ["accuracy"]},
}
PARAMS = {
    "optimizer.lr": {"type": "loguniform", "low": 1e-4, "high": 1e-1},
    "model.layers.0.out_features": {"type": "int", "low": 16, "high": 128, "log": True,
                                    "also": ["model.layers.3.in_features"]},
    "model.layers.2.p": {"type": "uniform", "low": 0.0, "high": 0.5},
}
GRID = {"optimizer.lr": {"num": 3}, "model.layers.0.out_features": {"values": [16, 45, 128]},
        "model.layers.2.p": {"values": [0.1]}}


def train_without_run_folder(config, callbacks, out_dir, fold=None):
    """The standard trial (validate the config, build, train), minus the run folder and
    report each `nnforge tune` trial writes: a notebook has no use for them."""
    return default_train_fn(config, callbacks, None, fold)


def run(strategy, root):
    params = {k: dict(v) for k, v in PARAMS.items()}
    if strategy == "grid":
        for key, extra in GRID.items():
            params[key].update(extra)
    table = {"params": params, "metric": "val_accuracy", "direction": "maximize",
             "strategy": strategy, "trials": 9 if strategy != "grid" else None, "seed": 0}
    start = time.perf_counter()
    study = tune((BASE, TuneConfig.from_dict(table)), workers=1,
                 storage=str(Path(root) / f"{strategy}.journal"), out_dir=root,
                 study_name=strategy, train_fn=train_without_run_folder)
    seconds = time.perf_counter() - start
    trials = study.trials                         # read now: the journal file is temporary
    epochs = sum(t.user_attrs.get("epochs", 0) for t in trials)
    return dict(trials=trials, best_value=study.best_value, best_params=study.best_trial.params,
                epochs=epochs, seconds=seconds)


results = {}
with tempfile.TemporaryDirectory() as root:
    for strategy in ("grid", "random", "hyperband"):
        results[strategy] = run(strategy, root)

print(f"{'strategy':10s} {'trials':>6s} {'best val acc':>12s} {'epochs trained':>15s} {'seconds':>8s}")
for strategy, r in results.items():
    print(f"{strategy:10s} {len(r['trials']):6d} {r['best_value']:12.4f} {r['epochs']:15d} "
          f"{r['seconds']:8.1f}")
print("random search's best trial:", {k: round(v, 4) if isinstance(v, float) else v
                                      for k, v in results["random"]["best_params"].items()})

# %% [markdown]
# ## Successive halving and Hyperband
#
# Most trials are visibly bad after a few epochs. **Successive halving** starts many trials
# on a small budget, keeps the best third (for η = 3), gives them three times the budget,
# and repeats. The risk is killing a slow starter too early, so **Hyperband** runs several
# such brackets, from aggressive (many trials, early cuts) to cautious (few trials, trained
# in full). In the table above, Hyperband reaches a comparable best accuracy after training
# far fewer epochs in total, because the poor trials were stopped early.
#
# The learning curves of the Hyperband study show the pruning: short lines are trials that
# were stopped.

# %%
fig, ax = plt.subplots(figsize=(7, 4))
for trial in results["hyperband"]["trials"]:
    curve = trial.intermediate_values
    if curve:
        steps = sorted(curve)
        ax.plot(steps, [curve[s] for s in steps], "o-", ms=3,
                label=f"trial {trial.number} ({trial.state.name.lower()})")
ax.set_xlabel("epoch")
ax.set_ylabel("validation accuracy")
ax.legend(fontsize=7, ncol=2)
plt.show()

# %% [markdown]
# ## A practical order
#
# 1. Get a baseline working with defaults (Adam, learning rate 10⁻³, He initialization,
#    batch 32 to 128).
# 2. Find the learning rate first, with the LR range test or a log-scale random search;
#    it matters most.
# 3. Random search (or TPE, which models which regions score well) over the rest, with
#    Hyperband pruning to save budget; coarse to fine: search wide, then narrow the ranges
#    around the best trials and search again.
# 4. Retrain the best configuration and evaluate it once on the test set.
#
# From the command line the same searches are `nnforge tune CONFIG.toml`, with the strategy
# in the config's `[tune]` table and `--workers` to run trials in parallel.
#
# ## What to take away
#
# * Grids grow exponentially and waste runs on unimportant hyperparameters; random search
#   covers the important ones better for the same budget.
# * Search learning rates and other scales on a log scale.
# * Stop hopeless trials early (successive halving, Hyperband) and spend the budget on
#   promising ones.
