"""The same cubic fit of sin(x), with autograd computing the gradients."""
import math

import numpy as np
import torch

x = torch.linspace(-math.pi, math.pi, 400)
y = torch.sin(x)

rng = np.random.default_rng(2)
start = rng.normal(size=4) * 0.1
a = torch.tensor(start[0], dtype=torch.float32, requires_grad=True)
b = torch.tensor(start[1], dtype=torch.float32, requires_grad=True)
c = torch.tensor(start[2], dtype=torch.float32, requires_grad=True)
d = torch.tensor(start[3], dtype=torch.float32, requires_grad=True)

learning_rate = 2e-6
for t in range(800):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum()
    if t % 200 == 99:
        print(t, round(loss.item(), 3))
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None

print(f"result: {a.item():.4f} {b.item():.4f} {c.item():.4f} {d.item():.4f}")
