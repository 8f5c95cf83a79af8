"""Autograd basics: requires_grad, backward and .grad."""
import numpy as np
import torch

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x ** 2 + 3 * x
z = y.sum()
z.backward()
print("dz/dx:", x.grad.tolist())

w = torch.tensor(np.array([[0.5, -1.0], [2.0, 0.25]]), requires_grad=True)
b = torch.tensor(np.array([0.1, -0.2]), requires_grad=True)
inp = torch.tensor(np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]]))
out = (inp @ w + b).tanh()
loss = (out ** 2).mean()
loss.backward()
print("loss:", loss.item())
print("grad w:", w.grad.tolist())
print("grad b:", b.grad.tolist())
print("leaf:", w.is_leaf, out.is_leaf, out.requires_grad)

with torch.no_grad():
    frozen = inp @ w
print("no_grad result requires grad:", frozen.requires_grad)

d = w.detach()
print("detached requires grad:", d.requires_grad)

a = torch.tensor(2.0, requires_grad=True)
f = a * a * a
f.backward()
print("d(a^3)/da at 2:", a.grad.item())
