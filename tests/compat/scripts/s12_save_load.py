"""Save and load a state_dict and a training checkpoint with torch.save / torch.load."""
import os
import tempfile

import numpy as np
import torch
from torch import nn


def make_model():
    return nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))


rng = np.random.default_rng(10)
model = make_model()
model.load_state_dict({k: torch.tensor(rng.normal(size=tuple(v.shape)).astype(np.float32))
                       for k, v in model.state_dict().items()})
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
x = torch.tensor(rng.normal(size=(8, 3)).astype(np.float32))
target = torch.tensor(rng.integers(0, 2, size=8))
for _ in range(3):
    loss = nn.functional.cross_entropy(model(x), target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print("loss before saving:", f"{loss.item():.6f}")

folder = tempfile.mkdtemp()
weights_path = os.path.join(folder, "model_weights.pth")
torch.save(model.state_dict(), weights_path)

restored = make_model()
restored.load_state_dict(torch.load(weights_path))
restored.eval()
with torch.no_grad():
    same = torch.allclose(restored(x), model(x))
print("restored model gives the same outputs:", same)

checkpoint_path = os.path.join(folder, "checkpoint.pt")
torch.save({"epoch": 3, "model_state_dict": model.state_dict(),
            "optimizer_state_dict": optimizer.state_dict(), "loss": loss.item()},
           checkpoint_path)
checkpoint = torch.load(checkpoint_path)
model2 = make_model()
optimizer2 = torch.optim.Adam(model2.parameters(), lr=0.5)
model2.load_state_dict(checkpoint["model_state_dict"])
optimizer2.load_state_dict(checkpoint["optimizer_state_dict"])
print("epoch:", checkpoint["epoch"], "loss:", f"{checkpoint['loss']:.6f}")
print("learning rate restored:", optimizer2.param_groups[0]["lr"])
for _ in range(2):
    for m, opt in ((model, optimizer), (model2, optimizer2)):
        l = nn.functional.cross_entropy(m(x), target)
        opt.zero_grad()
        l.backward()
        opt.step()
print("resumed training matches:", torch.allclose(model(x), model2(x)))
print("final loss:", f"{nn.functional.cross_entropy(model2(x), target).item():.6f}")
