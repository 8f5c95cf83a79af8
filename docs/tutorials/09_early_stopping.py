# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown]
# # Early stopping with Prechelt's criteria
#
# Train a flexible model long enough and it starts to fit the noise in its training data:
# the training error keeps falling while the validation error turns upwards. Early stopping
# watches the validation error during training and keeps the weights from the epoch where it
# was lowest. It is the simplest regularizer and almost free.
#
# The hard part is *when* to stop. Validation curves are noisy and have many local minima;
# stopping at the first rise can be far too early, waiting forever is too late. Prechelt
# studied three families of stopping rules, and Keras popularized a fourth (patience).

# %%
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np

import nnforge as nf
from nnforge import nn, optim
from nnforge.data import StandardScaler, load_digits, train_val_test_split
from nnforge.train import (EarlyStopping, ThresholdStopping, TimeStopping, Trainer,
                           generalization_loss, training_progress)

# %% [markdown]
# ## A run that overfits
#
# A small MLP learns a fifth of the digits data set whose training labels have been made 20 %
# wrong at random. For the first few epochs it learns the real patterns; after that the only
# way to lower the training loss further is to memorize the wrong labels, and the validation
# loss climbs. We train once, for the full 60 epochs, and record everything.

# %%
digits = load_digits()
train_idx, val_idx, test_idx = train_val_test_split(digits.y, fractions=(0.2, 0.4, 0.4), seed=0,
                                                    stratify=True)
rng = np.random.default_rng(0)
y_noisy = digits.y[train_idx].copy()
flip = rng.random(len(y_noisy)) < 0.2
y_noisy[flip] = rng.integers(0, 10, flip.sum())
scaler = StandardScaler().fit(digits.X[train_idx])
train = (scaler.transform(digits.X[train_idx]), y_noisy)
val = (scaler.transform(digits.X[val_idx]), digits.y[val_idx])
test = (scaler.transform(digits.X[test_idx]), digits.y[test_idx])


def make_model():
    nf.manual_seed(0)
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))


model = make_model()
trainer = Trainer(model, optim.Adam(model.parameters(), lr=3e-3), nn.CrossEntropyLoss(), generator=0)
history = trainer.fit(train, val, epochs=60, batch_size=32, verbose=0)
best_epoch, best_val = history.best("val_loss")
print(f"lowest validation loss {best_val:.4f} at epoch {best_epoch}; "
      f"at the end (epoch 60) {history['val_loss'][-1]:.4f}")

# %% [markdown]
# ## The three criteria
#
# Write E_va(t) for the validation error after epoch t and E_opt(t) for the lowest value up
# to t.
#
# **GL, generalization loss.** GL(t) = 100 · (E_va(t) / E_opt(t) − 1), the percentage by
# which the current validation error exceeds the best so far. Stop as soon as GL > α.
#
# **PQ, progress quotient.** While the training error still falls fast, a rise in validation
# error may be temporary. Look at the training error over *strips* of k epochs (Prechelt
# used k = 5) and measure progress in per mille:
# P_k(t) = 1000 · (mean of the strip / minimum of the strip − 1). Progress is large early
# and near zero once training has converged. Stop when GL(t) / P_k(t) > α, checked at the
# end of each strip.
#
# **UP, successive increases.** Stop when the validation error at the end of a strip is
# higher than at the end of the previous strip, s strips in a row.
#
# **Patience** (Keras): stop after p epochs in a row without a new best.
#
# The library computes the GL and progress numbers with two small functions:

# %%
val_loss = np.asarray(history["val_loss"])
train_loss = np.asarray(history["loss"])
for t in (5, 10, 20, 40):
    gl = generalization_loss(val_loss[t - 1], val_loss[:t].min())
    pk = training_progress(train_loss[t - 5:t])
    print(f"epoch {t:2d}: GL = {gl:6.2f} %,  P_5 = {pk:7.2f} per mille,  GL/P = {gl / pk:.3f}")

# %% [markdown]
# ## Where each rule would stop
#
# Now replay the recorded epochs through the library's `EarlyStopping` callback, one per
# rule, making exactly the calls the Trainer makes at the end of each epoch. This shows where
# each would have stopped on the *same* curve.

# %%
rules = {"GL, α = 5": dict(criterion="GL", alpha=5.0),
         "GL, α = 20": dict(criterion="GL", alpha=20.0),
         "PQ, α = 0.05": dict(criterion="PQ", alpha=0.05, strip=5),
         "UP, s = 2": dict(criterion="UP", s=2, strip=5),
         "patience 10": dict(criterion="patience", patience=10)}


def replay(rows, **kwargs):
    fake_trainer = SimpleNamespace(stop_training=False, stop_reason=None, model=None)
    callback = EarlyStopping(monitor="val_loss", restore_best_weights=False, **kwargs)
    callback.set_trainer(fake_trainer)
    callback.on_train_begin({})
    for epoch, logs in enumerate(rows):
        callback.on_epoch_end(epoch, dict(logs))
        if fake_trainer.stop_training:
            return epoch + 1
    return None


epochs = np.arange(1, len(history) + 1)
fig, ax = plt.subplots(figsize=(9, 4.5))
ax.plot(epochs, train_loss, label="training loss (noisy labels)")
ax.plot(epochs, val_loss, label="validation loss")
for i, (label, kwargs) in enumerate(rules.items()):
    stop = replay(history.rows, **kwargs)
    if stop:
        ax.axvline(stop, color=f"C{i + 2}", ls="--", label=f"{label}: stops after {stop}")
        print(f"{label:12s} stops after epoch {stop:2d}; validation loss there "
              f"{val_loss[stop - 1]:.4f}, best so far {val_loss[:stop].min():.4f}")
    else:
        print(f"{label:12s} never fires in 60 epochs")
ax.axvline(best_epoch, color="k", lw=0.8, label=f"best epoch {best_epoch}")
ax.set_xlabel("epoch")
ax.set_ylabel("loss")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# The eager rules (GL with a small α) stop soon after the minimum; the patient ones (large α,
# UP with several strips, long patience) train longer in the hope of a later, lower minimum.
# Prechelt's large study found the same trade-off: the slower criteria gave about 4 % better
# generalization on average, for about four times the training time. On a real, bumpy
# validation curve the later stop can be worth it; here, the first minimum was the best.
#
# The thresholds depend on the error measure. Prechelt's α values were tuned for squared
# error; with the cross-entropy loss used here the training error keeps a large progress
# value P for a long time, so PQ needs a much smaller α than his 0.5 to 3 to fire at all.
#
# Whichever rule stops training, the weights to keep are those of the **best** epoch, not of
# the last one. nnforge's `EarlyStopping` restores them at the end whether or not the rule
# fired.
#
# ## In practice
#
# Pass the callback to the Trainer:

# %%
model = make_model()
stopper = EarlyStopping(monitor="val_loss", criterion="GL", alpha=5.0)
trainer = Trainer(model, optim.Adam(model.parameters(), lr=3e-3), nn.CrossEntropyLoss(),
                  callbacks=[stopper], generator=0)
history = trainer.fit(train, val, epochs=60, batch_size=32, verbose=0)
print(f"trained {len(history)} epochs; stopped at {stopper.stopped_epoch}, "
      f"restored epoch {stopper.best_epoch}")
print("test accuracy with the restored weights:", trainer.evaluate(test)["accuracy"])

# %% [markdown]
# Two more stopping conditions are common in practice: a **training-error threshold** (stop
# once the training error is low enough), the classic loop condition of batch gradient
# descent, and a **time budget** (stop after a given number of seconds). `ThresholdStopping`
# watches any logged quantity; here the training accuracy, which on these noisy labels
# cannot go much past 80 % without memorizing wrong ones.

# %%
model = make_model()
enough = ThresholdStopping(monitor="accuracy", threshold=0.8)
trainer = Trainer(model, optim.Adam(model.parameters(), lr=3e-3), nn.CrossEntropyLoss(),
                  callbacks=[enough], generator=0)
history = trainer.fit(train, val, epochs=60, batch_size=32, verbose=0)
print(f"training accuracy {enough.value:.3f} reached at epoch {enough.stopped_epoch}; "
      f"validation accuracy there {history['val_accuracy'][-1]:.3f}")

# %% [markdown]
# `TimeStopping` ends the run once its budget is spent; with `predict_next=True` it also
# stops when the next epoch, as long as the longest so far, would overrun the budget.
# Here a quarter of a second for a run of 60 epochs. (The epoch it stops at depends on the
# machine's speed, so this cell's numbers vary from build to build.) Callbacks combine:
# `callbacks=[EarlyStopping(...), TimeStopping(...)]` stops at whichever fires first.

# %%
model = make_model()
budget = TimeStopping(seconds=0.25, predict_next=True)
trainer = Trainer(model, optim.Adam(model.parameters(), lr=3e-3), nn.CrossEntropyLoss(),
                  callbacks=[budget], generator=0)
history = trainer.fit(train, val, epochs=60, batch_size=32, verbose=0)
print(f"trained {len(history)} of 60 epochs in {budget.elapsed:.2f} s "
      f"(stopped by the budget: {budget.stopped_epoch is not None})")

# %% [markdown]
#
# ## What to take away
#
# * Stop on the validation error, keep the best epoch's weights.
# * GL stops when the validation error is α % above its best; PQ weighs that against the
#   remaining training progress; UP waits for several successive increases.
# * Eager rules save time, patient rules find slightly better minima; choose by budget.
