"""Shared in-place pieces of the adaptive optimizers (optax style): exponential moving
averages of the gradient and of its square, and Adam's bias correction.

Adam, RMSprop and Adadelta are built from them, so each formula is written once. Every
helper writes into arrays it is given (``avg`` and a scratch array) and allocates nothing
of the parameter's size.
"""
from __future__ import annotations

import numpy as np


def ema_(avg: np.ndarray, x: np.ndarray, decay: float, scratch: np.ndarray) -> np.ndarray:
    """avg <- decay * avg + (1 - decay) * x, in place.

    Computed as PyTorch's ``avg.lerp_(x, 1 - decay)``: avg + (1 - decay) * (x - avg).
    """
    np.subtract(x, avg, out=scratch)
    scratch *= 1.0 - decay
    avg += scratch
    return avg


def ema_square_(avg: np.ndarray, x: np.ndarray, decay: float, scratch: np.ndarray
                ) -> np.ndarray:
    """avg <- decay * avg + (1 - decay) * x**2, in place (the RMS statistic E[g^2])."""
    avg *= decay
    np.multiply(x, x, out=scratch)
    scratch *= 1.0 - decay
    avg += scratch
    return avg


def rms_(out: np.ndarray, avg: np.ndarray, eps: float, eps_inside: bool = False) -> np.ndarray:
    """out <- sqrt(avg) + eps (PyTorch's RMSprop/Adam), or sqrt(avg + eps) (Adadelta)."""
    if eps_inside:
        np.add(avg, eps, out=out)
        np.sqrt(out, out=out)
    else:
        np.sqrt(avg, out=out)
        out += eps
    return out


def bias_correction(decay: float, step: int) -> float:
    """1 - decay**step: divides an EMA started at zero to make it unbiased (Kingma & Ba)."""
    return 1.0 - decay ** step
