"""dtypes: defaults, conversions and what arithmetic between dtypes gives."""
import numpy as np
import torch

f = torch.tensor([1.5, 2.5, -3.7])
i = torch.tensor([1, 2, 3])
print("default float32:", f.dtype == torch.float32, "default int64:", i.dtype == torch.int64)
print("long:", f.long().tolist(), f.long().dtype == torch.int64)
print("int:", f.int().tolist(), f.int().dtype == torch.int32)
print("double:", f.double().dtype == torch.float64)
print("to float64:", f.to(torch.float64).dtype == torch.float64)
print("bool:", i.bool().tolist())
print("float of int:", i.float().tolist(), i.float().dtype == torch.float32)

print("int / 2 is float32:", (i / 2).dtype == torch.float32, (i / 2).tolist())
print("int * 1.5 is float32:", (i * 1.5).dtype == torch.float32)
print("float32 + int64 is float32:", (f + i).dtype == torch.float32)
print("float32 + float64 is float64:", (f + f.double()).dtype == torch.float64)
print("int + int stays int64:", (i + i).dtype == torch.int64)
print("float32 * numpy float64 scalar:", (f * np.float64(2.0)).dtype == torch.float32)
print("comparison gives bool:", (f > 0).dtype == torch.bool)

x = torch.tensor(np.arange(6, dtype=np.float64).reshape(2, 3))
print("from float64 numpy:", x.dtype == torch.float64)
print("as float32:", x.float().sum().item(), x.float().dtype == torch.float32)
z = torch.zeros(2, 2, dtype=torch.float64)
print("zeros float64:", z.dtype == torch.float64)
print("type_as:", i.type_as(f).dtype == torch.float32)
print("numpy round trip:", f.numpy().dtype == np.float32)
