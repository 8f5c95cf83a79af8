"""A three-class classifier with CrossEntropyLoss, reporting accuracy each epoch."""
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(18)
centers = np.array([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]])
labels_np = rng.integers(0, 3, size=90)
points = (centers[labels_np] + rng.normal(scale=0.8, size=(90, 2))).astype(np.float32)
inputs = torch.tensor(points)
labels = torch.tensor(labels_np)

model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
model.load_state_dict({k: torch.tensor((rng.normal(size=tuple(v.shape)) * 0.4).astype(np.float32))
                       for k, v in model.state_dict().items()})
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(40):
    outputs = model(inputs)
    loss = loss_fn(outputs, labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if epoch % 8 == 7:
        correct = (outputs.argmax(1) == labels).sum().item()
        print(f"epoch {epoch} loss {loss.item():.6f} accuracy {100.0 * correct / len(labels):.2f}%")

smooth = nn.CrossEntropyLoss(label_smoothing=0.1)(model(inputs), labels)
print("label smoothing:", f"{smooth.item():.6f}")
log_probs = torch.log_softmax(model(inputs), dim=1)
nll = nn.NLLLoss()(log_probs, labels).item()
print("nll equals ce:", abs(nll - loss_fn(model(inputs), labels).item()) < 1e-5)
