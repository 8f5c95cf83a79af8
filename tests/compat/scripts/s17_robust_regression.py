"""Regression with outliers: MSE, Smooth L1 and Huber losses, as modules and functions."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(14)
x = rng.uniform(-2, 2, size=(60, 1)).astype(np.float32)
y = 1.5 * x - 0.5 + rng.normal(scale=0.1, size=(60, 1)).astype(np.float32)
y[::10] += 8.0                                   # a few outliers
inputs, targets = torch.tensor(x), torch.tensor(y)

pred = torch.zeros(60, 1)
print("mse:", f"{F.mse_loss(pred, targets).item():.5f}")
print("smooth l1:", f"{F.smooth_l1_loss(pred, targets).item():.5f}")
print("smooth l1 beta 0.5:", f"{F.smooth_l1_loss(pred, targets, beta=0.5).item():.5f}")
print("huber delta 2:", f"{F.huber_loss(pred, targets, delta=2.0).item():.5f}")

for name, criterion in [("mse", nn.MSELoss()), ("smoothl1", nn.SmoothL1Loss()),
                        ("huber", nn.HuberLoss(delta=0.5))]:
    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(0.0)
        model.bias.fill_(0.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(100):
        loss = criterion(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(name, f"slope={model.weight.item():.4f}", f"intercept={model.bias.item():.4f}")
