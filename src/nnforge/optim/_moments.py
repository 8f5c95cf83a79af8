"""Shared in-place pieces of the adaptive optimizers (optax style): exponential moving
averages of the gradient and of its square, Adam's bias correction, and the walk over a
large parameter in cache-sized parts.

RMSprop and Adadelta are built from the averages (Adam keeps discounted sums instead, see
its docstring), so each formula is written once. Every helper writes into arrays it is
given (``avg`` and a scratch array) and allocates nothing of the parameter's size.
"""
import numpy as np


def ema_(avg, x, decay, scratch):
    """avg <- decay * avg + (1 - decay) * x, in place.

    Computed as PyTorch's ``avg.lerp_(x, 1 - decay)``: avg + (1 - decay) * (x - avg).
    """
    np.subtract(x, avg, out=scratch)
    scratch *= 1.0 - decay
    avg += scratch
    return avg


def ema_square_(avg, x, decay, scratch):
    """avg <- decay * avg + (1 - decay) * x**2, in place (the RMS statistic E[g^2])."""
    avg *= decay
    np.multiply(x, x, out=scratch)
    scratch *= 1.0 - decay
    avg += scratch
    return avg


def rms_(out, avg, eps, eps_inside=False):
    """out <- sqrt(avg) + eps (PyTorch's RMSprop/Adam), or sqrt(avg + eps) (Adadelta)."""
    if eps_inside:
        np.add(avg, eps, out=out)
        np.sqrt(out, out=out)
    else:
        np.sqrt(avg, out=out)
        out += eps
    return out


def bias_correction(decay, step):
    """1 - decay**step: divides an EMA started at zero to make it unbiased (Kingma & Ba)."""
    return 1.0 - decay ** step



#: Elements per part in `cache_sized_parts`: 64K float32 entries of six arrays is 1.5 MiB,
#: which stays in a core's L2 cache for all the passes of an update.
PART_SIZE = 1 << 16


def cache_sized_parts(arrays, part_size=None):
    """Yield `arrays` whole, or, for a large parameter, as matching slices of their flat
    views, so that a multi-pass update reads each slice from memory once instead of once
    per pass (the Adam rows of the optimizer-step table in bench/RESULTS.md). None entries stay
    None; arrays that are not all C-contiguous are yielded whole."""
    part_size = PART_SIZE if part_size is None else part_size
    present = [a for a in arrays if a is not None]
    size = present[0].size
    if size < 2 * part_size or not all(a.flags.c_contiguous for a in present):
        yield arrays
        return
    flat = [None if a is None else a.reshape(-1) for a in arrays]
    for start in range(0, size, part_size):
        stop = start + part_size
        yield tuple(None if a is None else a[start:stop] for a in flat)
