# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown]
# # Debugging training with `nnforge doctor`, and the common mistakes
#
# A network with a bug rarely crashes. It trains, the loss goes down a little, and the
# accuracy is disappointing. The bug might be in the data, the labels, the output layer,
# the loss, the gradients or the learning rate, and the symptoms all look alike. The remedy
# is a fixed list of cheap sanity checks, run *before* any long training, each one ruling out
# one family of bugs:
#
# 1. the data are finite, scaled, and the classes are what we think;
# 2. the labels fit the loss and the output layer;
# 3. the loss at initialization is what chance predicts (ln C for C balanced classes);
# 4. the analytic gradients match numerical ones, and they reach every layer;
# 5. the model can drive the loss to zero on a handful of examples (if it cannot overfit
#    four examples, it cannot learn anything);
# 6. the learning rate lies in the range where the loss actually falls.
#
# `nnforge doctor` runs exactly these checks on a config.

# %%
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

import nnforge as nf
from nnforge import nn, optim
from nnforge.data import StandardScaler, load_digits, train_test_split
from nnforge.diagnose import Patient, check_eval_mode, run_checks

# %% [markdown]
# ## The doctor on a healthy config
#
# A config file for an MLP on the digits, as `nnforge train` would read it:

# %%
CONFIG = """
name = "doctor-demo"
seed = 0

[data]
dataset = "digits"
split = [0.6, 0.2, 0.2]
stratify = true
scaler = "standard"

[model]
layers = [
    { type = "Linear", in_features = 64, out_features = 64 },
    { type = "ReLU" },
    { type = "Linear", in_features = 64, out_features = 10 },
]

[loss]
type = "CrossEntropyLoss"

[optimizer]
type = "Adam"
lr = 1e-3

[train]
epochs = 10
batch_size = 32
"""
folder = Path(tempfile.mkdtemp())
(folder / "digits.toml").write_text(CONFIG)
done = subprocess.run([sys.executable, "-m", "nnforge", "doctor", str(folder / "digits.toml")],
                      capture_output=True, text=True, env=dict(os.environ))
print(done.stdout or done.stderr)

# %% [markdown]
# Every line is one check: PASS, WARN or FAIL, with the numbers it measured and, when it is not
# a pass, a line saying how to fix it.
#
# ## The same checks from Python, on broken setups
#
# The checks examine a `Patient`: a model, a loss function, an optimizer and the training
# arrays. Let us plant one classic bug at a time and see which check catches it.

# %%
digits = load_digits()
train_idx, _ = train_test_split(digits.y, test_size=0.3, seed=0, stratify=True)
X_raw, y = digits.X[train_idx], digits.y[train_idx]
X = StandardScaler().fit(X_raw).transform(X_raw)


def mlp(last=None):
    nf.manual_seed(0)
    layers = [nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)]
    return nn.Sequential(*(layers + ([last] if last else [])))


def examine(title, model, X, y, lr=1e-3, loss_fn=None, checks=None):
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    patient = Patient(model, loss_fn, optim.Adam(model.parameters(), lr=lr), X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # the checks report these problems themselves
        results = run_checks(patient, checks)
    print(f"--- {title}")
    for r in results:
        print(r.line())


examine("unscaled pixel counts (0..16)", mlp(), X_raw, y, checks=["scale", "initial-loss"])

# %% [markdown]
# Raw inputs up to 16 make the initial logits large, so the first loss is well above
# ln 10 ≈ 2.30: the network is confidently wrong before it has learned anything, and the
# large inputs make the loss surface badly conditioned.

# %%
examine("softmax before CrossEntropyLoss", mlp(nn.Softmax(dim=1)), X, y,
        checks=["output", "initial-loss"])

# %% [markdown]
# `CrossEntropyLoss` applies log-softmax itself and expects raw scores (logits). An extra
# softmax squashes them into [0, 1], the gradients become tiny, and training crawls.

# %%
examine("labels from 1 to 10 instead of 0 to 9", mlp(), X, y + 1, checks=["labels"])

# %%
examine("learning rate 10 instead of 0.001", mlp(), X, y, lr=10.0,
        checks=["overfit-4", "lr-range"])

# %% [markdown]
# Surprisingly, the four examples are still memorized: Adam's step size is bounded by the
# learning rate rather than by the gradient, and on four examples even huge steps happen to
# land somewhere that fits them. With plain SGD this check would fail too. The LR range
# test is the check that catches it, and it says where the usable range is.
#
# ## Mistakes the checks cannot see, and how to avoid them
#
# Some mistakes live in the training loop, not in the setup.
#
# **Forgetting `optimizer.zero_grad()`.** Gradients accumulate across `backward()` calls by
# design (that is how gradient accumulation over micro-batches works). Without zeroing,
# every step uses the sum of all gradients so far:

# %%
model = mlp()
loss_fn = nn.CrossEntropyLoss()
xb, yb = nf.tensor(X[:32]), y[:32]
for step in range(3):
    loss_fn(model(xb), yb).backward()                     # no zero_grad() here
    print(f"after backward {step + 1}: gradient norm {np.linalg.norm(model[0].weight.grad.numpy()):.4f}")

# %% [markdown]
# **Evaluating in training mode.** Dropout and batch normalization behave differently in
# training and in evaluation. Forgetting `model.eval()` before measuring validation or test
# accuracy gives noisy, pessimistic numbers. `check_eval_mode` lists the layers still in
# training mode:

# %%
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 10))
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    print("still in training mode:", check_eval_mode(model))
model.eval()
print("after model.eval():", check_eval_mode(model, warn=False))

# %% [markdown]
# The Trainer switches modes for you and also watches a run for a few mistakes as it
# happens (exploding gradients, dead ReLUs, targets laid out for the wrong loss) and warns
# once with a code you can look up on the [errors page](../../errors/).
#
# ## A checklist
#
# * Look at the data: shapes, ranges, class balance, a few examples with their labels.
# * Check the loss at initialization against ln C.
# * Overfit a handful of examples; then one batch; only then the full data.
# * Find the learning rate with a range test instead of guessing.
# * Zero the gradients every step; call `model.eval()` before evaluating.
# * Fit preprocessing on the training rows only (see the data tutorial).
# * Change one thing at a time, and keep the seed fixed while comparing.
#
# ## What to take away
#
# * Silent bugs look like bad hyperparameters; rule them out first with cheap checks.
# * `nnforge doctor CONFIG.toml` runs the standard checks in a few seconds;
#   `nnforge.diagnose.run_checks` does the same from Python.
