"""The cubic fit of sin(x) once more, now with nn.Sequential, a loss module and optim.SGD."""
import math

import numpy as np
import torch

x = torch.tensor(np.linspace(-math.pi, math.pi, 300).astype(np.float32))
y = torch.tensor(np.sin(np.linspace(-math.pi, math.pi, 300)).astype(np.float32))

p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)
print("features:", list(xx.shape))

model = torch.nn.Sequential(
    torch.nn.Linear(3, 1),
    torch.nn.Flatten(0, 1),
)
rng = np.random.default_rng(3)
model.load_state_dict({
    "0.weight": torch.tensor(rng.normal(size=(1, 3)).astype(np.float32) * 0.1),
    "0.bias": torch.tensor(np.zeros(1, dtype=np.float32)),
})

loss_fn = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
for t in range(600):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    if t % 150 == 149:
        print(t, round(loss.item(), 3))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

linear_layer = model[0]
print(f"y = {linear_layer.bias.item():.4f} + {linear_layer.weight[:, 0].item():.4f} x"
      f" + {linear_layer.weight[:, 1].item():.4f} x^2 + {linear_layer.weight[:, 2].item():.4f} x^3")
