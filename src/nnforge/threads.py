"""Who uses the CPU cores during a training step: the thread plan of the numba backend.

Two kinds of work share the cores: matrix products (BLAS) and the compiled kernels
(numba). Each thread pool's idle workers spin for a while after their work before they
sleep, so two pools on the same cores steal them from each other (a convolution
measured 9.9 ms alone and 15.8 ms beside OpenBLAS's spinning workers). The plan gives
the cores to one pool:

* **off** (plain `import nnforge`, and whenever only one thread is allowed): the kernels
  run on the calling thread; NumPy's BLAS keeps its own threads for the products.
* **on** (`enable`, which ``nnforge.perf.enable()`` calls, and so `Trainer.fit` and
  ``nnforge train``): numba's pool, on GNU OpenMP, owns the cores. The kernels split
  their outer loop (images, blocks of images, runs of an array) over its threads; every
  BLAS (NumPy's, and SciPy's that numba calls) is limited to one thread, and the large
  products run inside the kernels' parallel loops, one BLAS call per thread: the Winograd
  convolution's per block of images (`nnforge.kernels.winograd`), a Linear layer's on
  runs of rows (`nnforge.kernels.products`).

Why OpenMP's pool: numba's own "workqueue" pool hands each loop to its threads through
a queue and wakes them from sleep; on the bench CNN that cost more than the second core
gave (a ReLU of 1.6 M values: 0.21 ms threaded against 0.17 ms serial; OpenMP's 0.08
ms), so the plan stays off when numba's pool is not OpenMP's or TBB's (a
``NUMBA_THREADING_LAYER`` set by the user is respected). OpenMP's idle workers spin
briefly after each loop, which is what keeps a step's many short loops cheap; no other
pool is then awake to lose the core to.

The plan is on only in the process and thread that turned it on: a forked child (a data
loader's worker) and other threads run the kernels serially (GNU OpenMP's threads do
not survive a fork, and a parallel loop in a forked child aborts it). The number of
threads is numba's (``NUMBA_NUM_THREADS``, or ``numba.set_num_threads``) and at most what
OpenBLAS was allowed when the plan was turned on (``OPENBLAS_NUM_THREADS``,
``OMP_NUM_THREADS`` or a threadpoolctl limit), so a user who limits threads to one gets
the serial kernels; ``NNFORGE_KERNEL_THREADS=0`` keeps the plan off.

Examples
--------
>>> from nnforge import threads
>>> threads.kernel_threads()       # off until enabled
1
"""
from __future__ import annotations

import os
import threading
from typing import Any

__all__ = ["enable", "disable", "kernel_threads"]

_workers = 1                        # threads the kernels may use; 1 = plan off
_owner: tuple[int, int] = (0, 0)    # (pid, thread id) that turned the plan on
_blas_limit: Any = None             # threadpoolctl's limit object, to undo it
_pool_pid = 0                       # the process that started numba's thread pool


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
    if _workers > 1:          # on already: for its owner only (not a forked child, say)
        return kernel_threads()
    if os.environ.get("NNFORGE_KERNEL_THREADS", "").strip() == "0":
        return 1
    try:
        import numba
    except ImportError:
        return 1
    blas = _blas_threads()
    if blas <= 1:
        return 1
    try:        # SciPy's BLAS, which numba's np.dot calls: loaded now, so the limit below
        import scipy.linalg.cython_blas  # noqa: F401 - reaches it too
    except ImportError:
        return 1
    workers = min(_start_numba_threads(numba), blas)
    if workers <= 1:
        return 1
    from threadpoolctl import threadpool_limits
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
    global _pool_pid
    if _pool_pid not in (0, os.getpid()):   # forked after the parent started the pool:
        return 1                            # a parallel loop would abort this process
    if not os.environ.get("NUMBA_THREADING_LAYER"):
        numba.config.THREADING_LAYER = "omp"
    try:
        count = numba.get_num_threads()                 # (this starts the pool)
    except ValueError:                                   # no OpenMP runtime here
        numba.config.THREADING_LAYER = "default"
        return 1
    _pool_pid = os.getpid()
    return count if numba.threading_layer() in ("omp", "tbb") else 1


def kernel_threads() -> int:
    """How many threads a kernel called now may use: 1 unless the plan is on and this is
    the process and thread that turned it on."""
    if _workers > 1 and _owner == (os.getpid(), threading.get_ident()):
        return _workers
    return 1
