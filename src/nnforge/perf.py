"""Process-wide speed switches, off until asked for.

`import nnforge` changes no state of the process. Three settings make training measurably
faster but reach beyond nnforge, so they are explicit; `nnforge train` and `Trainer.fit`
turn them on, and a script with its own loop can call `enable()` (each can be left off by
its argument).

* **allocator** (`nnforge.allocator`): fixes glibc malloc's mmap and trim thresholds so the
  large arrays a training step frees are reused by the next step instead of being returned
  to the kernel and faulted in again (about 7,000 page faults per fashion_cnn step without
  it). Lasts for the life of the process, which keeps its resident memory near its peak;
  ``NNFORGE_MALLOC_TUNING=0`` in the environment opts out.
* **flush_denormals** (`nnforge.denormals`): during `Optimizer.step` only, the CPU flushes
  denormal floats to zero; decayed moving averages otherwise turn denormal and slow Adam by
  half. Values below 1.2e-38 (float32) count as zero inside an update.
* **kernel_threads** (`nnforge.threads`): numba's OpenMP threads own the cores; the
  kernels split their loops over them, every BLAS is held to one thread, and the large
  matrix products run inside the kernels' parallel loops, so no second thread pool spins
  on a core the first one needs (the bench CNN's step: 24.4 ms with serial kernels, 12.6
  ms with the plan, in one run; the MLP's 1.34 and 1.48 ms: bench/RESULTS.md). Only under
  the numba backend (the NumPy backend has no kernels, and its products want BLAS's
  threads); off in forked children and other threads, and when only one thread is
  allowed (``NUMBA_NUM_THREADS=1``, ...).

``with nnforge.perf.enabled():`` scopes the flush-to-zero and thread switches to a block
(the allocator setting cannot be undone).
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

from . import allocator, backend, denormals, threads

__all__ = ["enable", "disable", "enabled", "status"]


def enable(allocator_tuning: bool = True, flush_denormals: bool = True,
           kernel_threads: bool = True) -> dict[str, bool]:
    """Turn the switches on (each when its argument is true); returns `status()`."""
    if allocator_tuning and not allocator.opted_out():
        allocator.tune()
    if flush_denormals:
        denormals.set_flush_denormal(True)
    if kernel_threads and backend.get_backend() == "numba":   # (the plan is for kernels)
        threads.enable()
    return status()


def disable() -> dict[str, bool]:
    """Turn flush-to-zero and the kernel threads off again (malloc's thresholds stay as
    set); returns `status()`."""
    denormals.set_flush_denormal(False)
    threads.disable()
    return status()


@contextlib.contextmanager
def enabled(allocator_tuning: bool = True, flush_denormals: bool = True,
            kernel_threads: bool = True) -> Iterator[dict[str, bool]]:
    """`enable()` for the duration of a block; flush-to-zero and the kernel threads
    return to their previous settings afterwards."""
    previous = denormals.set_flush_denormal(denormals.flushing())
    threaded = threads.kernel_threads() > 1
    try:
        enable(allocator_tuning, flush_denormals, kernel_threads)
        yield status()
    finally:
        denormals.set_flush_denormal(previous)
        if not threaded:
            threads.disable()


def status() -> dict[str, bool]:
    """{"allocator": thresholds set, "flush_denormals": optimizer steps flush,
    "kernel_threads": the kernels split over threads} for this thread of this process."""
    return {"allocator": allocator.tuned(), "flush_denormals": denormals.flushing(),
            "kernel_threads": threads.kernel_threads() > 1}
