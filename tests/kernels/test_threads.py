"""The thread plan (nnforge.threads): with it on, the threaded kernels equal their
references on random shapes (the kernels' own hypothesis tests, run again with the plan
on) and the serial kernels on larger arrays; it stays off where it must (one thread
allowed, other threads, forked children), and a forked child's kernels still run."""
import multiprocessing
import threading

import numba
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nnforge
from nnforge import perf, threads
from nnforge.autograd.conv import conv2d_forward
from nnforge.kernels import (activations, direct_conv, normalization, pooling, products,
                             winograd)
from nnforge.nn import functional as F
import test_direct_conv as direct_conv_tests
import test_pooling as pooling_tests
import test_winograd as winograd_tests
from kernel_strategies import arrays


@pytest.fixture
def plan():
    """The plan on for one test (skipped where numba has a single thread)."""
    threads.disable()
    with threadpool_limits(2, user_api="blas"):
        if threads.enable() < 2:
            pytest.skip("numba has one thread here: the threaded kernels never run")
        yield threads.kernel_threads()
        threads.disable()


def test_winograd_with_threads_equals_reference(plan):
    winograd_tests.test_winograd_equals_reference()
    winograd_tests.test_pooled_winograd_equals_the_unfused_kernels()


def test_winograd_blocks_of_unequal_sizes_equal_one_block(plan, monkeypatch):
    """Seven images in blocks of one and two (a cache of two images' arrays), threaded,
    against one block per thread."""
    x = arrays(0, (7, 5, 9, 8), np.float32)
    weight = arrays(1, (6, 5, 3, 3), np.float32)
    grad = arrays(2, (7, 6, 9, 8), np.float32)

    def run():
        out, gradients = winograd.conv2d(x, weight, weight[:, 0, 0, 0].copy(), (1, 1))
        return [out, *gradients(grad, True, True, True)]

    monkeypatch.setattr(winograd, "CACHE_BYTES", 1 << 40)
    whole = run()
    monkeypatch.setattr(winograd, "CACHE_BYTES", 2 * 16 * 5 * 4 * (5 + 6) * 4)
    assert winograd.block_count(7, 5 * 4, 5, 6, 4, plan) > plan
    for ours, theirs in zip(run(), whole):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=2e-5 * np.abs(theirs).max())


def test_direct_convolution_with_threads_equals_reference(plan):
    direct_conv_tests.test_direct_convolution_equals_reference()


def test_max_pool_with_threads_equals_reference(plan):
    pooling_tests.test_max_pool_forward_equals_reference()
    pooling_tests.test_max_pool_backward_equals_reference()
    pooling_tests.test_tiled_windows_equal_reference()


def _bench_layers():
    """Every threaded kernel on shapes like the bench CNN's (big enough to split)."""
    x = arrays(0, (7, 32, 14, 14), np.float32)          # 7 images: a short last block
    weight = arrays(1, (16, 32, 3, 3), np.float32)
    bias = arrays(2, (16,), np.float32)
    out, gradients = winograd.conv2d(x, weight, bias, (1, 1))
    results = [out, *gradients(arrays(3, out.shape, np.float32), True, True, True)]
    x1 = arrays(4, (8, 1, 28, 28), np.float32)
    out1, gradients1 = direct_conv.conv2d(x1, weight[:, :1], bias, (1, 1), (1, 1))
    results += [out1, *gradients1(arrays(5, out1.shape, np.float32), False, True, True)[1:]]
    pooled, switches = pooling.max_pool2d(out1, (2, 2), (2, 2), (0, 0), (1, 1))
    results += [pooled, pooling.max_pool2d_backward(pooled, switches, out1.shape, (2, 2),
                                                    (2, 2), (0, 0), (1, 1))]
    mean, var = normalization.batch_statistics(out1)
    scale = 1 / np.sqrt(var + 1e-5)
    normalized, centered = normalization.normalize(out1, mean, scale, bias)
    results += [mean, var, normalized, centered]
    for batch_stats in (True, False):
        results += normalization.batch_norm_backward(out1, centered, scale, scale, batch_stats)
    odd = arrays(6, (100_003,), np.float32)               # runs of unequal length
    results += [activations.relu(out1), activations.relu_backward(out, out),
                activations.relu(odd), activations.relu_backward(odd, odd)]
    return results


def test_threaded_kernels_equal_serial_kernels_on_bench_shapes(plan):
    threaded = _bench_layers()
    threads.disable()
    serial = _bench_layers()
    for ours, theirs in zip(threaded, serial):
        scale = max(1.0, float(np.abs(theirs).max()))
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=2e-5 * scale)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.integers(4, 300), inner=st.integers(1, 300), cols=st.integers(1, 300),
       dtype=st.sampled_from([np.float32, np.float64]), transposed=st.booleans(),
       seed=st.integers(0, 2**16))
def test_split_products_equal_numpy(plan, rows, inner, cols, dtype, transposed, seed):
    a = arrays(seed, (inner, rows) if transposed else (rows, inner), dtype)
    a = a.T if transposed else a
    b = arrays(seed + 1, (inner, cols), dtype)
    out = products.matmul(a, b)
    if a.size * cols < products.SPLIT_FROM:
        assert out is NotImplemented              # small: NumPy's, on one thread
        return
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, a @ b, rtol=tolerance, atol=tolerance * inner,
                               err_msg=f"numba backend, thread plan, {dtype.__name__}")


def test_linear_layer_with_threads_equals_serial(plan):
    """nn.Linear's forward and both gradients through the split products."""
    def run():
        x = nnforge.tensor(arrays(0, (64, 3136), np.float32), requires_grad=True)
        w = nnforge.tensor(arrays(1, (128, 3136), np.float32), requires_grad=True)
        y = F.linear(x, w)
        (y * nnforge.tensor(arrays(2, (64, 128), np.float32))).sum().backward()
        return y.numpy(), x.grad.numpy(), w.grad.numpy()
    threaded = run()
    threads.disable()
    for ours, theirs in zip(threaded, run()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-3)


def test_one_allowed_thread_keeps_the_plan_off():
    threads.disable()
    with threadpool_limits(1, user_api="blas"):
        assert threads.enable() == 1 and threads.kernel_threads() == 1
    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        assert threads.enable() == 1
    finally:
        numba.set_num_threads(previous)


def test_perf_switch_turns_the_plan_on_and_off(plan):
    threads.disable()
    previous = nnforge.get_backend()
    try:
        nnforge.set_backend("numba")
        with perf.enabled(allocator_tuning=False, flush_denormals=False,
                          kernel_threads=False) as status:
            assert not status["kernel_threads"] and threads.kernel_threads() == 1
        with perf.enabled(allocator_tuning=False, flush_denormals=False) as status:
            assert status["kernel_threads"] and threads.kernel_threads() == plan  # default
        assert threads.kernel_threads() == 1
        nnforge.set_backend("numpy")              # no kernels: BLAS keeps its threads
        with perf.enabled(allocator_tuning=False, flush_denormals=False) as status:
            assert not status["kernel_threads"] and threads.kernel_threads() == 1
    finally:
        nnforge.set_backend(previous)


def test_other_threads_run_the_serial_kernels(plan):
    seen = []
    worker = threading.Thread(target=lambda: seen.append(_child_convolution(None)))
    worker.start()
    worker.join(120)
    kernel_threads, out = seen[0]
    assert kernel_threads == 1
    np.testing.assert_allclose(out, _child_convolution(None)[1], rtol=0, atol=1e-12)


def _child_convolution(_):
    x = arrays(0, (4, 16, 6, 6), np.float64)
    weight = arrays(1, (3, 16, 3, 3), np.float64)
    out, _ = winograd.conv2d(x, weight, None, (1, 1))
    return threads.kernel_threads(), out


def _child_enables_the_plan(_):
    """A forked child asking for the plan itself (as a Trainer.fit in it would)."""
    with threadpool_limits(2, user_api="blas"):
        enabled = threads.enable()
    out = _child_convolution(None)[1]
    return enabled, threads.kernel_threads(), out


def test_forked_children_run_the_serial_kernels(plan):
    _bench_layers()                          # numba's threads have started in the parent
    with multiprocessing.get_context("fork").Pool(2) as pool:
        results = pool.map_async(_child_convolution, range(2)).get(timeout=120)
    x = arrays(0, (4, 16, 6, 6), np.float64)
    weight = arrays(1, (3, 16, 3, 3), np.float64)
    reference, _ = conv2d_forward.reference(x, weight, None, (1, 1), (1, 1), (1, 1))
    for kernel_threads, out in results:
        assert kernel_threads == 1
        np.testing.assert_allclose(out, reference, rtol=0, atol=1e-12 * np.abs(reference).max())
    for parent_plan_on in (True, False):          # OpenMP's threads do not survive a fork
        if not parent_plan_on:
            threads.disable()                     # (numba's pool is still started)
        with multiprocessing.get_context("fork").Pool(1) as pool:
            enabled, kernel_threads, out = pool.apply_async(
                _child_enables_the_plan, (0,)).get(timeout=120)
        assert (enabled, kernel_threads) == (1, 1)
        np.testing.assert_allclose(out, reference, rtol=0,
                                   atol=1e-12 * np.abs(reference).max())


def test_the_plan_stays_off_on_numbas_workqueue_pool():
    """numba's own pool lost to serial kernels (see nnforge.threads): a process whose
    NUMBA_THREADING_LAYER names it keeps the kernels serial."""
    import os
    import subprocess
    import sys
    env = dict(os.environ, NUMBA_THREADING_LAYER="workqueue", OPENBLAS_NUM_THREADS="2",
               NUMBA_NUM_THREADS="2")
    result = subprocess.run([sys.executable, "-c", "from nnforge import threads; "
                             "print(threads.enable(), threads.kernel_threads())"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "1"]
