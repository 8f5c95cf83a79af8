"""The fashion_cnn step's non-convolution ops, one at a time: CPU milliseconds of a forward
and backward call on the model's shapes at batch 128 (the fastest of `--repeats`), so that
two checkouts can be compared on a shared machine by alternating runs:

    PYTHONPATH=src .venv/bin/python bench/fashion_ops.py
    PYTHONPATH=<older checkout>/src .venv/bin/python bench/fashion_ops.py
    PYTHONPATH=src .venv/bin/python bench/fashion_ops.py --kernels   # kernels vs references

Dropout goes through `nn.functional.dropout`, or `nnforge.autograd.dropout` where a
checkout has it (`--dropout-op`). Each case runs in a fresh process: glibc's allocator
adapts its threshold for returning large blocks to the system to the blocks freed before,
so an op measured after other ops can pay thousands of page faults a call (10+ ms of
system time for the 12.8 MB batch-norm arrays) that it does not pay alone, or the
reverse; the page faults per call are printed beside each figure.
"""
import argparse
import resource
import subprocess
import sys

import numpy as np

import harness  # bench/harness.py: the script's folder is on sys.path


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


def kernel_cases():
    """(name, kernel call, reference call) of the batch-norm and ReLU kernels on the two
    conv outputs' shapes, and of the dropout and cross-entropy kernels where present."""
    from nnforge import kernels
    from nnforge.autograd.activations import relu, relu_backward
    from nnforge.autograd.normalization import batch_norm_backward, batch_statistics

    rng = np.random.default_rng(0)
    found = []
    for shape in [(128, 32, 28, 28), (128, 64, 14, 14)]:
        x = rng.standard_normal(shape).astype(np.float32)
        grad = rng.standard_normal(shape).astype(np.float32)
        mean, var = batch_statistics.reference(x)
        invstd = (1 / np.sqrt(var + 1e-5)).astype(np.float32)
        centered, out = x - mean[:, None, None], kernels.relu(x)
        name = "x".join(map(str, shape))
        found += [
            (f"batch-norm statistics, {name}", lambda x=x: kernels.batch_statistics(x),
             lambda x=x: batch_statistics.reference(x)),
            (f"batch-norm backward, {name}",
             lambda g=grad, c=centered, i=invstd: kernels.batch_norm_backward(g, c, i, i, True),
             lambda g=grad, c=centered, i=invstd: batch_norm_backward.reference(g, c, i, i,
                                                                                True)),
            (f"ReLU, {name}", lambda x=x: kernels.relu(x), lambda x=x: relu.reference(x)),
            (f"ReLU backward, {name}", lambda g=grad, o=out: kernels.relu_backward(g, o),
             lambda g=grad, o=out: relu_backward.reference(g, o)),
        ]
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--dropout-op", action="store_true",
                        help="call nnforge.autograd.dropout.dropout instead of F.dropout")
    parser.add_argument("--case", type=int, help="run this case only (in this process)")
    parser.add_argument("--kernels", action="store_true",
                        help="time the batch-norm and ReLU kernels against their references")
    args = parser.parse_args()
    if args.kernels:
        for name, kernel, reference in kernel_cases():
            print(f"{harness.fastest_cpu_ms(kernel, args.repeats):8.3f} ms kernel "
                  f"{harness.fastest_cpu_ms(reference, args.repeats):8.3f} ms reference  {name}")
        return
    if args.case is None:       # each case in a fresh process: see the module docstring
        import nnforge
        print(f"nnforge from {nnforge.__file__}, backend {nnforge.get_backend()}")
        for case in range(len(cases(args.dropout_op))):
            command = [sys.executable, __file__, "--case", str(case), "--repeats",
                       str(args.repeats)] + (["--dropout-op"] if args.dropout_op else [])
            subprocess.run(command, check=True)
        return
    name, fn = cases(args.dropout_op)[args.case]
    fn()                        # compiles or loads the kernels: not counted
    before = resource.getrusage(resource.RUSAGE_SELF)
    ms = harness.fastest_cpu_ms(fn, args.repeats)
    after = resource.getrusage(resource.RUSAGE_SELF)
    faults = (after.ru_minflt - before.ru_minflt) / (args.repeats + 1)
    print(f"{ms:8.3f} ms  ({faults:5.0f} page faults a call)  {name}", flush=True)


if __name__ == "__main__":
    main()
