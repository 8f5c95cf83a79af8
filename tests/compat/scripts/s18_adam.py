"""Adam on a small regression network."""
import numpy as np
import torch
from torch import nn

rng = np.random.default_rng(15)
X = torch.tensor(rng.normal(size=(50, 3)).astype(np.float32))
y = torch.tensor(np.sin(rng.normal(size=(50, 1))).astype(np.float32))

model = nn.Sequential(nn.Linear(3, 10), nn.Tanh(), nn.Linear(10, 1))
model.load_state_dict({k: torch.tensor((rng.normal(size=tuple(v.shape)) * 0.5).astype(np.float32))
                       for k, v in model.state_dict().items()})
optimizer = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.9, 0.99), weight_decay=1e-4)
loss_fn = nn.MSELoss()
for step in range(60):
    optimizer.zero_grad()
    loss = loss_fn(model(X), y)
    loss.backward()
    optimizer.step()
    if step % 10 == 9:
        print(step, f"{loss.item():.6f}")
print("param groups:", len(optimizer.param_groups), "lr:", optimizer.param_groups[0]["lr"])
