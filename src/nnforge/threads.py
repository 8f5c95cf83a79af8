"""Who uses the CPU cores during a training step: the thread plan of the numba backend.

Two thread pools could run nnforge's work: OpenBLAS's (every NumPy matrix product) and
numba's (the compiled kernels). Each pool's idle workers spin for a while after their
work before they sleep, so when both pools have threads on the same cores, the workers
of one steal the cores the other needs (a convolution measured 9.9 ms alone and 15.8 ms
beside OpenBLAS's spinning workers). The plan gives the cores to one owner at a time:

* **off** (the default, and whenever only one thread is allowed): the kernels run on the
  calling thread; OpenBLAS keeps its own threads for the matrix products.
* **on** (`enable`, or ``nnforge.perf.enable(kernel_threads=True)``; opt-in, because on
  an idle 2-core machine it made the CNN and MLP benches slower): the kernels split their outer
  loop (images, channels or chunks of an array) over numba's threads; OpenBLAS is limited
  to one thread, so none of its workers spins, and the large batched products of a
  convolution are split into as many parts, one on each thread (`batched_matmul`).
  Threaded now: the Winograd transforms, the direct convolution's forward pass and the
  max-pool gradient; kernels whose threaded form measured slower stay serial.

The plan is on only in the process and thread that turned it on: a forked child (a data
loader's worker) and other threads run the kernels serially, because numba's default
thread pool ("workqueue") may not be entered by two threads at once and its threads do
not survive a fork. The number of threads is numba's (``NUMBA_NUM_THREADS``, or
``numba.set_num_threads``) and at most what OpenBLAS was allowed when the plan was
turned on (``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS`` or a threadpoolctl limit), so
a user who limits threads to one gets the serial kernels; ``NNFORGE_KERNEL_THREADS=0``
keeps the plan off.

numba's thread pool is "workqueue" unless ``NUMBA_THREADING_LAYER`` names another: its
idle workers sleep, while GNU OpenMP's (numba's "omp" layer) spin, which made a threaded
loop 3.5x slower on a busy machine, and abort any child forked after they started.

Examples
--------
>>> from nnforge import threads
>>> threads.kernel_threads()       # off until enabled
1
"""
from __future__ import annotations

import os
import threading
from typing import Any, Optional

import numpy as np

__all__ = ["enable", "disable", "kernel_threads"]

_workers = 1                        # threads the kernels may use; 1 = plan off
_owner: tuple[int, int] = (0, 0)    # (pid, thread id) that turned the plan on
_blas_limit: Any = None             # threadpoolctl's limit object, to undo it


def _blas_threads() -> int:
    """The number of threads NumPy's BLAS may use now (1 when threadpoolctl is absent:
    then nothing can limit BLAS, and the plan stays off)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return 1
    counts = [pool["num_threads"] for pool in threadpool_info()
              if pool.get("user_api") == "blas"]
    return min(counts) if counts else 1


def enable() -> int:
    """Turn the plan on for this thread of this process when more than one thread is
    allowed (see the module's description); returns the number of kernel threads."""
    global _workers, _owner, _blas_limit
    if _workers > 1:
        return _workers
    if os.environ.get("NNFORGE_KERNEL_THREADS", "").strip() == "0":
        return 1
    try:
        import numba
    except ImportError:
        return 1
    blas = _blas_threads()
    if blas <= 1:
        return 1
    workers = min(_start_numba_threads(numba), blas)
    if workers <= 1:
        return 1
    import scipy.linalg.cython_blas  # noqa: F401 - SciPy's BLAS (numba's np.dot) is loaded,
    from threadpoolctl import threadpool_limits      # so the limit below reaches it too
    _blas_limit = threadpool_limits(1, user_api="blas")
    _owner = (os.getpid(), threading.get_ident())
    _workers = workers
    return workers


def disable() -> None:
    """Turn the plan off: serial kernels, and OpenBLAS's thread count as it was."""
    global _workers, _blas_limit
    if _workers <= 1:
        return
    _workers = 1
    if _blas_limit is not None:
        _blas_limit.restore_original_limits()
        _blas_limit = None


def _start_numba_threads(numba: Any) -> int:
    """Start numba's thread pool on GNU OpenMP (unless NUMBA_THREADING_LAYER names
    another) and return its number of threads; 1 when that pool is not OpenMP's or TBB's
    (numba's own "workqueue" pool made the kernels slower than serial: bench/RESULTS.md)."""
    if not os.environ.get("NUMBA_THREADING_LAYER"):
        numba.config.THREADING_LAYER = "omp"
    try:
        count = numba.get_num_threads()                 # (this starts the pool)
    except ValueError:                                   # no OpenMP runtime here
        numba.config.THREADING_LAYER = "default"
        return 1
    return count if numba.threading_layer() in ("omp", "tbb") else 1


def kernel_threads() -> int:
    """How many threads a kernel called now may use: 1 unless the plan is on and this is
    the process and thread that turned it on."""
    if _workers > 1 and _owner == (os.getpid(), threading.get_ident()):
        return _workers
    return 1
