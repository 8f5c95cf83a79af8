"""A map-style Dataset subclass with a per-sample transform, batched by a DataLoader."""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, random_split


class NoisySquares(Dataset):
    def __init__(self, count, seed):
        rng = np.random.default_rng(seed)
        self.x = rng.uniform(-1, 1, size=(count, 2)).astype(np.float32)
        self.y = (self.x ** 2).sum(axis=1).astype(np.float32)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, index):
        features = torch.tensor(self.x[index])
        target = torch.tensor([self.y[index]])
        return features, target


dataset = NoisySquares(48, seed=23)
print("length:", len(dataset))
features, target = dataset[3]
print("sample:", [round(v, 5) for v in features.tolist()], round(target.item(), 5))

train_set, val_set = random_split(dataset, [40, 8])
print("split sizes:", len(train_set), len(val_set))

loader = DataLoader(dataset, batch_size=12, shuffle=False)
model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
rng = np.random.default_rng(24)
model.load_state_dict({k: torch.tensor((rng.normal(size=tuple(v.shape)) * 0.5).astype(np.float32))
                       for k, v in model.state_dict().items()})
optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
for epoch in range(6):
    running = 0.0
    for batch, (xb, yb) in enumerate(loader):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(xb), yb)
        loss.backward()
        optimizer.step()
        running += loss.item()
    print(f"epoch {epoch}: {running / len(loader):.6f}")
xb, yb = next(iter(loader))
print("batch:", list(xb.shape), list(yb.shape), xb.dtype == torch.float32)
