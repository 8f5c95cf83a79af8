"""The device idiom: pick cuda when available, else the CPU, and move model and data."""
import numpy as np
import torch
from torch import nn

device = "cuda" if torch.cuda.is_available() else "cpu"
print("using cuda:", device == "cuda")

model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 1)).to(device)
rng = np.random.default_rng(9)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(rng.normal(size=tuple(p.shape)).astype(np.float32) * 0.4))

x = torch.from_numpy(rng.normal(size=(10, 4)).astype(np.float32)).to(device)
y = torch.from_numpy(rng.normal(size=(10, 1)).astype(np.float32)).to(device)
print("on cpu:", x.device.type == "cpu")

optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(20):
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 5 == 4:
        print(step, f"{loss.item():.6f}")

result = model(x).detach().cpu().numpy()
print("prediction sum:", round(float(result.sum()), 5))
