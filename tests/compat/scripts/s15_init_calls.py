"""torch.nn.init: constant and deterministic initializers, gains, and the bounds the random
ones respect."""
import math

import torch
import torch.nn as nn

layer = nn.Linear(20, 10)
nn.init.constant_(layer.bias, 0.1)
print("bias:", round(layer.bias.sum().item(), 5))
nn.init.zeros_(layer.bias)
print("zeros:", layer.bias.abs().sum().item())
nn.init.ones_(layer.weight)
print("ones:", layer.weight.sum().item())

print("gain relu:", round(nn.init.calculate_gain("relu"), 6))
print("gain tanh:", round(nn.init.calculate_gain("tanh"), 6))
print("gain leaky 0.2:", round(nn.init.calculate_gain("leaky_relu", 0.2), 6))

nn.init.xavier_uniform_(layer.weight)
bound = math.sqrt(6.0 / (20 + 10))
print("xavier within bound:", bool((layer.weight.abs() <= bound).all()))

nn.init.kaiming_uniform_(layer.weight, nonlinearity="relu")
bound = math.sqrt(2.0) * math.sqrt(3.0 / 20)
print("kaiming within bound:", bool((layer.weight.abs() <= bound).all()))

nn.init.uniform_(layer.weight, a=-0.01, b=0.01)
print("uniform within bound:", bool((layer.weight.abs() <= 0.01).all()))

big = torch.empty(200, 300)
nn.init.normal_(big, mean=0.0, std=0.02)
print("normal std close:", abs(big.std().item() - 0.02) < 0.001)

conv = nn.Conv2d(3, 8, 3)
nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")
expected = math.sqrt(2.0 / (8 * 3 * 3))
print("kaiming normal std close:", abs(conv.weight.std().item() - expected) < 0.05 * expected * 4)


def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.constant_(m.weight, 0.5)
        nn.init.zeros_(m.bias)


net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
net.apply(init_weights)
print("after apply:", net(torch.ones(1, 3)).item())
