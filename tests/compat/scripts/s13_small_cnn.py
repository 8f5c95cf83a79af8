"""A small convolutional network: forward, backward and optimizer steps on fake images."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(4, 8, 3)
        self.fc1 = nn.Linear(8 * 2 * 2, 16)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


net = SmallCNN()
rng = np.random.default_rng(11)
net.load_state_dict({k: torch.tensor((rng.normal(size=tuple(v.shape)) * 0.3).astype(np.float32))
                     for k, v in net.state_dict().items()})
images = torch.tensor(rng.normal(size=(6, 1, 14, 14)).astype(np.float32))
labels = torch.tensor(np.array([0, 1, 2, 0, 1, 2]))

out = net(images)
print("output shape:", list(out.shape))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
for step in range(8):
    optimizer.zero_grad()
    outputs = net(images)
    loss = criterion(outputs, labels)
    loss.backward()
    optimizer.step()
    print(step, f"{loss.item():.6f}")

print("conv1 grad norm:", f"{net.conv1.weight.grad.norm().item():.6f}")
_, predicted = torch.max(net(images), 1)
print("predicted:", predicted.tolist())
