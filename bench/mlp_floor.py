"""The MLP bench's GEMM floor: the time NumPy's BLAS needs for the matrix products of one
training step alone, with nothing else (no activations, loss, optimizer or Python).

784-256-128-10 at batch 128, float32, as in bench/mlp.py: three forward products, three
weight gradients and two input gradients (the first layer needs none). No framework that
calls this BLAS can take a step in less time; dividing by PyTorch's step time from
bench/mlp.py gives the lowest ratio nnforge could reach on this machine.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python bench/mlp_floor.py
"""
import json
import time

import numpy as np

SIZES = (784, 256, 128, 10)
BATCH = 128


def step_products(rng):
    """The (a, b) operand pairs of one step's products, laid out as the layers hold them."""
    x = [rng.standard_normal((BATCH, n), dtype=np.float32) for n in SIZES]
    w = [rng.standard_normal((o, i), dtype=np.float32) for i, o in zip(SIZES, SIZES[1:])]
    g = x[1:]                                  # output gradients have the outputs' shapes
    forward = [(x[k], w[k].T) for k in range(3)]
    weight_grads = [(g[k].T, x[k]) for k in range(3)]
    input_grads = [(g[k], w[k]) for k in (1, 2)]
    return forward + weight_grads + input_grads


def main():
    products = step_products(np.random.default_rng(0))
    flops = sum(2 * a.shape[0] * a.shape[1] * b.shape[1] for a, b in products)
    for a, b in products:
        a @ b
    times = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(200):
            for a, b in products:
                a @ b
        times.append((time.perf_counter() - start) / 200)
    best = min(times)
    print(json.dumps({"gemm_ms_per_step": round(best * 1e3, 4), "mflop": flops / 1e6,
                      "gflops": round(flops / best / 1e9, 1)}))


if __name__ == "__main__":
    main()
