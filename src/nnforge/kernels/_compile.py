"""`kernel`: numba's njit with the on-disk cache, and a note when compiling is slow.

numba compiles a kernel for each new combination of argument types (float32 and float64
arrays, say) on its first call, and with ``cache=True`` stores the machine code beside the
source (``__pycache__``) or, where that folder is not writable (a read-only site-packages),
in the user's cache folder (``~/.cache/numba`` or ``$NUMBA_CACHE_DIR``). A later process
loads it in milliseconds. A first compile takes a second or two per kernel; only when one
takes longer than `SLOW_COMPILE` seconds does nnforge say so on stderr, once.

A kernel whose outer loop is ``numba.prange`` (``@kernel(threads=True)``) is compiled twice
from the same source, on first use of each: serially (``prange`` is then ``range``) and
split over numba's threads; each call takes the threaded one only when `nnforge.threads`
says the caller may use more than one thread (who owns the cores when: see there).
"""
from __future__ import annotations

import sys
import time
import types
from typing import Any, Callable, Optional, TypeVar, Union, cast, overload

import numba
import numpy as np

from ..threads import kernel_threads

SLOW_COMPILE = 5.0

SPLIT_FROM = 1 << 15
"""Arrays of fewer elements stay on one thread: below this size, waking the other thread
costs about as much as the work it takes over."""

F = TypeVar("F", bound=Callable[..., Any])


@overload
def kernel(function: F, *, reassociate: bool = ..., threads: bool = ...) -> F: ...


@overload
def kernel(function: None = ..., *, reassociate: bool = ...,
           threads: bool = ...) -> Callable[[F], F]: ...


def kernel(function: Optional[F] = None, *, reassociate: bool = False,
           threads: bool = False) -> Union[F, Callable[[F], F]]:
    """Compile `function` with numba (nopython, cached on disk, releasing the GIL).

    NumPy's error model: a float division by zero gives inf or nan as in NumPy instead of
    raising, which removes a branch from every division and lets LLVM vectorize the loops
    (the fused Adam update took 2.4x as long with Python's error model).
    `reassociate=True` lets LLVM reorder the additions of a sum so it can vectorize it
    (the sums' rounding then differs from a left-to-right loop, as NumPy's pairwise sums
    do too); used only by kernels whose sums are tested with a tolerance.
    `threads=True`: the kernel's ``prange`` loop runs on numba's threads when the thread
    plan is on (see the module's description)."""
    if function is None:
        return lambda f: kernel(f, reassociate=reassociate, threads=threads)
    options: dict[str, Any] = dict(cache=True, nogil=True, error_model="numpy",
                                   fastmath={"reassoc"} if reassociate else False)
    serial = numba.njit(**options)(function)
    threaded = numba.njit(parallel=True, **options)(_threaded_copy(function)) \
        if threads else serial

    def call(*args: Any) -> Any:
        compiled = threaded if kernel_threads() > 1 else serial
        known = len(compiled.overloads)     # (not .signatures: that builds a list each time)
        start = time.perf_counter()
        result = compiled(*args)
        if len(compiled.overloads) != known:             # compiled or loaded just now
            seconds = time.perf_counter() - start
            if seconds > SLOW_COMPILE:
                print(f"nnforge: compiled the numba kernel {function.__name__} in "
                      f"{seconds:.0f} s (kept on disk for later runs)", file=sys.stderr)
        return result

    call.__name__, call.__doc__ = function.__name__, function.__doc__
    call.compiled = serial                                # type: ignore[attr-defined]
    call.threaded = threaded                              # type: ignore[attr-defined]
    return cast(F, call)


def _threaded_copy(function: F) -> F:
    """`function` under another name: numba's disk cache files a function's machine code
    by its name and bytecode, not by how it was compiled, so the serial and the threaded
    compilation of one source would overwrite each other's entries (and a serial kernel
    could load the threaded code)."""
    copy = types.FunctionType(function.__code__, function.__globals__, function.__name__,
                              function.__defaults__, function.__closure__)
    copy.__qualname__ = function.__qualname__ + "_threaded"
    copy.__module__ = function.__module__
    copy.__doc__ = function.__doc__
    return cast(F, copy)


@overload
def helper(function: F, *, reassociate: bool = ..., inline: bool = ...) -> F: ...


@overload
def helper(function: None = ..., *, reassociate: bool = ...,
           inline: bool = ...) -> Callable[[F], F]: ...


def helper(function: Optional[F] = None, *, reassociate: bool = False, inline: bool = False
           ) -> Union[F, Callable[[F], F]]:
    """Compile a function that kernels call (not called from Python); `reassociate` as
    for `kernel` (a kernel's fastmath flags do not reach the helpers it calls).
    `inline=True` puts its body into each caller (numba's inline="always"): for a helper
    called in an inner loop, where a call per use cost more than the work."""
    if function is None:
        return lambda f: helper(f, reassociate=reassociate, inline=inline)
    return cast(F, numba.njit(cache=True, nogil=True, error_model="numpy",
                              inline="always" if inline else "never",
                              fastmath={"reassoc"} if reassociate else False)(function))


def runs(size: int, split_from: int = SPLIT_FROM) -> int:
    """How many runs a kernel cuts an array of `size` elements into: one per kernel
    thread (`nnforge.threads`), or one when the array is small."""
    return kernel_threads() if size >= split_from else 1


def same_float_arrays(*arrays: np.ndarray) -> bool:
    """True when every argument is a C-contiguous NumPy array or NumPy scalar and all share
    one float dtype (float32 or float64): the inputs the kernels are compiled for. Anything
    else (a list, a Python number) goes to the reference."""
    if not all(isinstance(a, (np.ndarray, np.generic)) for a in arrays):
        return False
    dtype = arrays[0].dtype
    return dtype.kind == "f" and dtype.itemsize in (4, 8) and all(
        a.dtype == dtype and a.flags.c_contiguous for a in arrays)
