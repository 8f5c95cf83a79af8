"""Tensor basics: creating tensors, indexing, reshaping, dtypes and broadcasting."""
import numpy as np
import torch

data = [[1, 2, 3], [4, 5, 6]]
x_data = torch.tensor(data)
print("from a list:", x_data.tolist(), x_data.shape[0], x_data.shape[1])

np_array = np.array(data, dtype=np.float32)
x_np = torch.from_numpy(np_array)
print("from numpy:", x_np.sum().item())

x_ones = torch.ones_like(x_data)
x_zeros = torch.zeros(2, 3)
print("ones_like sum:", x_ones.sum().item(), "zeros sum:", x_zeros.sum().item())

r = torch.arange(12, dtype=torch.float32)
m = r.reshape(3, 4)
print("row 1:", m[1].tolist())
print("column 2:", m[:, 2].tolist())
print("last element:", m[-1, -1].item())
print("slice:", m[1:, ::2].tolist())

print("view:", m.view(4, 3)[3].tolist())
print("transpose:", m.t().shape[0], m.t().shape[1])
print("flatten:", m.flatten()[5].item())
print("unsqueeze:", list(m.unsqueeze(0).shape))

v = torch.linspace(0, 1, steps=5)
print("linspace:", [round(t, 4) for t in v.tolist()])
print("is float32:", v.dtype == torch.float32)

col = torch.tensor([[1.0], [2.0], [3.0]])
row = torch.tensor([10.0, 20.0, 30.0, 40.0])
grid = col * row
print("broadcast shape:", list(grid.shape), "sum:", grid.sum().item())

mask = m > 5
print("mask count:", mask.sum().item())
print("masked values:", m[mask].tolist())

agg = m.sum()
print("mean:", m.mean().item(), "max:", m.max().item(), "agg:", agg.item())
print("mean over rows:", m.mean(dim=0).tolist())

t = torch.cat([m, m], dim=1)
print("cat shape:", list(t.shape))
s = torch.stack([r, r])
print("stack shape:", list(s.shape))

print("matmul:", (m @ m.T)[0].tolist())
