"""Linear regression by hand: gradient descent with -= under no_grad, then zero the grads."""
import numpy as np
import torch

rng = np.random.default_rng(0)
X = torch.from_numpy(rng.normal(size=(64, 3)).astype(np.float32))
true_w = torch.tensor([[2.0], [-1.0], [0.5]])
y = X @ true_w + 0.3

w = torch.zeros(3, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
lr = 0.1

for epoch in range(30):
    pred = X @ w + b
    loss = ((pred - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    w.grad.zero_()
    b.grad.zero_()
    if epoch % 5 == 0:
        print(f"epoch {epoch}: loss {loss.item():.6f}")

print("w:", [round(v, 4) for v in w.detach().flatten().tolist()])
print("b:", round(b.item(), 4))
