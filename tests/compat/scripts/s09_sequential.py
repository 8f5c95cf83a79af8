"""nn.Sequential: build, index, inspect parameters and state_dict, run forward."""
import numpy as np
import torch
import torch.nn as nn

model = nn.Sequential(
    nn.Linear(5, 8),
    nn.Tanh(),
    nn.Linear(8, 8),
    nn.Sigmoid(),
    nn.Linear(8, 3),
)
print("layers:", len(model))
state = model.state_dict()
print("keys:", len(state))
for name, value in state.items():
    print(name.count("."), list(value.shape))

rng = np.random.default_rng(7)
model.load_state_dict({k: torch.tensor(rng.uniform(-0.5, 0.5, size=tuple(v.shape))
                                       .astype(np.float32)) for k, v in state.items()})
x = torch.tensor(rng.normal(size=(4, 5)).astype(np.float32))
out = model(x)
print("output:", [[round(v, 5) for v in row] for row in out.tolist()])
first = model[0]
print("first layer features:", first.in_features, first.out_features)
hidden = model[1](model[0](x))
print("after tanh in range:", bool((hidden.abs() <= 1).all()))
row_sums = torch.softmax(out, dim=1).sum(dim=1)
print("softmax rows sum to one:", [round(v, 5) for v in row_sums.tolist()])
