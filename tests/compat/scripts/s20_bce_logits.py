"""A binary classifier trained with BCEWithLogitsLoss; accuracy from the sign of the logit."""
import numpy as np
import torch
from torch import nn

rng = np.random.default_rng(17)
points = rng.normal(size=(80, 2)).astype(np.float32)
labels = (points[:, 0] + 0.5 * points[:, 1] > 0).astype(np.float32)
X = torch.from_numpy(points)
y = torch.from_numpy(labels).unsqueeze(1)

model = nn.Sequential(nn.Linear(2, 6), nn.ReLU(), nn.Linear(6, 1))
model.load_state_dict({k: torch.tensor((rng.normal(size=tuple(v.shape)) * 0.5).astype(np.float32))
                       for k, v in model.state_dict().items()})
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
for epoch in range(50):
    logits = model(X)
    loss = criterion(logits, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if epoch % 10 == 9:
        predicted = (logits > 0).float()
        accuracy = (predicted == y).float().mean().item()
        print(epoch, f"loss={loss.item():.6f}", f"accuracy={accuracy:.4f}")

probabilities = torch.sigmoid(model(X[:5]))
print("probabilities:", [round(p, 4) for p in probabilities.flatten().tolist()])
weighted = nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0]))(model(X), y)
print("weighted loss:", f"{weighted.item():.6f}")
