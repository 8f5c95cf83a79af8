# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown]
# # Learning-rate, momentum and batch-size schedules
#
# The learning rate is the single most important hyperparameter. Too small and training
# crawls or stalls; too large and the loss oscillates or diverges. A fixed value is rarely
# best for the whole run: early on, large steps cover ground quickly; later, small steps
# settle into a minimum instead of bouncing around it. A *schedule* changes the rate as
# training proceeds. Momentum and even the batch size can be scheduled too.
#
# This tutorial draws the common schedules, then finds a good learning-rate range with the
# LR range test and feeds it to a cyclical schedule.

# %%
import matplotlib.pyplot as plt
import numpy as np

import nnforge as nf
from nnforge import nn, optim
from nnforge.data import StandardScaler, load_digits, train_val_test_split
from nnforge.diagnose import lr_range_test
from nnforge.optim import BatchSizeSchedule, lr_scheduler as L, noise_scale, schedules
from nnforge.train import Trainer

nf.manual_seed(0);  # the semicolon keeps the notebook from printing the generator

# %% [markdown]
# ## The shapes
#
# `lr_scheduler.preview` builds a scheduler on a throwaway optimizer and reads its curve, so
# these are exactly the values training would use (100 steps, initial rate 0.1).

# %%
shapes = {"StepLR(30)": (L.StepLR, dict(step_size=30)),
          "ExponentialLR(0.97)": (L.ExponentialLR, dict(gamma=0.97)),
          "InverseTimeLR(0.05)": (L.InverseTimeLR, dict(gamma=0.05)),
          "CosineAnnealingLR(100)": (L.CosineAnnealingLR, dict(T_max=100)),
          "warm restarts (10, ×2)": (L.CosineAnnealingWarmRestarts, dict(T_0=10, T_mult=2)),
          "OneCycleLR": (L.OneCycleLR, dict(max_lr=0.1, total_steps=100)),
          "CyclicLR triangular": (L.CyclicLR, dict(base_lr=0.01, max_lr=0.1, step_size_up=10)),
          "CyclicLR triangular2": (L.CyclicLR, dict(base_lr=0.01, max_lr=0.1, step_size_up=10,
                                                    mode="triangular2"))}
fig, axes = plt.subplots(2, 4, figsize=(14, 5), sharex=True)
for ax, (title, (cls, kw)) in zip(axes.ravel(), shapes.items()):
    curves = L.preview(cls, 100, lr=0.1, **kw)
    ax.plot(curves["lr"])
    if "momentum" in curves:
        ax.twinx().plot(curves["momentum"], color="tab:orange", ls="--")
    ax.set_title(title, fontsize=9)
fig.tight_layout()
plt.show()

# %% [markdown]
# Step decay divides the rate at fixed epochs; exponential and inverse-time decay shrink it
# smoothly (α₀ γᵗ and α₀ / (1 + γt)); cosine annealing follows half a cosine to zero, and
# its warm-restart variant starts over with longer and longer periods. The cyclical
# schedules (dashed orange: the momentum) move the rate *up and down* between two bounds:
# the periodic large steps help leave sharp regions, and the small steps exploit what was
# found. While the rate goes up, momentum goes down, and vice versa, so that the effective
# step stays controlled.
#
# Momentum itself can be ramped, for example from 0.5 to 0.9 over the first epochs, so that
# the velocity does not build up while the gradients are still large and erratic.

# %%
ramp = schedules.linear_ramp(0.5, 0.9, 20)
print("momentum ramp, steps 0, 5, 10, 20, 50:", [round(ramp(t), 3) for t in (0, 5, 10, 20, 50)])

# %% [markdown]
# ## Batch size as a schedule
#
# The noise in stochastic gradient descent has a scale of about g = α/(1 − μ) · (N/B − 1)
# for learning rate α, momentum μ, training-set size N and batch size B. Dividing α by 5 and
# multiplying B by 5 shrink the noise by about the same factor (while B is much smaller
# than N), so *growing the batch* can replace
# *decaying the rate*, and with larger batches there are fewer updates per epoch.

# %%
sizes = BatchSizeSchedule(32, milestones=[10, 20], factor=5, max_batch_size=1024)
for epoch in (0, 10, 20):
    b = sizes.batch_size(epoch)
    print(f"epoch {epoch:2d}: batch {b:4d}, noise scale {noise_scale(0.05, 1078, b, momentum=0.9):8.1f}")
print("LR decay instead, epoch 20: noise scale", round(noise_scale(0.05 / 25, 1078, 32, momentum=0.9), 1))

# %% [markdown]
# ## The LR range test
#
# How do we pick the bounds of a cyclical schedule, or a learning rate at all? The LR range
# test trains for a short while with a learning rate that grows at every step, from tiny to
# huge, and records the loss. At first nothing happens (the rate is too small); then the
# loss falls, faster and faster; finally the steps become too large and it shoots up.
# The useful range is the falling part.

# %%
digits = load_digits()
train_idx, val_idx, test_idx = train_val_test_split(digits.y, seed=0, stratify=True)
scaler = StandardScaler().fit(digits.X[train_idx])
X_train, y_train = scaler.transform(digits.X[train_idx]), digits.y[train_idx]
X_val, y_val = scaler.transform(digits.X[val_idx]), digits.y[val_idx]


def make_model():
    nf.manual_seed(0)
    return nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))


model = make_model()
finder = lr_range_test(model, optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                       nn.CrossEntropyLoss(), X_train, y_train, start_lr=1e-4, end_lr=10.0,
                       num_steps=100, batch_size=32)
fig, ax = plt.subplots(figsize=(7, 4))
finder.plot(ax=ax)
plt.show()
print(f"steepest descent at lr {finder.steepest_lr:.3g}; lowest loss at lr {finder.min_loss_lr:.3g}; "
      f"suggested {finder.suggested_lr:.3g}")
print(f"cyclic bounds: base_lr {finder.base_lr:.3g}, max_lr {finder.max_lr:.3g}")

# %% [markdown]
# For a single fixed rate, `suggested_lr` is a point on the steep part of the curve. For a
# cyclical schedule, Smith's recipe reads two numbers off it, and the result carries both
# (the shaded band): **base_lr** where the loss starts to fall (a tenth of the total drop
# done) and **max_lr** where it stops falling, before it turns up (nine tenths of the drop
# done, counted on a log scale of the loss).
#
# The exponential sweep above gives every decade the same number of steps, which is the
# right first look when we have no idea of the scale. Smith's original test sweeps
# *linearly* between two rates instead. Once we know the scale, a linear sweep up to about
# where the exponential test diverged spends its steps where the decision is made and
# reads the bounds with more resolution there.

# %%
linear = lr_range_test(model, optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                       nn.CrossEntropyLoss(), X_train, y_train, start_lr=1e-3, end_lr=1.0,
                       num_steps=100, batch_size=32, mode="linear")
fig, ax = plt.subplots(figsize=(7, 4))
linear.plot(ax=ax)
plt.show()
print(f"linear sweep: base_lr {linear.base_lr:.3g}, max_lr {linear.max_lr:.3g} "
      f"(exponential sweep: {finder.base_lr:.3g}, {finder.max_lr:.3g})")

# %% [markdown]
# ## Fixed rate against the cyclical schedule
#
# Train the same model for 12 epochs from the same weights: once with a fixed rate equal
# to the exponential test's base_lr, then with `CyclicLR` in the triangular2 mode (each
# cycle has half the amplitude of the previous one), half a cycle every 2 epochs, between
# the bounds of each test.

# %%
steps_per_epoch = int(np.ceil(len(X_train) / 32))


def train(base_lr, max_lr=None):
    """12 epochs of SGD with momentum; cyclical between the bounds when max_lr is given."""
    model = make_model()
    opt = optim.SGD(model.parameters(), lr=base_lr, momentum=0.9)
    scheduler = None
    if max_lr is not None:
        scheduler = L.CyclicLR(opt, base_lr=base_lr, max_lr=max_lr,
                               step_size_up=2 * steps_per_epoch, mode="triangular2",
                               cycle_momentum=True, base_momentum=0.85, max_momentum=0.95)
    trainer = Trainer(model, opt, nn.CrossEntropyLoss(), scheduler=scheduler, generator=0)
    return trainer.fit((X_train, y_train), (X_val, y_val), epochs=12, batch_size=32, verbose=0)


histories = {"fixed lr (base_lr)": train(finder.base_lr),
             "CyclicLR, exponential test's bounds": train(finder.base_lr, finder.max_lr),
             "CyclicLR, linear test's bounds": train(linear.base_lr, linear.max_lr)}
fig, ax = plt.subplots(figsize=(7, 4))
fixed_final = histories["fixed lr (base_lr)"]["val_loss"][-1]
for name, h in histories.items():
    ax.plot(range(1, 13), h["val_loss"], "o-", label=name)
    best = int(np.argmin(h["val_loss"]))
    below = np.flatnonzero(np.asarray(h["val_loss"]) <= fixed_final)
    reached = f"epoch {below[0] + 1}" if below.size else "never"
    print(f"{name:36s} best val loss {h['val_loss'][best]:.4f} at epoch {best + 1}, "
          f"final val accuracy {h['val_accuracy'][-1]:.4f}, "
          f"at or below the fixed rate's final loss: {reached}")
ax.set_xlabel("epoch")
ax.set_ylabel("validation loss")
ax.set_yscale("log")
ax.legend()
plt.show()

# %% [markdown]
# With the exponential test's bounds, the cyclical schedule spends part of its time at
# rates many times larger than the fixed one, so it gets to a lower validation loss in
# fewer epochs. The linear test's bounds sit higher, and training for whole epochs at its
# max_lr is too much: the loss jumps up and never recovers. A range test lasts a hundred
# steps, and a rate that the loss survives for a few steps on the way up can still be too
# large to train at for long; the bottom of the band matters as much as the top, because
# the small steps are where the progress made at the large ones is kept. When in doubt,
# take max_lr a little lower than the test says. On the much larger image
# benchmarks where the method was introduced, the triangular schedule matched the fixed
# rate's final accuracy in about a third of the iterations; on a problem this small the
# effect shows up as faster progress in the first epochs rather than a better end point.
#
# ## What to take away
#
# * Decay the learning rate as training proceeds, in steps or smoothly; or cycle it.
# * Momentum can be ramped up, and growing the batch size can stand in for decaying the rate.
# * The LR range test finds the usable range in one short run: use it before any long
#   training, and read both bounds of a cyclical schedule off its curve.
