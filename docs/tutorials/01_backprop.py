# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown]
# # Backpropagation by hand, then by autograd
#
# Training a network means nudging every weight a little in the direction that lowers the
# loss. To know that direction we need the derivative of the loss with respect to every
# weight. Backpropagation computes all of them in one backward sweep, by applying the chain
# rule node by node, from the loss back to the inputs.
#
# This tutorial does it three times on the same small problems:
#
# 1. by hand, writing every local derivative down;
# 2. with nnforge's autograd, which records the computation and replays it backwards;
# 3. with a custom `Function` of our own, checked against finite differences.

# %%
import numpy as np

import nnforge as nf
from nnforge.autograd import Function, gradcheck

np.set_printoptions(precision=6, suppress=True)
nf.manual_seed(0);  # the semicolon keeps the notebook from printing the generator

# %% [markdown]
# ## A three-node graph
#
# Take f(x, y, z) = (x + y) · z at x = −2, y = 5, z = −4. Name the intermediate sum
# q = x + y, so f = q · z. The forward pass gives q = 3 and f = −12.
#
# Going backwards, each node multiplies the gradient arriving from above by its own local
# derivative:
#
# * ∂f/∂z = q = 3 and ∂f/∂q = z = −4 (a product passes each factor the *other* factor);
# * ∂q/∂x = ∂q/∂y = 1, so ∂f/∂x = ∂f/∂y = −4 · 1 = −4 (a sum passes the gradient through
#   unchanged).

# %%
x, y, z = -2.0, 5.0, -4.0
q = x + y
f = q * z
df_dz, df_dq = q, z
df_dx, df_dy = df_dq * 1.0, df_dq * 1.0
print(f"by hand:  f = {f},  df/dx = {df_dx},  df/dy = {df_dy},  df/dz = {df_dz}")

# %% [markdown]
# Autograd does the same bookkeeping for us. Leaves created with `requires_grad=True` are
# the quantities we want derivatives for; `backward()` on the scalar result fills their
# `.grad`.

# %%
xt, yt, zt = (nf.tensor(v, requires_grad=True, dtype=nf.float64) for v in (x, y, z))
ft = (xt + yt) * zt
ft.backward()
print("autograd: f =", ft.item(), " grads:", [t.grad.item() for t in (xt, yt, zt)])

# %% [markdown]
# ## A 3-2-1 sigmoid network, one step of gradient descent
#
# A classic textbook example: three inputs x = (0.4, 0.2, 0.7), two hidden sigmoid units A
# and B, one sigmoid output z, target 0.8, learning rate η = 0.1 and squared error
# E = ½ (ŷ − y)². Each unit has a bias weight w₀ acting on a constant input 1.
#
# **Forward.** Each unit sums its weighted inputs (the net input Z) and squashes it with
# σ(Z) = 1 / (1 + e^(−Z)).

# %%
def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


inputs = np.array([1.0, 0.4, 0.2, 0.7])           # the leading 1 feeds the bias weight
W_hidden = np.array([[0.5, 0.6, 0.8, 0.6],        # unit A: w0A, w1A, w2A, w3A
                     [0.7, 0.9, 0.8, 0.4]])       # unit B: w0B, w1B, w2B, w3B
w_out = np.array([0.5, 0.9, 0.9])                 # w0z, wAZ, wBZ
target, lr = 0.8, 0.1

Z_hidden = W_hidden @ inputs
N_hidden = sigmoid(Z_hidden)
a = np.concatenate([[1.0], N_hidden])             # output unit's inputs, with its bias 1
Z_out = w_out @ a
y_hat = sigmoid(Z_out)
print("Z_A, Z_B =", Z_hidden, "  N_A, N_B =", N_hidden)
print("Z_z =", round(Z_out, 4), "  output =", round(y_hat, 6), "  residual =", round(y_hat - target, 4))

# %% [markdown]
# **Backward.** The derivative of the error with respect to the output's net input is
# δ_z = (ŷ − y) · σ'(Z_z), and σ' has the friendly form σ(1 − σ). Each output weight's
# gradient is δ_z times the input it multiplies. The hidden units receive δ_z through the
# output weights *as they were before the update* and multiply by their own σ'.
#
# Gradient **descent** subtracts η · gradient. The output here is already too high
# (0.875 against 0.8), so every weight that feeds it positively must go *down*.
# Some printed versions of this example move the weights up instead, which is gradient
# ascent: the error grows. The numbers below are the correct descent step.

# %%
delta_out = (y_hat - target) * y_hat * (1 - y_hat)
grad_out = delta_out * a
delta_hidden = delta_out * w_out[1:] * N_hidden * (1 - N_hidden)
grad_hidden = np.outer(delta_hidden, inputs)

new_w_out = w_out - lr * grad_out
new_W_hidden = W_hidden - lr * grad_hidden
print("delta_z =", round(delta_out, 7))
print("new output weights (w0z, wAZ, wBZ):", new_w_out)
print("new hidden weights A:", new_W_hidden[0])
print("new hidden weights B:", new_W_hidden[1])
new_out = sigmoid(new_w_out @ np.concatenate([[1.0], sigmoid(new_W_hidden @ inputs)]))
print(f"output after the step: {new_out:.6f} (error {new_out - target:.6f}, was {y_hat - target:.6f})")

# %% [markdown]
# The error shrank from 0.0750 to about 0.0748: one small step downhill.
#
# ## The same network with autograd
#
# Now let nnforge record the forward pass and compute every gradient. We write exactly the
# forward computation above with Tensors; nothing about the backward pass is written by us.

# %%
Wh = nf.tensor(W_hidden, requires_grad=True)    # float64, like the NumPy array it copies
wo = nf.tensor(w_out, requires_grad=True)
x_t = nf.from_numpy(inputs)                      # shares the array's memory, no gradient
one = nf.ones(1, dtype=nf.float64)               # the constant input of the bias weight

hidden = (Wh @ x_t).sigmoid()
a_t = nf.cat([one, hidden])
out = (wo @ a_t).sigmoid()
loss = 0.5 * (out - target) ** 2
loss.backward()

print("autograd output-weight gradients:", wo.grad)
print("by-hand  output-weight gradients:", grad_out)
print("largest difference in the hidden gradients:",
      (Wh.grad - nf.from_numpy(grad_hidden)).abs().max().item())

# %% [markdown]
# They agree to the last digit of float64. The optimizer step is then the same one-liner
# for every parameter, `p ← p − η · p.grad`; `nnforge.optim.SGD` does exactly this.

# %%
from nnforge import optim

opt = optim.SGD([Wh, wo], lr=lr)
opt.step()
print("SGD step, output weights:", wo.data)

# %% [markdown]
# ## Writing a Function of our own
#
# Every op in nnforge is a small `Function` with its forward and backward side by side,
# and we can write our own exactly as in PyTorch. `forward` receives Tensors, computes with
# ordinary Tensor operations (gradient recording is off inside it) and may save what
# backward will need with `ctx.save_for_backward`; `backward` receives the gradient of the
# loss with respect to the op's output, as a Tensor, and returns the gradient with respect
# to each input.
#
# Here is the sigmoid written that way. Saving the *output* is enough, because
# σ'(z) = σ(z)(1 − σ(z)).

# %%
class MySigmoid(Function):
    @staticmethod
    def forward(ctx, z):
        s = 1.0 / (1.0 + (-z).exp())
        ctx.save_for_backward(s)
        return s

    @staticmethod
    def backward(ctx, grad):
        (s,) = ctx.saved_tensors
        return grad * s * (1.0 - s)


Wh2 = nf.tensor(W_hidden, requires_grad=True)
wo2 = nf.tensor(w_out, requires_grad=True)
hidden2 = MySigmoid.apply(Wh2 @ x_t)
out2 = MySigmoid.apply(wo2 @ nf.cat([one, hidden2]))
(0.5 * (out2 - target) ** 2).backward()
print("custom Function, output-weight gradients:", wo2.grad)
print("largest difference from the built-in sigmoid's:", (wo2.grad - wo.grad).abs().max().item())

# %% [markdown]
# A hand-written backward is easy to get subtly wrong, so always check it numerically.
# `gradcheck` nudges every input element by ±ε, measures how the output moves (central
# differences) and compares with what `backward` returned.

# %%
z_test = nf.randn(4, 3, dtype=nf.float64, requires_grad=True)
print("gradcheck passes:", gradcheck(MySigmoid.apply, z_test))


# %% [markdown]
# And the check does catch mistakes: here is a backward that forgot the `(1 − s)` factor.

# %%
class BrokenSigmoid(MySigmoid):
    @staticmethod
    def backward(ctx, grad):
        (s,) = ctx.saved_tensors
        return grad * s


print("broken backward passes:", gradcheck(BrokenSigmoid.apply, z_test, raise_exception=False))

# %% [markdown]
# ## What to take away
#
# * Backpropagation is the chain rule, applied once per node, from the loss backwards.
# * Each node needs only its *local* derivative and the gradient arriving from above.
# * Autograd records the forward computation, so the backward pass comes for free and
#   matches the hand computation exactly.
# * A custom op is a `Function` with `forward` and `backward`; verify it with `gradcheck`.
