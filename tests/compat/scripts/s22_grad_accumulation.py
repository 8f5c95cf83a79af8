"""Gradient accumulation: four micro-batches per optimizer step give the same gradient as
one batch four times larger."""
import numpy as np
import torch
from torch import nn

rng = np.random.default_rng(19)
X = torch.tensor(rng.normal(size=(32, 5)).astype(np.float64))
y = torch.tensor(rng.normal(size=(32, 1)).astype(np.float64))
start = {k: rng.normal(size=s) * 0.3 for k, s in
         [("0.weight", (7, 5)), ("0.bias", (7,)), ("2.weight", (1, 7)), ("2.bias", (1,))]}


def build():
    model = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 1)).double()
    model.load_state_dict({k: torch.tensor(v) for k, v in start.items()})
    return model


big = build()
big_optimizer = torch.optim.SGD(big.parameters(), lr=0.1)
small = build()
small_optimizer = torch.optim.SGD(small.parameters(), lr=0.1)
loss_fn = nn.MSELoss()
accumulation_steps = 4

for step in range(5):
    big_optimizer.zero_grad()
    loss_fn(big(X), y).backward()
    big_optimizer.step()

    small_optimizer.zero_grad()
    for i, (xb, yb) in enumerate(zip(X.split(8), y.split(8))):
        loss = loss_fn(small(xb), yb) / accumulation_steps
        loss.backward()
        if (i + 1) % accumulation_steps == 0:
            small_optimizer.step()
            small_optimizer.zero_grad()
    print(step, f"{loss_fn(big(X), y).item():.8f}", f"{loss_fn(small(X), y).item():.8f}")

same = all(torch.allclose(a, b) for a, b in zip(big.parameters(), small.parameters()))
print("same parameters:", same)
