# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown]
# # Data preparation: scaling, whitening, splits, leakage, augmentation
#
# A network sees numbers, not meanings. Features on wildly different scales make the loss
# surface a narrow valley (see the optimizers tutorial); a validation set that shares
# information with training makes every number we report optimistic; too little data makes
# every model overfit. This tutorial goes through the preparation steps in the order they
# happen: split, scale (or whiten), augment. And it shows how information leaks when the
# order is wrong.

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np

import nnforge as nf
from nnforge import nn, optim
from nnforge.data import (Compose, MinMaxScaler, PCAWhitening, RandomRotation, RandomShift,
                          StandardScaler, StratifiedKFold, ZCAWhitening, expand_dataset,
                          load_digits, load_iris, time_series_split, train_val_test_split)
from nnforge.train import Trainer

# %% [markdown]
# ## Splits first
#
# The test set estimates how the final model does on new data, so it must play no part in any
# decision: not in training, not in choosing hyperparameters, not in computing scaling
# statistics. The validation set is for the decisions. A stratified split keeps each
# class's share the same in every part, which matters for small or unbalanced data sets.

# %%
iris = load_iris()
train_idx, val_idx, test_idx = train_val_test_split(iris.y, fractions=(0.6, 0.2, 0.2), seed=0,
                                                    stratify=True)
for name, idx in (("train", train_idx), ("val", val_idx), ("test", test_idx)):
    print(f"{name:5s} {len(idx):3d} rows, class counts {np.bincount(iris.y[idx])}, role={idx.role!r}")

# %% [markdown]
# With little data, k-fold cross-validation uses every row for validation once: split into k
# folds, train k times, each time validating on a different fold, and average. Time series
# are different: the future must never inform the past, so the split keeps the order and
# validates only on later rows.

# %%
for fold, (tr, va) in enumerate(StratifiedKFold(n_splits=5, shuffle=True, seed=0).split(iris.X, iris.y)):
    print(f"fold {fold}: train {len(tr)}, validate {len(va)}, validation classes {np.bincount(iris.y[va])}")
tr, va, te = time_series_split(100, fractions=(0.6, 0.2, 0.2))
print("time-ordered split: train", tr[[0, -1]], "val", va[[0, -1]], "test", te[[0, -1]])

# %% [markdown]
# ## Scaling
#
# Standardization subtracts each feature's mean and divides by its standard deviation, so
# every feature has mean 0 and variance 1. Min-max scaling maps each feature's observed range
# to [0, 1]. Min-max is *sensitive* to outliers: one extreme value stretches the range and
# squeezes every other value into a corner.

# %%
values = np.array([[1.0], [2.0], [3.0], [4.0], [100.0]])
print("min-max:     ", MinMaxScaler().fit(values).transform(values).ravel().round(3))
print("standardized:", StandardScaler().fit(values).transform(values).ravel().round(3))

# %% [markdown]
# The statistics come from the **training rows only**, and the same numbers are then applied
# to validation and test data, exactly as they will be applied to new data later.

# %%
scaler = StandardScaler().fit(iris.X[train_idx])
X_train = scaler.transform(iris.X[train_idx])
X_val = scaler.transform(iris.X[val_idx])
print("train means", X_train.mean(0).round(3), " val means", X_val.mean(0).round(3))

# %% [markdown]
# ## Leakage, and the guard against it
#
# Fitting the scaler on *all* rows before splitting looks harmless, but the validation and
# test rows then shape the training data's statistics: information about them leaks into
# training, and the reported scores are optimistic. nnforge's split functions remember
# which arrays they split and tag the index arrays they return with their role, so a scaler
# fitted on the wrong rows warns.

# %%
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    StandardScaler().fit(iris.X, rows=val_idx)            # fitted on validation rows
    StandardScaler().fit(iris.X[test_idx])                  # plain array: the guard cannot tell
for w in caught:
    print(f"{w.category.__name__}: {w.message}")
print(f"{len(caught)} warning(s); the second mistake is invisible to the guard")

# %% [markdown]
# The guard reports only what it can see: rows passed with their role, or the whole array
# that was split. A hand-assembled array of validation rows looks like any other array. The
# rule itself is simple: split first, fit preprocessing on the training rows, apply
# everywhere.
#
# ## Whitening
#
# Standardization rescales features one at a time; it leaves their *correlations* alone. The
# 64 pixels of a digit are strongly correlated with their neighbours. Whitening goes further
# and makes the features uncorrelated with unit variance: with the training covariance
# C = U diag(λ) Uᵀ,
#
# * **PCA whitening** rotates onto the principal axes and rescales: z = diag(1/√(λ + ε)) Uᵀ(x − μ);
# * **ZCA whitening** rotates back afterwards: z = U diag(1/√(λ + ε)) Uᵀ(x − μ). Of all
#   whitening transforms it stays closest to the original data, so whitened images still
#   look like images (with edges enhanced).
#
# `PCAWhitening` and `ZCAWhitening` are scalers like the others: `fit` on the training
# rows, `transform` everywhere. The small ε (`eps`) keeps directions of almost no variance
# (pixels that are nearly always blank) from being blown up into noise; the price is that
# those directions are not fully whitened.

# %%
digits = load_digits()
d_train, d_val, d_test = train_val_test_split(digits.y, seed=0, stratify=True)
X = digits.X / 16.0
pca = PCAWhitening(eps=1e-2).fit(X, rows=d_train)
zca = ZCAWhitening(eps=1e-2).fit(X, rows=d_train)
standard = StandardScaler().fit(X, rows=d_train)

varying = X[d_train].std(0) > 0                           # a few border pixels are always 0
kept = pca.explained_variance_ > 1e-8                     # PCA directions with any variance
for name, scaler, columns in (("standardized", standard, varying), ("PCA-whitened", pca, kept),
                              ("ZCA-whitened", zca, varying)):
    Z = scaler.transform(X[d_train])
    R = np.corrcoef(Z[:, columns], rowvar=False)
    off = np.abs(R - np.eye(len(R))).mean()
    print(f"{name:13s} mean |correlation| between different features: {off:.3f}")

# %% [markdown]
# The formulas above, written out in NumPy, give the same numbers; and a whitening fitted on
# validation rows trips the same leakage guard as any other scaler.

# %%
mu = X[d_train].mean(0)
lam, U = np.linalg.eigh(np.cov(X[d_train], rowvar=False, bias=True))
zca_by_hand = (X[d_val] - mu) @ U @ np.diag(1 / np.sqrt(lam + 1e-2)) @ U.T
print(f"largest difference from the NumPy formula: "
      f"{np.abs(zca.transform(X[d_val]) - zca_by_hand).max():.1e} (the digits are float32)")

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    ZCAWhitening(eps=1e-2).fit(X, rows=d_val)
print(f"{caught[0].category.__name__}: {caught[0].message}" if caught else "no warning")

fig, axes = plt.subplots(2, 6, figsize=(9, 3.2))
for i, ax in enumerate(axes[0]):
    ax.imshow(X[d_val][i].reshape(8, 8), cmap="gray")
    ax.set_axis_off()
for i, ax in enumerate(axes[1]):
    ax.imshow(zca.transform(X[d_val][i:i + 1]).reshape(8, 8), cmap="gray")
    ax.set_axis_off()
axes[0][0].set_title("original", fontsize=8, loc="left")
axes[1][0].set_title("ZCA-whitened", fontsize=8, loc="left")
plt.show()

# %% [markdown]
# ## Augmentation
#
# When data are scarce, make more: transformations that do not change the label (a small
# shift or rotation of a digit, a horizontal flip of a shoe, noise, brightness changes)
# produce new training examples. Which transformations are safe depends on the problem: a
# mirrored "2" is no longer a digit and a "6" turned upside down is a "9", so for digits we
# only shift and rotate a little.
# Augmentation applies to training data only; validation and test data stay as they are.

# %%
images = (digits.X / 16.0).reshape(-1, 1, 8, 8).astype(np.float32)
augment = Compose([RandomShift(1), RandomRotation(12)])
sample = images[d_train[:6]]
fig, axes = plt.subplots(4, 6, figsize=(8, 5.5))
for row in range(4):
    shown = sample if row == 0 else augment(sample, generator=row)
    for col in range(6):
        axes[row][col].imshow(shown[col, 0], cmap="gray")
        axes[row][col].set_axis_off()
axes[0][0].set_title("originals", fontsize=8, loc="left")
axes[1][0].set_title("three random augmentations", fontsize=8, loc="left")
plt.show()

# %% [markdown]
# Augmentation can run *online* (a fresh random transformation every time a batch is drawn,
# as above) or *offline*: expand the training set once to k times its size, keeping the
# originals. `expand_dataset` does that: the originals first, then `factor - 1` randomly
# transformed copies, the labels repeated block by block. Here is the offline version, ×5
# with random rotations of up to 12°, and its effect on a small network trained on a
# deliberately small training set of 150 digits.

# %%
small = d_train[:150]
X_small, y_small = images[small], digits.y[small]
X_expanded, y_expanded = expand_dataset(X_small, y_small, RandomRotation(12), factor=5,
                                        generator=1)
print("training set:", X_small.shape, "->", X_expanded.shape,
      "| originals kept:", np.array_equal(X_expanded[:150], X_small),
      "| labels:", np.array_equal(y_expanded, np.tile(y_small, 5)))

val_data = (images[d_val].reshape(len(d_val), -1), digits.y[d_val])


def train_on(Xtr, ytr, epochs):
    nf.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    trainer = Trainer(model, optim.Adam(model.parameters(), lr=2e-3), nn.CrossEntropyLoss(), generator=0)
    history = trainer.fit((Xtr.reshape(len(Xtr), -1), ytr), val_data, epochs=epochs, batch_size=32, verbose=0)
    return max(history["val_accuracy"])


# Same number of updates for both: 5x the data, a fifth of the epochs.
print(f"best val accuracy, 150 originals, 50 epochs:     {train_on(X_small, y_small, 50):.4f}")
print(f"best val accuracy, 750 (x5 augmented), 10 epochs: {train_on(X_expanded, y_expanded, 10):.4f}")

# %% [markdown]
# The gain is small here: on 8×8 images a one-pixel shift is an eighth of the picture, and
# even mild transformations lose much of the little detail there is (shifts alone made the
# result worse when we tried them). Augmentation pays off on larger images, where the
# Fashion-MNIST configs in `examples/` use flips, crops and erasing.

# %% [markdown]
# ## What to take away
#
# * Split first (stratified for classes, in time order for time series); keep the test set
#   for the very end.
# * Fit every statistic (scaling, whitening, vocabulary, imputation) on the training rows and
#   apply it unchanged everywhere else. Fitting on validation or test rows is leakage.
# * Standardize by default; prefer it to min-max when there are outliers; whiten when
#   correlated inputs slow learning down.
# * Augment the training set with label-preserving transformations, online or offline.
