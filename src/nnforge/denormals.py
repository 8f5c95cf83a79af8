"""Flush-to-zero for denormal floats while an optimizer updates the weights.

Why: a moving average of a gradient that has become zero (a dead ReLU unit, an input pixel
that is always black) decays geometrically. Adam's first moment (decay 0.9) falls below
float32's smallest normal number, 1.2e-38, within a few hundred steps and then stays
*denormal* for about 150 more. x86 CPUs process denormal operands in microcode, tens of
times slower than normal ones: after two Fashion-MNIST epochs of the MLP benchmark 10-18%
of Adam's ``exp_avg`` entries are denormal and the update takes half as long again.

TensorFlow sets the CPU's flush-to-zero (FTZ) and denormals-are-zero (DAZ) modes on its
worker threads; PyTorch leaves them off unless ``torch.set_flush_denormal(True)`` is called.
nnforge leaves them off unless switched on (`set_flush_denormal(True)`, which
`nnforge.perf.enable()` calls for the CLI and `Trainer.fit`); then it sets them only for the
duration of `Optimizer.step` (see `flush_denormals`), so code outside an update sees the
machine's usual arithmetic. What changes in the numbers: inside an update, values below
1.2e-38 (2.2e-308 in float64) count as zero — far below anything that moves a weight.

Available on x86-64 Linux with glibc, where the modes live in the thread's MXCSR register
and ``fegetenv``/``fesetenv`` read and write it; elsewhere `flush_denormals` does nothing
and `supported()` is False.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Literal
import ctypes
import platform
import sys

__all__ = ["flush_denormals", "set_flush_denormal", "flushing", "supported"]

_FTZ_DAZ = 0x8040          # MXCSR bit 15 (flush to zero) and bit 6 (denormals are zero)
_MXCSR_INDEX = 7           # glibc's x86-64 fenv_t: x87 environment (28 bytes), then mxcsr
_enabled = False
_libm: ctypes.CDLL | Literal[False] | None = None   # loaded on first use; False: unsupported


def _load() -> ctypes.CDLL | Literal[False]:
    global _libm
    if _libm is None:
        _libm = False
        if (sys.platform.startswith("linux") and platform.machine() in ("x86_64", "AMD64")
                and platform.libc_ver()[0] == "glibc"):
            try:
                _libm = ctypes.CDLL("libm.so.6")
            except OSError:
                pass
    return _libm


def supported() -> bool:
    """True when this platform lets nnforge switch denormal flushing on and off."""
    return bool(_load())


def set_flush_denormal(enabled: bool) -> bool:
    """Turn flush-to-zero during optimizer steps on or off (the default); returns the
    previous setting. Off gives bit-for-bit IEEE arithmetic at the cost of slow updates
    once moving averages decay into the denormal range."""
    global _enabled
    previous, _enabled = _enabled, bool(enabled)
    return previous


def flushing() -> bool:
    """True when optimizer steps flush denormals (switched on and supported here)."""
    return _enabled and supported()


@contextlib.contextmanager
def flush_denormals() -> Iterator[None]:
    """Within the block, this thread's float arithmetic flushes denormals to zero when
    switched on (`set_flush_denormal`); the previous floating-point environment is restored
    on exit. Switched off, the block changes nothing."""
    libm = _load() if _enabled else False
    if not libm:
        yield
        return
    saved = (ctypes.c_uint32 * 8)()
    if libm.fegetenv(saved) != 0:
        yield
        return
    flushing = (ctypes.c_uint32 * 8)(*saved)
    flushing[_MXCSR_INDEX] |= _FTZ_DAZ
    libm.fesetenv(flushing)
    try:
        yield
    finally:
        libm.fesetenv(saved)
