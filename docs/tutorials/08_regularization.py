# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown]
# # Regularization and dropout
#
# A network with enough parameters can memorize its training set: the training loss goes to
# zero while the error on new data stops improving or gets worse. Regularization is
# everything we do to make the *simpler* explanation of the data more attractive than the
# memorized one. This tutorial covers weight penalties (L2 and L1), dropout, and the
# max-norm constraint that is often paired with dropout.

# %%
import matplotlib.pyplot as plt
import numpy as np

import nnforge as nf
from nnforge import nn, optim
from nnforge.data import StandardScaler, load_digits, train_val_test_split
from nnforge.optim import l1_penalty, l2_penalty, regularized_param_groups
from nnforge.train import Callback, Trainer

nf.manual_seed(0);  # the semicolon keeps the notebook from printing the generator

# %% [markdown]
# ## L2 and L1 penalties
#
# An L2 penalty adds λ Σ w² to the loss; an L1 penalty adds λ Σ |w|. Both pull weights
# towards zero, but differently. Consider two weight vectors with the same sum:
# W₁ = (0, 0.55, 0.45, 0, 0), concentrated on two inputs, and W₂ = (0.15, 0.25, 0.25, 0.15,
# 0.2), spread over all five.

# %%
W1 = nf.tensor([0.0, 0.55, 0.45, 0.0, 0.0], dtype=nf.float64)
W2 = nf.tensor([0.15, 0.25, 0.25, 0.15, 0.2], dtype=nf.float64)
for name, w in (("W1", W1), ("W2", W2)):
    print(f"{name}: L1 = {l1_penalty([w]).item():.4f}, L2 = {l2_penalty([w]).item():.4f}")

# %% [markdown]
# The L1 penalty cannot tell them apart (both 1.0); the L2 penalty clearly prefers the
# spread-out W₂ (0.21 against 0.505). L2 dislikes large individual weights, so it shares
# the load. L1's preference for *sparse* weights comes from its gradient instead: λ·sign(w)
# has the same size however small w is, so it pushes small weights all the way to zero,
# while L2's gradient 2λw fades as w shrinks.
#
# Biases are not penalized: shrinking an intercept does not make the model simpler.
# `regularized_param_groups` puts weights and biases in separate optimizer groups.
#
# ## An over-sized network on a small training set
#
# To see regularization at work we need overfitting: 180 training digits and a network with
# two hidden layers of 256 units (about 84,000 parameters, over 400 per example).

# %%
digits = load_digits()
train_idx, val_idx, _ = train_val_test_split(digits.y, fractions=(0.1, 0.4, 0.5), seed=0,
                                             stratify=True)
scaler = StandardScaler().fit(digits.X[train_idx])
train = (scaler.transform(digits.X[train_idx]), digits.y[train_idx])
val = (scaler.transform(digits.X[val_idx]), digits.y[val_idx])
print("training examples:", len(train_idx), " validation examples:", len(val_idx))


def make_model(p_in=0.0, p_hidden=0.0):
    nf.manual_seed(0)
    return nn.Sequential(nn.Dropout(p_in), nn.Linear(64, 256), nn.ReLU(), nn.Dropout(p_hidden),
                         nn.Linear(256, 256), nn.ReLU(), nn.Dropout(p_hidden),
                         nn.Linear(256, 10))


print(f"parameters: {make_model().num_parameters():,}, about "
      f"{make_model().num_parameters() // len(train_idx)} per training example")


class MaxNorm(Callback):
    """After every update, rescale each unit's incoming weight vector to norm <= c."""

    def __init__(self, c=3.0):
        self.c = c

    def on_batch_end(self, batch, logs=None):
        for m in self.trainer.model.modules():
            if isinstance(m, nn.Linear):
                with nf.no_grad():        # a constraint on the weights, not part of the graph
                    norms = (m.weight ** 2).sum(dim=1, keepdim=True).sqrt()
                    m.weight.mul_((self.c / norms.clamp(min=1e-12)).clamp(max=1.0))


def fit(model, weight_decay=0.0, l1=0.0, callbacks=(), epochs=60):
    groups = regularized_param_groups(model, weight_decay=weight_decay, l1=l1)
    trainer = Trainer(model, optim.SGD(groups, lr=0.02, momentum=0.9), nn.CrossEntropyLoss(),
                      callbacks=list(callbacks), generator=0)
    return trainer.fit(train, val, epochs=epochs, batch_size=32, verbose=0)


variants = {
    "no regularization": lambda: fit(make_model()),
    "L2 (weight decay 1e-2)": lambda: fit(make_model(), weight_decay=1e-2),
    "dropout 0.5 hidden, max-norm 3": lambda: fit(make_model(p_hidden=0.5),
                                                  callbacks=[MaxNorm(3.0)]),
    "dropout 0.5 hidden + 0.2 input, max-norm 3": lambda: fit(make_model(0.2, 0.5),
                                                              callbacks=[MaxNorm(3.0)]),
}
histories = {name: run() for name, run in variants.items()}

fig, (ax_t, ax_v) = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
for name, h in histories.items():
    ax_t.plot(h["loss"], label=name)
    ax_v.plot(h["val_loss"], label=name)
    print(f"{name:43s} final train loss {h['loss'][-1]:.4f}  val loss {h['val_loss'][-1]:.4f}  "
          f"val accuracy {h['val_accuracy'][-1]:.4f}  (best val loss {min(h['val_loss']):.4f})")
ax_t.set_title("training loss")
ax_v.set_title("validation loss")
for ax in (ax_t, ax_v):
    ax.set_xlabel("epoch")
    ax.set_yscale("log")
ax_v.legend(fontsize=8)
plt.show()

# %% [markdown]
# Without regularization the training loss falls to almost zero (the network has memorized
# its 177 examples) while the validation loss stalls: everything it learns from here on is
# specific to the training set. Weight decay and dropout keep the training loss higher,
# which is the point: they trade training fit for validation performance. The validation
# accuracies line up in the order of the classic dropout results: no regularization,
# then weight decay, then hidden dropout, then hidden plus input dropout. (Differences of
# half a percent on 719 validation digits are a handful of images; try other seeds before
# trusting them.) Note that the training loss of the dropout networks is measured *with*
# dropout active, on thinned networks.
#
# ## What dropout does
#
# During training, dropout sets each unit's output to zero with probability p, a fresh random
# choice for every example and every step, and scales the survivors by 1/(1 − p) so that
# the expected input to the next layer does not change ("inverted dropout"). Every step
# thus trains a different thinned sub-network; no unit can rely on a specific partner being
# present, so each must be useful on its own. At test time (`model.eval()`) dropout does
# nothing, and the full network acts like an average of all the thinned ones.

# %%
drop = nn.Dropout(0.5)
x = nf.ones(2, 8)
print("training mode:\n", drop(x))
drop.eval()
print("eval mode:\n", drop(x))

# %% [markdown]
# Leaving dropout *on* at test time and averaging many stochastic passes gives a prediction
# together with a spread, a cheap estimate of the model's uncertainty (Monte-Carlo dropout):

# %%
model = make_model(p_hidden=0.5)
fit(model, epochs=10)
mc = nn.mc_dropout_predict(model, nf.tensor(val[0][:5], dtype=nf.float32), mc_samples=30)
print("predicted classes:", mc.mean.argmax(1), " true:", val[1][:5])
print("probability of the predicted class ± spread:",
      [f"{m:.2f}±{s:.2f}" for m, s in zip(mc.mean.max(1), mc.std[np.arange(5), mc.mean.argmax(1)])])

# %% [markdown]
# ## How much does dropout help?
#
# Dropout was introduced with results on MNIST where 50 % dropout in the hidden layers cut
# the test error of a large MLP, and 20 % dropout on the inputs cut it further. Those
# results came with long training, high momentum and a max-norm constraint on the weights:
# dropout slows fitting down, and short runs leave the dropout networks underfitted. The
# repository's own ablation on Fashion-MNIST, with training errors next to test errors, is
# on the [benchmarks page](../../benchmarks/). The lesson of the small experiment above
# holds there too: compare regularizers only after each has been trained long enough to fit.
#
# ## What to take away
#
# * L2 penalizes large weights and spreads the load; L1 drives small weights to exactly zero.
# * Do not penalize biases or normalization parameters.
# * Dropout trains an ensemble of thinned networks and averages them at test time;
#   `model.eval()` switches it off, and forgetting that is a classic bug.
# * Regularized networks need more epochs to fit; judge them on validation error, never on
#   training loss.
