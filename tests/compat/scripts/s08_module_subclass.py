"""An nn.Module subclass with two layers, trained with SGD."""
import numpy as np
import torch
from torch import nn


class TwoLayerNet(nn.Module):
    def __init__(self, d_in, hidden, d_out):
        super().__init__()
        self.linear1 = nn.Linear(d_in, hidden)
        self.activation = nn.ReLU()
        self.linear2 = nn.Linear(hidden, d_out)

    def forward(self, x):
        h = self.activation(self.linear1(x))
        return self.linear2(h)


def numpy_weights(model, seed):
    rng = np.random.default_rng(seed)
    return {name: torch.tensor((rng.normal(size=tuple(p.shape)) * 0.3).astype(np.float32))
            for name, p in model.named_parameters()}


rng = np.random.default_rng(5)
x = torch.tensor(rng.normal(size=(32, 4)).astype(np.float32))
y = torch.tensor(rng.normal(size=(32, 2)).astype(np.float32))

model = TwoLayerNet(4, 16, 2)
model.load_state_dict(numpy_weights(model, 6))
print("parameters:", sum(p.numel() for p in model.parameters()))
print("names:", len(list(model.named_parameters())))

criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
for t in range(100):
    y_pred = model(x)
    loss = criterion(y_pred, y)
    if t % 20 == 19:
        print(t, f"{loss.item():.6f}")
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
