"""Each numba kernel against its NumPy reference on the bench CNN's and MLP's shapes.

CPU milliseconds of one call on the calling thread, the fastest of `--repeats` after a
warm-up call, so the figures move little when other processes load the machine. Both
paths run in this one process: they share no threads. Only the whole convolutions
(forward and backward, the last rows) call NumPy's BLAS; run with OPENBLAS_NUM_THREADS=1
to compare their CPU time on one thread (their "reference" is im2col with the numba
re-layouts, the numba backend's path before Winograd and the direct convolution).

    .venv/bin/python bench/kernels.py [--repeats 15]
"""
import argparse

import numpy as np

import harness  # bench/harness.py: the script's folder is on sys.path


def _convolution(conv2d_forward, x, weight, bias, grad, needs_x):
    """One training step's work of a convolution: forward, then its gradients."""
    def run():
        _, gradients = conv2d_forward(x, weight, bias, (1, 1), (1, 1), (1, 1))
        gradients(grad, needs_x, True, True)
    return run


def convolution_cases(rng):
    """The bench CNN's two convolutions, forward and backward, im2col against the
    kernels' choice (direct for conv1's one channel, Winograd for conv2's 32)."""
    from nnforge import kernels
    from nnforge.autograd.conv import conv2d_forward
    cases = []
    for name, (N, C, H, O), needs_x in (("conv1 1->32, 28x28", (64, 1, 28, 32), False),
                                        ("conv2 32->64, 14x14", (64, 32, 14, 64), True)):
        x = rng.standard_normal((N, C, H, H)).astype(np.float32)
        w = rng.standard_normal((O, C, 3, 3)).astype(np.float32)
        b = rng.standard_normal(O).astype(np.float32)
        g = rng.standard_normal((N, O, H, H)).astype(np.float32)
        cases.append((f"{name}, forward + backward",
                      _convolution(conv2d_forward.reference, x, w, b, g, needs_x),
                      _convolution(kernels.conv2d_forward, x, w, b, g, needs_x)))
    return cases


def cases():
    from nnforge import kernels
    from nnforge.autograd.activations import relu, relu_backward
    from nnforge.autograd.normalization import batch_norm_backward, batch_statistics, normalize
    from nnforge.autograd.conv import col2im, columns_to_images, im2col, images_to_columns
    from nnforge.autograd.pooling import (avg_pool2d, avg_pool2d_backward, max_pool2d,
                                          max_pool2d_backward)
    from nnforge.optim.adam import adam_step
    from nnforge.optim.sgd import sgd_step

    rng = np.random.default_rng(0)
    x2 = rng.standard_normal((64, 32, 14, 14)).astype(np.float32)     # conv2's input
    conv = ((3, 3), (1, 1), (1, 1), (1, 1))
    cols = im2col.reference(x2, *conv)
    x1 = rng.standard_normal((64, 32, 28, 28)).astype(np.float32)     # conv1's output
    pool = ((2, 2), (2, 2), (0, 0), (1, 1))
    out, switches = max_pool2d.reference(x1, *pool)
    grad = np.ones_like(out)
    gemm_out = rng.standard_normal((32, 64 * 28 * 28)).astype(np.float32)  # conv1's GEMM
    bias = rng.standard_normal(32).astype(np.float32)
    mean, scale = bias + 1, np.abs(bias) + 0.5
    n = 235_146                                                       # the MLP's parameters
    p, g = rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)
    m, v, work = np.zeros_like(p), np.zeros_like(p), np.empty_like(p)
    adam = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, step=3)
    sgd = dict(lr=1e-3, momentum=0.9, dampening=0.0, nesterov=False, first=False)
    return [
        ("im2col, conv2 (64x32x14x14, 3x3)", lambda: im2col.reference(x2, *conv),
         lambda: kernels.im2col(x2, *conv)),
        ("col2im, conv2", lambda: col2im.reference(cols, x2.shape, *conv),
         lambda: kernels.col2im(cols, x2.shape, *conv)),
        ("GEMM columns + bias -> NCHW, conv1 (32 x 64*28*28)",
         lambda: columns_to_images.reference(gemm_out, bias, x1.shape),
         lambda: kernels.columns_to_images(gemm_out, bias, x1.shape)),
        ("NCHW -> GEMM columns, conv1's gradient", lambda: images_to_columns.reference(x1),
         lambda: kernels.images_to_columns(x1)),
        ("max pool 2x2 forward (64x32x28x28)", lambda: max_pool2d.reference(x1, *pool),
         lambda: kernels.max_pool2d(x1, *pool)),
        ("max pool 2x2 backward", lambda: max_pool2d_backward.reference(
            grad, switches, x1.shape, *pool),
         lambda: kernels.max_pool2d_backward(grad, switches, x1.shape, *pool)),
        ("avg pool 3x3 stride 1 pad 1 forward (64x32x28x28)",
         lambda: avg_pool2d.reference(x1, (3, 3), (1, 1), (1, 1), True),
         lambda: kernels.avg_pool2d(x1, (3, 3), (1, 1), (1, 1), True)),
        ("batch norm statistics (64x32x28x28)", lambda: batch_statistics.reference(x1),
         lambda: kernels.batch_statistics(x1)),
        ("batch norm normalize", lambda: normalize.reference(x1, mean, scale, bias),
         lambda: kernels.normalize(x1, mean, scale, bias)),
        ("batch norm backward", lambda: batch_norm_backward.reference(
            x1, x1, scale, scale, True), lambda: kernels.batch_norm_backward(
            x1, x1, scale, scale, True)),
        ("ReLU forward (64x32x28x28)", lambda: relu.reference(x1), lambda: kernels.relu(x1)),
        ("ReLU backward", lambda: relu_backward.reference(x1, x1),
         lambda: kernels.relu_backward(x1, x1)),
        ("Adam update, 235k parameters", lambda: adam_step.reference(p, g, m, v, None, work,
                                                                     **adam),
         lambda: kernels.adam_step(p, g, m, v, None, work, **adam)),
        ("SGD momentum update, 235k", lambda: sgd_step.reference(p, g, m, work, **sgd),
         lambda: kernels.sgd_step(p, g, m, work, **sgd)),
    ] + convolution_cases(rng)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    print("| op | NumPy reference CPU ms | numba kernel CPU ms | reference / kernel |")
    print("|---|---:|---:|---:|")
    for name, reference, kernel in cases():
        ref, ker = harness.fastest_cpu_ms(reference, args.repeats), harness.fastest_cpu_ms(kernel, args.repeats)
        print(f"| {name} | {ref:.2f} | {ker:.2f} | {ref / ker:.1f}x |")


if __name__ == "__main__":
    main()
