"""Keep freed memory in the process instead of giving it back to the kernel every step.

Why: a training step allocates and frees the same large temporaries every time (im2col
columns, activations, gradients of a few MiB each). glibc's malloc adapts its mmap
threshold upwards after the first large free, so those arrays come from the heap, and then
trims the heap top back to the kernel whenever more than twice that threshold is free.
The next step faults every page in again, and the kernel zeroes each one. In fashion_cnn
(batch 128) that was about 7,000 page faults per step; fixing the thresholds from process
start made the step about a fifth faster, fixing them at import (after Python and NumPy
have allocated) about a tenth (bench/RESULTS.md, "Allocator").

`tune()` fixes the thresholds through glibc's ``mallopt``: blocks up to 32 MiB come from
the heap, the heap keeps up to 2 GiB of free memory at its top, and it grows in steps of
64 MiB. The cost is that a process's resident memory stays near its peak, and the setting
lasts for the life of the process. `import nnforge` does not call it: `nnforge.perf.enable()`
does (the CLI and `Trainer.fit` call that), unless the environment sets
``NNFORGE_MALLOC_TUNING=0``. Elsewhere than Linux with glibc it does nothing, and
`supported()` is False.
"""
import ctypes
import os
import platform
import sys

__all__ = ["tune", "supported", "tuned", "opted_out"]

_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
MMAP_THRESHOLD = 32 << 20          # glibc's largest allowed value on 64-bit
TRIM_THRESHOLD = (2 << 30) - 1
TOP_PAD = 64 << 20
_tuned = False


def supported() -> bool:
    """True on Linux with glibc, where `tune` can set malloc's thresholds."""
    return sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


def tuned() -> bool:
    """True once `tune` has set the thresholds in this process."""
    return _tuned


def tune() -> bool:
    """Set glibc malloc's mmap, trim and top-pad thresholds (see the module docstring);
    returns True when they were set."""
    global _tuned
    if not supported():
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    settings = ((_M_MMAP_THRESHOLD, MMAP_THRESHOLD), (_M_TRIM_THRESHOLD, TRIM_THRESHOLD),
                (_M_TOP_PAD, TOP_PAD))
    _tuned = all(libc.mallopt(ctypes.c_int(param), ctypes.c_int(value)) == 1
                 for param, value in settings)
    return _tuned


def opted_out() -> bool:
    """True when the environment sets NNFORGE_MALLOC_TUNING=0."""
    return os.environ.get("NNFORGE_MALLOC_TUNING", "1").strip() == "0"
