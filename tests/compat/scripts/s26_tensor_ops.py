"""Everyday tensor operations: split and chunk, gather, topk and sort, where, comparisons,
and reductions with a dim."""
import numpy as np
import torch

rng = np.random.default_rng(22)
scores = torch.tensor(rng.normal(size=(4, 6)).round(3))

first, second = torch.split(scores, 3, dim=1)
print("split:", list(first.shape), list(second.shape))
parts = scores.chunk(2)
print("chunks:", len(parts), [round(p.sum().item(), 4) for p in parts])

values, indices = torch.topk(scores, k=2, dim=1)
print("top-2 values:", values.tolist())
print("top-2 indices:", indices.tolist())
ordered, order = torch.sort(scores[0], descending=True)
print("sorted:", ordered.tolist(), order.tolist())

picked = torch.gather(scores, 1, torch.tensor([[0], [1], [2], [3]]))
print("gather:", picked.flatten().tolist())
best, where_best = torch.max(scores, dim=1)
print("max:", best.tolist(), where_best.tolist())
print("argmin:", torch.argmin(scores, dim=0).tolist())

clipped = torch.where(scores > 0, scores, torch.zeros_like(scores))
print("relu by where:", round(clipped.sum().item(), 4))
print("eq:", torch.eq(scores, scores).all().item(), "gt count:", torch.gt(scores, 0.5).sum().item())
print("masked_fill:", round(scores.masked_fill(scores < 0, 0.0).sum().item(), 4))
print("cumsum:", [round(v, 4) for v in scores[0].cumsum(0).tolist()])
print("std:", round(scores.std().item(), 5))
print("var by row:", [round(v, 5) for v in scores.var(1).tolist()])
print("norm:", round(scores.norm().item(), 5))
angles = torch.tensor([0.0, 0.5, 1.0])
print("trig:", [round(v, 5) for v in (torch.sin(angles) + torch.cos(angles)).tolist()])
print("mm:", torch.mm(scores[:, :2], scores[:2, :]).shape[1])
print("bmm:", list(torch.bmm(scores.reshape(2, 2, 6), scores.reshape(2, 6, 2)).shape))
print("permute:", list(scores.reshape(2, 3, 4).permute(2, 0, 1).shape))
print("squeeze:", list(scores[:, :1].squeeze(1).shape))
print("repeat:", list(scores[:1].repeat(3, 1).shape))
