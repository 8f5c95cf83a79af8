# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown]
# # Gradient descent and the optimizers on loss surfaces
#
# Gradient descent repeats one move: step against the gradient, w ← w − α ∇L(w). Everything
# else (momentum, Nesterov, Adagrad, RMSprop, Adam) changes *how far* and *in which exact
# direction* to step, using the history of past gradients.
#
# A 2-D surface makes the differences visible. nnforge's optimizer playground minimizes
# functions written with Tensor operations using the very optimizer classes that train
# networks: the point (x₁, x₂) is a parameter, and the loop is the ordinary
# `zero_grad()`, `backward()`, `step()`.

# %%
import matplotlib.pyplot as plt
import numpy as np

import nnforge as nf
from nnforge import nn, optim
from nnforge.data import StandardScaler, load_digits, train_test_split
from nnforge.diagnose.playground import (SURFACES, Surface, hessian, plot_trajectories,
                                         run_optimizer)

nf.manual_seed(0);  # the semicolon keeps the notebook from printing the generator

# %% [markdown]
# ## A narrow valley
#
# f(x) = 0.5 x₁² + 25 x₂² is fifty times steeper across the valley than along it. A learning
# rate small enough not to diverge across the valley is tiny along it, so plain gradient
# descent zig-zags and crawls. Momentum accumulates the consistent along-valley component
# and damps the oscillating one; Adam and RMSprop divide each coordinate by its own recent
# gradient size, which evens out the two directions.

# %%
runs = {"SGD lr 0.035": (optim.SGD, dict(lr=0.035)),
        "SGD momentum 0.9": (optim.SGD, dict(lr=0.01, momentum=0.9)),
        "RMSprop lr 0.1": (optim.RMSprop, dict(lr=0.1)),
        "Adam lr 0.3": (optim.Adam, dict(lr=0.3))}
paths = {name: run_optimizer(cls, "valley", steps=100, **kw) for name, (cls, kw) in runs.items()}
fig, ax = plt.subplots(figsize=(8, 4))
plot_trajectories("valley", paths, ax=ax)
plt.show()
for name, path in paths.items():
    print(f"{name:18s} distance to the minimum after 100 steps: {np.linalg.norm(path[-1]):.2e}")

# %% [markdown]
# ## A saddle point
#
# f(x) = x₁⁴ − 2x₁² + x₂² has a saddle at the origin (its Hessian there has eigenvalues −4
# and 2: a minimum along x₂, a maximum along x₁) and two minima at (±1, 0). Started exactly
# on the x₂-axis, the gradient never gets an x₁ component and gradient descent settles on
# the saddle, where the gradient is zero. A nudge of 0.01 is enough to escape.

# %%
print("Hessian eigenvalues at the origin:", np.linalg.eigvalsh(hessian("saddle", (0.0, 0.0))).round(3))
paths = {"SGD from (0, 1.5)": run_optimizer(optim.SGD, "saddle", start=(0.0, 1.5), steps=150, lr=0.05),
         "SGD from (0.01, 1.5)": run_optimizer(optim.SGD, "saddle", start=(0.01, 1.5), steps=150, lr=0.05),
         "Adam from (0.01, 1.5)": run_optimizer(optim.Adam, "saddle", start=(0.01, 1.5), steps=150, lr=0.05)}
fig, ax = plt.subplots(figsize=(6, 4.5))
plot_trajectories("saddle", paths, ax=ax)
plt.show()
for name, path in paths.items():
    print(f"{name:22s} ends at ({path[-1][0]: .3f}, {path[-1][1]: .3f})")

# %% [markdown]
# In high dimensions saddle points are far more common than local minima, and the noise of
# mini-batch gradients supplies the nudge for free.
#
# ## No guarantee of the global minimum
#
# Gradient descent follows the slope downhill from where it starts; it has no way to know
# that a deeper valley exists elsewhere. Here is a surface with two basins:
# f(x) = (x₁² − 1)² + 0.3 x₁ + 0.5 x₂². The left minimum (x₁ ≈ −1.04, f ≈ −0.31) is the
# global one; the right one (x₁ ≈ 0.96, f ≈ 0.29) is a poor local minimum.

# %%
def two_basins(x):
    x1, x2 = x[0], x[1]
    return (x1 * x1 - 1.0) ** 2 + 0.3 * x1 + 0.5 * (x2 * x2)


basins = Surface("two basins (x1² − 1)² + 0.3 x1 + 0.5 x2²", two_basins,
                 minima=((-1.0356, 0.0), (0.9601, 0.0)), start=(1.6, 1.0), box=(-2, 2, -1.5, 1.5))
runs = {"SGD": (optim.SGD, dict(lr=0.02)),
        "SGD Nesterov 0.9": (optim.SGD, dict(lr=0.02, momentum=0.9, nesterov=True)),
        "SGD momentum 0.9": (optim.SGD, dict(lr=0.02, momentum=0.9)),
        "RMSprop": (optim.RMSprop, dict(lr=0.05)),
        "Adam": (optim.Adam, dict(lr=0.1))}
paths = {name: run_optimizer(cls, basins, steps=300, **kw) for name, (cls, kw) in runs.items()}
fig, ax = plt.subplots(figsize=(7, 4.5))
plot_trajectories(basins, paths, ax=ax)
plt.show()
for name, path in paths.items():
    end = path[-1]
    value = two_basins(nf.tensor(end)).item()
    print(f"{name:18s} ends at x1 = {end[0]: .3f}, f = {value: .3f}",
          "(global)" if end[0] < 0 else "(poor local minimum)")

# %% [markdown]
# From this start, almost every optimizer stops in the poor local minimum. Heavy-ball
# momentum happens to carry enough speed to roll over the ridge, but that is luck of the
# start and the settings, not a guarantee. The honest remedy is to try several starting
# points (random restarts), which in a network means several seeds:

# %%
starts = np.random.default_rng(0).uniform([-2, -1.5], [2, 1.5], size=(20, 2))
ends = [run_optimizer(optim.SGD, basins, start=s, steps=300, lr=0.02)[-1][0] for s in starts]
print(f"plain SGD from 20 random starts: {np.sum(np.array(ends) < 0)} reach the global minimum")

# %% [markdown]
# In large networks the picture is kinder than this toy suggests: most local minima that
# training finds have a loss close to the global one. But "close" is an empirical
# observation, not a theorem.
#
# ## The same optimizers training a network
#
# Finally, the optimizers on a real problem: a small MLP on the 8×8 digits, from the same
# initial weights and the same batch order. Adaptive methods and momentum usually bring the
# training loss down much faster than plain SGD at a comparable learning rate.

# %%
digits = load_digits()
train_idx, test_idx = train_test_split(digits.y, test_size=0.3, seed=0, stratify=True)
scaler = StandardScaler().fit(digits.X[train_idx])
X_train = scaler.transform(digits.X[train_idx]).astype(np.float32)
y_train = digits.y[train_idx]

settings = {"SGD": (optim.SGD, dict(lr=0.05)),
            "SGD momentum": (optim.SGD, dict(lr=0.05, momentum=0.9)),
            "Adagrad": (optim.Adagrad, dict(lr=0.05)),
            "RMSprop": (optim.RMSprop, dict(lr=1e-3)),
            "Adam": (optim.Adam, dict(lr=1e-3))}
fig, ax = plt.subplots(figsize=(7, 4))
for name, (cls, kw) in settings.items():
    nf.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = cls(model.parameters(), **kw)
    loss_fn = nn.CrossEntropyLoss()
    order_rng = np.random.default_rng(0)
    curve = []
    for epoch in range(8):
        order = order_rng.permutation(len(X_train))
        for start in range(0, len(order), 32):
            batch = order[start:start + 32]
            opt.zero_grad()
            loss = loss_fn(model(nf.tensor(X_train[batch])), y_train[batch])
            loss.backward()
            opt.step()
            curve.append(loss.item())
    smooth = np.convolve(curve, np.ones(10) / 10, mode="valid")
    ax.plot(smooth, label=name)
    print(f"{name:14s} mean loss over the last epoch: {np.mean(curve[-len(curve) // 8:]):.4f}")
ax.set_xlabel("update")
ax.set_ylabel("training loss (moving average of 10)")
ax.set_yscale("log")
ax.legend()
plt.show()

# %% [markdown]
# ## What to take away
#
# * Plain gradient descent struggles with ill-conditioned valleys; momentum and per-coordinate
#   scaling (RMSprop, Adam) fix much of that.
# * A zero gradient may be a saddle, not a minimum; a little noise escapes it.
# * Gradient descent finds *a* minimum near where it starts, not necessarily the best one.
# * On real networks, Adam with its default learning rate 10⁻³ is a robust first choice;
#   well-tuned SGD with momentum often generalizes as well or better.
