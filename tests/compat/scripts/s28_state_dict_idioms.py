"""state_dict idioms from everyday training code: a best-weights snapshot with clone(), a
deepcopy backup, sizes, in-place copy_, torch.save / torch.load, and loading one model's
state into another."""
import copy
import os
import tempfile

import numpy as np
import torch
from torch import nn


def make_model():
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))


rng = np.random.default_rng(28)
model = make_model()


def draw(name, value):
    if not value.is_floating_point():
        return value
    values = rng.normal(size=tuple(value.shape))
    if name.endswith("running_var"):
        values = np.abs(values) + 0.5
    return torch.tensor(values.astype(np.float32))


model.load_state_dict({k: draw(k, v) for k, v in model.state_dict().items()})
x = torch.tensor(rng.normal(size=(8, 3)).astype(np.float32))
target = torch.tensor(rng.integers(0, 2, size=8))

state = model.state_dict()
for name, value in state.items():
    print(name, tuple(value.size()), value.numel(), value.requires_grad)

best = {k: v.clone() for k, v in model.state_dict().items()}
backup = copy.deepcopy(model.state_dict())
model.eval()
with torch.no_grad():
    start = nn.functional.cross_entropy(model(x), target).item()
print("loss at the start:", f"{start:.6f}")

model.train()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
for _ in range(3):
    loss = nn.functional.cross_entropy(model(x), target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print("earlier state sees the step:", torch.allclose(state["0.weight"], model[0].weight))
print("batches tracked, seen through the earlier state:", state["1.num_batches_tracked"].item())
print("the clone is a snapshot:", torch.allclose(best["0.weight"], state["0.weight"]))
print("the deepcopy is a snapshot:", torch.allclose(backup["3.bias"], state["3.bias"]))

model.eval()
with torch.no_grad():
    trained = nn.functional.cross_entropy(model(x), target).item()
print("loss after training:", f"{trained:.6f}")
model.load_state_dict(best)
with torch.no_grad():
    print("loss after restoring the clone:",
          f"{nn.functional.cross_entropy(model(x), target).item():.6f}")
model.load_state_dict(backup)
with torch.no_grad():
    print("loss after restoring the deepcopy:",
          f"{nn.functional.cross_entropy(model(x), target).item():.6f}")

folder = tempfile.mkdtemp()
path = os.path.join(folder, "weights.pt")
torch.save(model.state_dict(), path)
loaded = torch.load(path)
print("loaded sizes:", [tuple(loaded[k].size()) for k in ("0.weight", "1.running_var")])
other = make_model()
other.load_state_dict(loaded)
other.eval()
with torch.no_grad():
    print("same outputs after torch.load:", torch.allclose(other(x), model(x)))

twin = make_model()
twin.load_state_dict(model.state_dict())
with torch.no_grad():
    model.state_dict()["3.bias"].copy_(torch.zeros(2))
print("copy_ into the state writes the model:", model[3].bias.abs().sum().item())
print("the twin holds its own copy:", twin[3].bias.abs().sum().item() > 0)
kept = model.state_dict(keep_vars=True)["0.weight"]
print("keep_vars gives the parameter:", kept is model[0].weight, kept.requires_grad)
print("prefixed names:", list(model[3].state_dict(prefix="head.")))
