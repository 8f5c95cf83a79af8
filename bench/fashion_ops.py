"""The fashion_cnn step's non-convolution ops, one at a time: CPU milliseconds of a forward
and backward call on the model's shapes at batch 128 (the fastest of `--repeats`), so that
two checkouts can be compared on a shared machine by alternating runs:

    PYTHONPATH=src .venv/bin/python bench/fashion_ops.py
    PYTHONPATH=<older checkout>/src .venv/bin/python bench/fashion_ops.py

Dropout goes through `nn.functional.dropout`, or `nnforge.autograd.dropout` where a
checkout has it (`--dropout-op`).
"""
import argparse
import time

import numpy as np


def fastest_cpu_ms(fn, repeats):
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return 1e3 * best


def forward_backward(module, x):
    def run():
        out = module(x)
        out.backward(np.ones(out.shape, dtype=np.float32))
    return run


def cases(dropout_op):
    import nnforge
    from nnforge import nn

    nnforge.manual_seed(0)
    rng = np.random.default_rng(0)

    def leaf(*shape):
        return nnforge.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)

    def dropout(p):
        if dropout_op:
            from nnforge.autograd.dropout import dropout as op
            return lambda x: op(x, p, nnforge.random.default_generator())
        return lambda x: nn.functional.dropout(x, p, True)

    logits, target = leaf(128, 10), nnforge.tensor(rng.integers(0, 10, 128))

    def cross_entropy():
        nn.functional.cross_entropy(logits, target).backward()

    def batch_norm_relu(channels):
        norm, relu = nn.BatchNorm2d(channels), nn.ReLU()
        return lambda x: relu(norm(x))

    fc = nn.Linear(3136, 128)
    adam = nnforge.optim.Adam(fc.parameters(), lr=1e-3)
    for p in fc.parameters():
        p.grad = nnforge.tensor(rng.standard_normal(p.shape).astype(np.float32))
    return [
        ("dropout p=0.25, 128x3136, forward + backward",
         forward_backward(dropout(0.25), leaf(128, 3136))),
        ("dropout p=0.5, 128x128, forward + backward",
         forward_backward(dropout(0.5), leaf(128, 128))),
        ("cross_entropy, 128x10 logits, forward + backward", cross_entropy),
        ("BatchNorm2d + ReLU, 128x32x28x28, forward + backward",
         forward_backward(batch_norm_relu(32), leaf(128, 32, 28, 28))),
        ("BatchNorm2d + ReLU, 128x64x14x14, forward + backward",
         forward_backward(batch_norm_relu(64), leaf(128, 64, 14, 14))),
        ("BatchNorm1d, 128x128, forward + backward",
         forward_backward(nn.BatchNorm1d(128), leaf(128, 128))),
        ("Adam step, Linear(3136, 128) (401k parameters)", adam.step),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--dropout-op", action="store_true",
                        help="call nnforge.autograd.dropout.dropout instead of F.dropout")
    args = parser.parse_args()
    import nnforge
    print(f"nnforge from {nnforge.__file__}, backend {nnforge.get_backend()}")
    for name, fn in cases(args.dropout_op):
        print(f"{fastest_cpu_ms(fn, args.repeats):8.3f} ms  {name}")


if __name__ == "__main__":
    main()
