"""Learning-rate schedulers: StepLR and ExponentialLR stepped once per epoch."""
import numpy as np
import torch
from torch import nn
from torch.optim.lr_scheduler import ExponentialLR, StepLR

rng = np.random.default_rng(12)
x = torch.tensor(rng.normal(size=(40, 2)).astype(np.float32))
y = torch.tensor((rng.normal(size=(40, 1)) * 0.1).astype(np.float32)) + x[:, :1] * 2

model = nn.Linear(2, 1)
model.load_state_dict({"weight": torch.tensor([[0.0, 0.0]]), "bias": torch.tensor([0.0])})
optimizer = torch.optim.SGD(model.parameters(), lr=0.2)
scheduler = StepLR(optimizer, step_size=3, gamma=0.5)

for epoch in range(9):
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    scheduler.step()
    print(epoch, f"lr={scheduler.get_last_lr()[0]:.5f}", f"loss={loss.item():.6f}")

optimizer2 = torch.optim.SGD(model.parameters(), lr=1.0)
exponential = ExponentialLR(optimizer2, gamma=0.9)
rates = []
for _ in range(5):
    optimizer2.step()
    exponential.step()
    rates.append(round(optimizer2.param_groups[0]["lr"], 6))
print("exponential:", rates)
