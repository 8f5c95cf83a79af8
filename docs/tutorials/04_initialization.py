# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown]
# # Weight initialization
#
# Before the first gradient step, the initial weights already decide whether training can
# work. Two requirements pull in different directions:
#
# * the weights must be **different** from each other, or all units of a layer compute the
#   same thing forever (symmetry);
# * they must have the **right scale**, or the signal shrinks to nothing or blows up as it
#   passes through the layers, and the gradients with it.
#
# The standard recipes (Glorot/Xavier, He/Kaiming, LeCun) are all answers to the second
# requirement: choose the variance so that each layer keeps the variance of its input.

# %%
import matplotlib.pyplot as plt
import numpy as np

import nnforge as nf
from nnforge import nn
from nnforge.diagnose.stats import activation_statistics, deep_tanh_network
from nnforge.nn import init

nf.manual_seed(0)
rng = np.random.default_rng(0)

# %% [markdown]
# ## Constant initialization cannot break symmetry
#
# Set every weight of a hidden layer to the same value. Every hidden unit then computes the
# same output, receives the same gradient, and takes the same step: the layer behaves like
# a single unit no matter how wide it is.

# %%
model = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 1))
for p in model.parameters():
    init.constant_(p, 0.5)
x = nf.tensor(rng.normal(size=(8, 4)), dtype=nf.float32)
target = nf.tensor(rng.normal(size=(8, 1)), dtype=nf.float32)
nn.MSELoss()(model(x), target).backward()
print("gradient of the hidden weights, one row per unit:\n", model[0].weight.grad)

# %% [markdown]
# All rows are equal, and they stay equal after every update. Random initialization breaks
# the tie.
#
# ## The scale: ten tanh layers
#
# Feed standard-normal inputs through ten `Linear(500, 500)` + tanh layers and look at the
# spread of the activations in each layer, for three choices of weight distribution:
#
# * **N(0, 0.01²)**: each layer multiplies the spread by roughly 0.01 · √500 ≈ 0.22, so the
#   activations collapse towards 0. Gradients with respect to the weights are proportional
#   to those activations, so they vanish too.
# * **N(0, 1)**: pre-activations have a spread of about √500 ≈ 22, tanh saturates at ±1 and
#   its slope there is almost 0: the gradients vanish for the opposite reason.
# * **Xavier/Glorot normal**: variance 2 / (fan_in + fan_out); the spread stays of order 1.

# %%
x = rng.standard_normal((500, 500)).astype(np.float32)
setups = {"N(0, 0.01²)": dict(std=0.01), "N(0, 1)": dict(std=1.0), "Xavier normal": dict(init="xavier")}
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for label, kwargs in setups.items():
    net = deep_tanh_network(depth=10, width=500, generator=np.random.default_rng(0), **kwargs)
    stats = activation_statistics(net, x, kinds=(nn.Tanh,))
    axes[0].semilogy(range(1, 11), [s.std for s in stats], "o-", label=label)
    axes[1].plot(range(1, 11), [s.saturated_fraction for s in stats], "o-", label=label)
    print(f"{label:14s} std per layer:", " ".join(f"{s.std:.3f}" for s in stats))
axes[0].set_title("std of tanh outputs per layer")
axes[1].set_title("fraction saturated (|tanh| > 0.99)")
for ax in axes:
    ax.set_xlabel("layer")
    ax.legend()
plt.show()

# %% [markdown]
# ## Where the Xavier variance comes from, and a common mistake
#
# For a linear unit y = Σᵢ wᵢxᵢ with n independent zero-mean inputs of variance v, the
# output variance is n · Var(w) · v. Keeping it equal to v in the forward pass needs
# Var(w) = 1 / fan_in; keeping the gradients' variance in the backward pass needs
# Var(w) = 1 / fan_out. Glorot and Bengio took the compromise
#
#     Var(w) = 2 / (fan_in + fan_out),   i.e. std = √(2 / (fan_in + fan_out)).
#
# Course notes do not always agree on this, and two variants circulate that are not
# Glorot's rule:
#
# * **1 / (fan_in + fan_out)** as the *variance*: half of Glorot's, so a standard deviation
#   √2 too small. In a deep tanh network the signal then shrinks layer after layer.
# * **2 / fan_in**, sometimes labelled "Xavier": that is **He (Kaiming)** initialization,
#   which compensates for ReLU zeroing half of its inputs. For tanh it is too large.
#
# nnforge's `xavier_normal_` uses Glorot's variance; let us check it empirically and then
# watch the three formulas in a deep tanh network with narrower, unequal layers.

# %%
w = nf.empty(300, 700)
init.xavier_normal_(w, generator=np.random.default_rng(0))
print(f"xavier_normal_ on a 700 -> 300 layer: variance {w.var().item():.6f}, "
      f"2 / (700 + 300) = {2 / 1000:.6f}")


def tanh_stack(variance_rule, widths=(400, 200, 400, 200, 400, 200, 400, 200, 400, 200, 400)):
    g = np.random.default_rng(1)
    h = g.standard_normal((1000, widths[0]))
    stds = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        W = g.normal(0, np.sqrt(variance_rule(fan_in, fan_out)), size=(fan_in, fan_out))
        h = np.tanh(h @ W)
        stds.append(h.std())
    return stds


rules = {"Glorot: 2/(in+out)": lambda i, o: 2 / (i + o),
         "halved: 1/(in+out)": lambda i, o: 1 / (i + o),
         "He: 2/in": lambda i, o: 2 / i}
fig, ax = plt.subplots(figsize=(7, 4))
for name, rule in rules.items():
    stds = tanh_stack(rule)
    ax.plot(range(1, len(stds) + 1), stds, "o-", label=name)
    print(f"{name:20s} last-layer std {stds[-1]:.3f}")
ax.set_xlabel("layer")
ax.set_ylabel("std of tanh outputs")
ax.set_title("Three variance rules in a deep tanh network")
ax.legend()
plt.show()

# %% [markdown]
# The halved variance lets the signal fade; He's rule keeps more signal in a tanh network but
# pushes more units into saturation. Glorot's rule sits between them.
#
# ## ReLU needs He initialization
#
# ReLU sets about half of its inputs to zero, which halves the second moment of the signal.
# He initialization doubles the weight variance to compensate: Var(w) = 2 / fan_in
# (`kaiming_normal_`). With Xavier's variance (here fan_in = fan_out, so 1 / fan_in) the
# activations of a deep ReLU network shrink by about √2 per layer, 2⁻¹⁰ ≈ 10⁻³ after twenty
# layers; with He's they stay put.

# %%
def relu_depth_profile(initializer, depth=20, width=256):
    g = np.random.default_rng(0)
    layers = []
    for _ in range(depth):
        lin = nn.Linear(width, width, generator=g)
        initializer(lin.weight, generator=g)
        init.zeros_(lin.bias)
        layers += [lin, nn.ReLU()]
    net = nn.Sequential(*layers)
    return [s.std for s in activation_statistics(net, g.standard_normal((512, width)).astype(np.float32),
                                                 kinds=(nn.ReLU,))]


fig, ax = plt.subplots(figsize=(7, 4))
for name, fn in (("Xavier normal", init.xavier_normal_), ("He (Kaiming) normal", init.kaiming_normal_)):
    stds = relu_depth_profile(fn)
    ax.semilogy(range(1, 21), stds, "o-", label=name)
    print(f"{name:20s} std after 20 ReLU layers: {stds[-1]:.2e}")
ax.set_xlabel("layer")
ax.set_ylabel("std of ReLU outputs")
ax.legend()
plt.show()

# %% [markdown]
# ## Biases
#
# Biases do not cause symmetry problems (the weights already break it), so they usually start
# at 0. Some practitioners start ReLU biases at a small positive value such as 0.01, so that
# every unit is active at first; `init.small_positive_` does that. Both are common; neither
# matters as much as the weight scale.
#
# ## What to take away
#
# * Never initialize all weights to the same value.
# * Choose the variance to preserve the signal: Glorot 2 / (fan_in + fan_out) for tanh and
#   sigmoid, He 2 / fan_in for ReLU, LeCun 1 / fan_in for SELU-like activations.
# * Beware of formulas labelled "Xavier" that halve the variance or are really He's.
# * The initializer is a hyperparameter like any other; `nn.init` has them all.
