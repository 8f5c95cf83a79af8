# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown]
# # Activations and vanishing gradients
#
# The activation function decides two things: which functions the network can represent,
# and how well gradients travel back through it. This tutorial looks at the second. During
# backpropagation, the gradient that reaches a layer has been multiplied by the derivative
# of every activation above it. If those derivatives are small, the product shrinks
# geometrically with depth, and the early layers stop learning: the *vanishing gradient*.

# %%
import matplotlib.pyplot as plt
import numpy as np

import nnforge as nf
from nnforge import nn
from nnforge.data import load_digits

nf.manual_seed(0);  # the semicolon keeps the notebook from printing the generator

# %% [markdown]
# ## The activations and their slopes
#
# Autograd gives us each activation's derivative for free: evaluate it on a grid of inputs
# that require gradients, sum, and call `backward()`. Each input's gradient is then the
# slope at that point.

# %%
activations = {"sigmoid": nn.Sigmoid(), "tanh": nn.Tanh(), "ReLU": nn.ReLU(),
               "leaky ReLU (0.1)": nn.LeakyReLU(0.1), "ELU": nn.ELU(), "SiLU / swish": nn.SiLU()}
fig, (ax_f, ax_d) = plt.subplots(1, 2, figsize=(11, 4))
for name, act in activations.items():
    z = nf.linspace(-5, 5, 401, dtype=nf.float64, requires_grad=True)
    out = act(z)
    out.sum().backward()
    ax_f.plot(z.detach().numpy(), out.detach().numpy(), label=name)
    ax_d.plot(z.detach().numpy(), z.grad.numpy(), label=name)
ax_f.set_title("activation")
ax_d.set_title("derivative (from autograd)")
ax_f.set_ylim(-1.5, 3)
ax_f.legend(fontsize=8)
for ax in (ax_f, ax_d):
    ax.grid(alpha=0.3)
plt.show()

# %% [markdown]
# The sigmoid's slope σ'(z) = σ(z)(1 − σ(z)) is at most **0.25**, at z = 0, and nearly zero
# once |z| > 4 (saturation). Tanh peaks at slope 1 but also saturates. ReLU has slope
# exactly 1 for every positive input and 0 for negative ones; its variants keep a small
# slope on the negative side so that a unit can never get stuck at zero for good.

# %%
z0 = nf.zeros(1, dtype=nf.float64, requires_grad=True)
nn.Sigmoid()(z0).sum().backward()
print("sigmoid'(0) =", z0.grad.item())

# %% [markdown]
# ## The 0.25^r factor, measured
#
# Build a chain of r sigmoid units, each with weight 1, and arrange the biases so that every
# unit sits exactly at z = 0, where its slope is the best a sigmoid can offer. The chain rule
# multiplies r slopes of 0.25, so the derivative of the last output with respect to the
# first input is 0.25^r. Ten layers give 0.25¹⁰ ≈ 9.5 × 10⁻⁷, about a millionth.

# %%
def chain_gradient(r):
    x = nf.zeros(1, dtype=nf.float64, requires_grad=True)
    h, bias = x, 0.0
    for _ in range(r):
        h = (h * 1.0 + bias).sigmoid()
        bias = -0.5                     # the next unit receives 0.5; this brings it back to 0
    h.sum().backward()
    return x.grad.item()


print(" r   measured d(out)/d(x)   0.25^r")
for r in (1, 2, 5, 10, 15):
    print(f"{r:2d}   {chain_gradient(r):.6e}          {0.25 ** r:.6e}")

# %% [markdown]
# The measured factor is 0.25^r exactly. In a real network, weights larger than 1 can
# partly compensate, but saturated units (slope near 0) make matters worse, so deep sigmoid
# networks learn their first layers very slowly.
#
# ## Gradients per layer in a deep network
#
# Now a real case: eight hidden layers of 32 units on the digits data, with the same
# initialization for each activation. We run one forward and backward pass on a batch and
# measure the gradient size (root mean square) of every layer's weights.

# %%
digits = load_digits()
X = (digits.X[:256] / 16.0).astype(np.float32)
y = digits.y[:256]


def layer_gradients(activation, depth=8, width=32):
    nf.manual_seed(0)
    layers, size = [], 64
    for _ in range(depth):
        layers += [nn.Linear(size, width), activation()]
        size = width
    model = nn.Sequential(*layers, nn.Linear(size, 10))
    nn.CrossEntropyLoss()(model(nf.tensor(X)), y).backward()
    return [(m.weight.grad ** 2).mean().sqrt().item() for m in model if isinstance(m, nn.Linear)]


fig, ax = plt.subplots(figsize=(7, 4))
for name, act in (("sigmoid", nn.Sigmoid), ("tanh", nn.Tanh), ("ReLU", nn.ReLU)):
    rms = layer_gradients(act)
    ax.semilogy(range(1, len(rms) + 1), rms, "o-", label=name)
    print(f"{name:8s} first-layer / last-layer gradient RMS: {rms[0] / rms[-1]:.1e}")
ax.set_xlabel("layer (1 = nearest the input)")
ax.set_ylabel("weight-gradient RMS")
ax.set_title("Gradient size by layer at initialization")
ax.legend()
plt.show()

# %% [markdown]
# With sigmoids the first layer's gradient is orders of magnitude smaller than the last
# layer's (seven orders of magnitude here): each layer multiplies by at most 0.25 on the
# way down. Tanh (slope 1 at the origin) and ReLU (slope 1 where active) lose one to two
# orders of magnitude over the same depth. That remaining loss comes from the weights, not
# the activation: the default initialization (PyTorch's, scaled for neither tanh nor ReLU)
# shrinks the signal a little at every layer. The next tutorial fixes that part.
#
# ## Dead ReLUs
#
# ReLU's weakness is the other side of its strength: a unit whose input is negative for
# *every* example outputs 0 and receives gradient 0, so nothing ever revives it. A large
# learning rate or a large negative bias can kill many units at once. Leaky ReLU, ELU and
# SiLU keep a nonzero slope for negative inputs; `nnforge doctor` reports the fraction of
# dead units (see the debugging tutorial).

# %%
nf.manual_seed(0)
layer = nn.Linear(64, 32)
with nf.no_grad():
    layer.bias.fill_(-3.0)                         # pushes every pre-activation negative
    active = (nn.ReLU()(layer(nf.tensor(X))) > 0).float().mean(dim=0)
print(f"units that never fire on this batch: {(active == 0).sum()} of 32")

# %% [markdown]
# ## What to take away
#
# * Backpropagation multiplies activation slopes layer by layer.
# * The sigmoid's slope is at most 0.25, so r sigmoid layers scale gradients by at most
#   0.25^r: about 10⁻⁶ for ten layers.
# * Tanh is better centred, ReLU keeps slope 1 where active; that is why ReLU-family
#   activations are the default in hidden layers.
# * Watch for dead ReLUs; leaky variants, a sensible learning rate and good
#   initialization (next tutorial) avoid them.
