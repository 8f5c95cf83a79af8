"""A training loop over a DataLoader of a TensorDataset."""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(8)
features = rng.normal(size=(100, 3)).astype(np.float32)
targets = (features @ np.array([1.5, -2.0, 0.7], dtype=np.float32) + 0.5)[:, None]

dataset = TensorDataset(torch.tensor(features), torch.tensor(targets))
loader = DataLoader(dataset, batch_size=16, shuffle=False)
print("batches:", len(loader), "samples:", len(dataset))

model = nn.Linear(3, 1)
with torch.no_grad():
    model.weight.copy_(torch.tensor([[0.1, 0.1, 0.1]]))
    model.bias.fill_(0.0)

loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)

for epoch in range(5):
    total, count = 0.0, 0
    for xb, yb in loader:
        pred = model(xb)
        loss = loss_fn(pred, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * xb.shape[0]
        count += xb.shape[0]
    print(f"epoch {epoch}: mean loss {total / count:.6f}")

xb, yb = next(iter(loader))
print("batch shapes:", list(xb.shape), list(yb.shape))
print("weights:", [round(v, 4) for v in model.weight.flatten().tolist()])
