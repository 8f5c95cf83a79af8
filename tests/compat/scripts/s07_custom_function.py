"""A custom autograd Function: the cubic Hermite polynomial H3(x) = 8x^3 - 12x with its
hand-written derivative, used inside a small fit."""
import numpy as np
import torch


class Hermite3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 8 * input ** 3 - 12 * input

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * (24 * input ** 2 - 12)


x = torch.tensor(np.linspace(-1, 1, 7), requires_grad=True)
y = Hermite3.apply(x)
print("H3:", [round(v, 5) for v in y.tolist()])
y.sum().backward()
print("dH3/dx:", [round(v, 5) for v in x.grad.tolist()])

rng = np.random.default_rng(4)
inputs = torch.tensor(rng.uniform(-1, 1, size=50))
target = 0.3 * (8 * inputs ** 3 - 12 * inputs) + 0.1
scale = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
shift = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
hermite = Hermite3.apply
for step in range(60):
    pred = scale * hermite(inputs) + shift
    loss = ((pred - target) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        scale -= 0.01 * scale.grad
        shift -= 0.01 * shift.grad
        scale.grad.zero_()
        shift.grad.zero_()
    if step % 20 == 0:
        print(step, f"{loss.item():.6f}")
print("scale", f"{scale.item():.5f}", "shift", f"{shift.item():.5f}")
