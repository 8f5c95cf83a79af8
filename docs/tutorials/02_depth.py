# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown]
# # Why depth and nonlinearity matter
#
# A neural network is a stack of linear maps with a nonlinear function between them. Both
# halves of that sentence matter. Without the nonlinearity, the stack collapses to a single
# linear map, however deep it is. With it, even one hidden layer can approximate any
# continuous function, and extra depth lets a network build complicated functions out of
# few parameters.
#
# This tutorial shows four facts with small experiments: linear collapse, XOR, universal
# approximation of a sine, and depth against width.

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np

import nnforge as nf
from nnforge import nn, optim
from nnforge.data import make_sine

nf.manual_seed(0);  # the semicolon keeps the notebook from printing the generator

# %% [markdown]
# ## 1. Stacked linear layers collapse to one
#
# Three `Linear` layers with nothing in between compute W₃(W₂(W₁x + b₁) + b₂) + b₃. Multiplying
# out, that is W x + b with W = W₃W₂W₁ and b = W₃W₂b₁ + W₃b₂ + b₃: one linear layer. Let us
# check that numerically.

# %%
deep_linear = nn.Sequential(nn.Linear(2, 16), nn.Linear(16, 16), nn.Linear(16, 1))
l1, l2, l3 = deep_linear[0], deep_linear[1], deep_linear[2]
with nf.no_grad():                     # we only evaluate here, no gradients needed
    W = l3.weight @ l2.weight @ l1.weight
    b = l3.weight @ (l2.weight @ l1.bias + l2.bias) + l3.bias
    x = nf.randn(5, 2)
    print("three layers:", deep_linear(x).flatten())
    print("one layer:   ", (x @ W.T + b).flatten())
print(f"parameters: {deep_linear.num_parameters()} in the stack, {W.numel() + b.numel()} "
      f"in the single layer it equals")

# %% [markdown]
# Same numbers: the extra layers added parameters but no expressive power. A linear model
# can only draw straight decision boundaries, so whatever a straight line cannot do, a deep
# *linear* network cannot do either.
#
# ## 2. XOR needs a hidden layer with a nonlinearity
#
# XOR outputs 1 when exactly one of its two inputs is 1. No line separates {(0,1), (1,0)}
# from {(0,0), (1,1)}: a threshold unit would need w₂ + b > 0 and w₁ + b > 0 (the ones) but
# b ≤ 0 and w₁ + w₂ + b ≤ 0 (the zeros). Adding the first two gives w₁ + w₂ + 2b > 0, while
# the last two give w₁ + w₂ + 2b ≤ 0: a contradiction. A brute-force search agrees.

# %%
X_xor = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
y_xor = np.array([0, 1, 1, 0])
grid = np.linspace(-3, 3, 61)
w1, w2, bias = np.meshgrid(grid, grid, grid, indexing="ij")
fires = (X_xor[:, 0, None, None, None] * w1 + X_xor[:, 1, None, None, None] * w2 + bias) > 0
solutions = np.all(fires == y_xor[:, None, None, None].astype(bool), axis=0).sum()
print(f"threshold units tried: {w1.size:,}; ones that compute XOR: {solutions}")

# %% [markdown]
# Rosenblatt's perceptron learning rule therefore never settles on XOR: every epoch some
# point is misclassified.

# %%
perceptron = nn.Perceptron(2, max_epochs=50, generator=0)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    perceptron.fit(X_xor, y_xor)
print("converged:", perceptron.converged_, "| mistakes in the last epochs:", perceptron.errors_[-5:])
print("warning:", caught[0].message if caught else None)

# %% [markdown]
# A hidden layer fixes it, *if* it is nonlinear. Two ReLU units suffice:
# h₁ = ReLU(x₁ + x₂), h₂ = ReLU(x₁ + x₂ − 1), output = h₁ − 2h₂. The ReLU bends the line
# x₁ + x₂ at 1, and the output subtracts the part beyond the bend.

# %%
exact = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
exact[0].weight.data[...] = [[1, 1], [1, 1]]
exact[0].bias.data[...] = [0, -1]
exact[2].weight.data[...] = [[1, -2]]
exact[2].bias.data[...] = [0]
with nf.no_grad():
    print("hand-made ReLU network on XOR:", exact(nf.tensor(X_xor, dtype=nf.float32)).flatten())

# %% [markdown]
# Another way to see what the hidden layer does: it maps the 2-D inputs to new features in
# which the classes *are* separable. The sum z = x₁ + x₂ gives 0, 1, 1, 2: class 1 sits in
# the middle, so no single threshold on z works. The feature
# u = max(x₁, x₂) − 0.5·min(x₁, x₂) gives 0, 1, 1, 0.5, and "u > 0.75" is XOR.

# %%
z_feature = X_xor.sum(1)
u_feature = X_xor.max(1) - 0.5 * X_xor.min(1)
print("z =", z_feature, " u =", u_feature, " u > 0.75:", (u_feature > 0.75).astype(int))

# %% [markdown]
# Gradient descent finds such features on its own. A small tanh network learns XOR from
# random weights:

# %%
model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
opt = optim.Adam(model.parameters(), lr=0.05)
loss_fn = nn.BCEWithLogitsLoss()
xt = nf.tensor(X_xor, dtype=nf.float32)
yt = nf.tensor(y_xor[:, None], dtype=nf.float32)
for step in range(300):
    opt.zero_grad()
    loss = loss_fn(model(xt), yt)
    loss.backward()
    opt.step()
with nf.no_grad():
    print(f"loss {loss.item():.4f}; predictions:", (model(xt).flatten() > 0).long())

# %% [markdown]
# ## 3. Universal approximation: one hidden layer can fit a sine
#
# The universal approximation theorem says that one hidden layer with enough units and a
# non-polynomial activation can approximate any continuous function on a bounded interval
# as closely as we like. It says nothing about how many units are "enough" or whether
# training finds the weights. Let us watch the fit improve with width.

# %%
def fit_regression(model, X, y, steps=1500, lr=0.01):
    """Full-batch Adam on mean squared error; returns the final loss."""
    opt = optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    xt, yt = nf.tensor(X), nf.tensor(y[:, None])
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(xt), yt)
        loss.backward()
        opt.step()
    return loss.item()


sine = make_sine(n_samples=200, noise=0.0, seed=0)
grid_x = nf.linspace(-np.pi, np.pi, 300).unsqueeze(1)     # a column: 300 samples, 1 feature
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(sine.X.ravel(), sine.y, "k.", ms=3, label="sin(x)")
for width in (1, 2, 4, 16):
    nf.manual_seed(0)
    net = nn.Sequential(nn.Linear(1, width), nn.Tanh(), nn.Linear(width, 1))
    mse = fit_regression(net, sine.X, sine.y)
    with nf.no_grad():
        curve = net(grid_x)
    ax.plot(grid_x.numpy().ravel(), curve.numpy().ravel(), label=f"{width} units (MSE {mse:.1e})")
    print(f"{width:3d} hidden units: MSE {mse:.2e}")
ax.legend()
ax.set_title("One hidden tanh layer approximating sin(x)")
plt.show()

# %% [markdown]
# One unit can only draw one S-shaped step; two can make a bump; a handful already trace the
# sine closely. Each extra unit adds one more adjustable bend.
#
# ## 4. Depth against width
#
# If one layer is enough in principle, why go deep? Because depth *composes*. Each layer can
# fold the output of the previous one, so the number of linear pieces a ReLU network can
# produce grows with depth much faster than with width. For a function with many
# oscillations, a deep narrow network can need far fewer parameters than a shallow wide one.
#
# We fit sin(3x) on [−π, π] (three full periods) with networks of about the same parameter
# count: one wide ReLU layer against three narrow ones.

# %%
target = make_sine(n_samples=400, noise=0.0, frequency=3.0, seed=0)


def shallow(width):
    return nn.Sequential(nn.Linear(1, width), nn.ReLU(), nn.Linear(width, 1))


def deep(width):
    return nn.Sequential(nn.Linear(1, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(),
                         nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 1))


results = {}
for name, build in (("shallow, 1 x 69 units", lambda: shallow(69)),
                    ("deep, 3 x 9 units", lambda: deep(9))):
    losses = []
    for seed in range(3):
        nf.manual_seed(seed)
        net = build()
        losses.append(fit_regression(net, target.X, target.y, steps=2000, lr=0.01))
    results[name] = (net.num_parameters(), losses, net)
    print(f"{name:<22} {net.num_parameters():4d} parameters, MSE per seed:",
          ", ".join(f"{v:.4f}" for v in losses), f"| median {np.median(losses):.4f}")

fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(target.X.ravel(), target.y, "k.", ms=2, label="sin(3x)")
wide_x = nf.linspace(-np.pi, np.pi, 400).unsqueeze(1)
for name, (_, _, net) in results.items():
    with nf.no_grad():
        ax.plot(wide_x.numpy().ravel(), net(wide_x).numpy().ravel(), label=name)
ax.legend()
ax.set_title("Same parameter budget, different shapes")
plt.show()

# %% [markdown]
# With the same budget and the same training, compare the medians over the three seeds:
# the deeper network usually reaches the lower error here, because its pieces are reused
# by the layers above. The spread between seeds is large, though; depth makes the
# *optimization* harder as well as the function class richer. The advantage is not a law:
# deep networks are harder to train (the next tutorial shows why gradients fade through
# many layers), and on simple targets a wide shallow network does just as well. The
# practical rule is to add depth for structure that composes and to keep training healthy
# with good activations, initialization and normalization.
#
# ## What to take away
#
# * Without nonlinearities, depth adds nothing: stacked linear layers are one linear map.
# * XOR is the smallest problem a single linear threshold cannot solve; one nonlinear hidden
#   layer can, by re-mapping the inputs into features where the classes separate.
# * One hidden layer can approximate any continuous function, given enough units.
# * Depth lets the same number of parameters express more complicated functions.
