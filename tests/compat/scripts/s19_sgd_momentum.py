"""SGD with momentum and with Nesterov momentum on the same network."""
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(16)
X = torch.tensor(rng.normal(size=(40, 4)).astype(np.float32))
y = torch.tensor(rng.normal(size=(40, 2)).astype(np.float32))
start = {"0.weight": rng.normal(size=(8, 4)) * 0.3, "0.bias": np.zeros(8),
         "2.weight": rng.normal(size=(2, 8)) * 0.3, "2.bias": np.zeros(2)}

for nesterov in (False, True):
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    model.load_state_dict({k: torch.tensor(v.astype(np.float32)) for k, v in start.items()})
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=nesterov)
    for epoch in range(40):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(X), y)
        loss.backward()
        optimizer.step()
        if epoch % 10 == 9:
            print("nesterov" if nesterov else "momentum", epoch, f"{loss.item():.6f}")
