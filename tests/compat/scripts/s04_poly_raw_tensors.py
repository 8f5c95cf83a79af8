"""Fit y = sin(x) with a cubic a + b x + c x^2 + d x^3 using tensors and hand-written
gradients (no autograd)."""
import math

import numpy as np
import torch

dtype = torch.float32
x = torch.linspace(-math.pi, math.pi, 500, dtype=dtype)
y = torch.sin(x)

rng = np.random.default_rng(1)
a, b, c, d = (torch.tensor(float(v)) for v in rng.normal(size=4) * 0.1)

learning_rate = 1e-6
for t in range(1000):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum().item()
    if t % 200 == 199:
        print(t, round(loss, 3))
    grad_y_pred = 2.0 * (y_pred - y)
    grad_a = grad_y_pred.sum()
    grad_b = (grad_y_pred * x).sum()
    grad_c = (grad_y_pred * x ** 2).sum()
    grad_d = (grad_y_pred * x ** 3).sum()
    a -= learning_rate * grad_a
    b -= learning_rate * grad_b
    c -= learning_rate * grad_c
    d -= learning_rate * grad_d

print(f"y = {a.item():.4f} + {b.item():.4f} x + {c.item():.4f} x^2 + {d.item():.4f} x^3")
