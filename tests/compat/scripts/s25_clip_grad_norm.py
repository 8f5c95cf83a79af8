"""Gradient clipping with torch.nn.utils.clip_grad_norm_ and clip_grad_value_."""
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(21)
X = torch.tensor(rng.normal(size=(16, 4)) * 10)
y = torch.tensor(rng.normal(size=(16, 1)) * 10)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)).double()
model.load_state_dict({k: torch.tensor(rng.normal(size=tuple(v.shape)))
                       for k, v in model.state_dict().items()})
optimizer = torch.optim.SGD(model.parameters(), lr=0.001)

for step in range(5):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(X), y)
    loss.backward()
    total = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    after = sum(p.grad.pow(2).sum() for p in model.parameters()).sqrt()
    optimizer.step()
    print(step, f"loss={loss.item():.5f}", f"norm={float(total):.5f}", f"after={after.item():.5f}")

optimizer.zero_grad()
nn.functional.mse_loss(model(X), y).backward()
torch.nn.utils.clip_grad_value_(model.parameters(), clip_value=0.5)
largest = max(p.grad.abs().max().item() for p in model.parameters())
print("largest after clip_grad_value_:", round(largest, 6))
