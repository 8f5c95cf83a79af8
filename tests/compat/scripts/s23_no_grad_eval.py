"""Evaluation under torch.no_grad() and model.eval(): predictions by argmax, per-class
counts, and dropout switched off."""
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(20)
X = torch.tensor(rng.normal(size=(30, 6)).astype(np.float32))
y = torch.tensor(rng.integers(0, 4, size=30))

model = nn.Sequential(nn.Linear(6, 12), nn.ReLU(), nn.Dropout(0.5), nn.Linear(12, 4))
model.load_state_dict({k: torch.tensor((rng.normal(size=tuple(v.shape)) * 0.5).astype(np.float32))
                       for k, v in model.state_dict().items()})

model.eval()
with torch.no_grad():
    logits = model(X)
    predictions = torch.argmax(logits, dim=1)
    again = model(X).argmax(dim=1)
print("graph built:", logits.requires_grad)
print("deterministic in eval mode:", bool((predictions == again).all()))
print("predictions:", predictions.tolist())
print("accuracy:", (predictions == y).float().mean().item())
for c in range(4):
    print("class", c, "predicted", (predictions == c).sum().item(), "true", (y == c).sum().item())
top2 = torch.topk(logits, 2, dim=1)
print("top-2 hits:", (top2.indices == y.unsqueeze(1)).any(dim=1).sum().item())
probabilities = torch.softmax(logits, dim=1)
confidence, best = probabilities.max(dim=1)
print("mean confidence:", f"{confidence.mean().item():.6f}")
print("same as argmax:", torch.equal(best, predictions))
model.train()
print("train mode:", model.training)
