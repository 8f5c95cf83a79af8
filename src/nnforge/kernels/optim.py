"""The SGD, RMSprop and Adam updates as fused compiled loops (the references are
`sgd_step`, `rmsprop_step` and `adam_step` in nnforge.optim).

What they save: the NumPy references make one pass over memory per arithmetic operation
(Adam: thirteen passes over the parameter, its gradient, both moments and a scratch
array); a fused loop reads each array once and writes each result once, keeping the
intermediate values in registers. That also makes the "discounted sums" form of Adam's
moments (which saved three of the NumPy passes) pointless, so the kernel keeps PyTorch's
exp_avg and exp_avg_sq like the reference. The scalars are cast to the arrays' dtype so
float32 parameters are updated in float32 arithmetic, as the reference does.
"""
import math

import numpy as np

from ._compile import kernel, same_float_arrays


@kernel
def _adam(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, amsgrad, one_minus_beta1,
          beta2, one_minus_beta2, step_size, bias_correction2, eps):
    for k in range(param.size):
        g = grad[k]
        m = exp_avg[k] + (g - exp_avg[k]) * one_minus_beta1
        v = exp_avg_sq[k] * beta2 + g * g * one_minus_beta2
        exp_avg[k] = m
        exp_avg_sq[k] = v
        if amsgrad:
            if max_exp_avg_sq[k] > v:
                v = max_exp_avg_sq[k]
            max_exp_avg_sq[k] = v
        param[k] += m / (math.sqrt(v / bias_correction2) + eps) * step_size


@kernel
def _sgd(param, grad, buf, has_buffer, first, momentum, one_minus_dampening, nesterov,
         minus_lr):
    for k in range(param.size):
        d = grad[k]
        if has_buffer:
            b = d if first else buf[k] * momentum + d * one_minus_dampening
            buf[k] = b
            d = d + b * momentum if nesterov else b
        param[k] += d * minus_lr


@kernel
def _rmsprop(param, grad, square_avg, grad_avg, buf, centered, has_buffer, alpha,
             one_minus_alpha, eps, momentum, minus_lr):
    for k in range(param.size):
        g = grad[k]
        v = square_avg[k] * alpha + g * g * one_minus_alpha
        square_avg[k] = v
        if centered:
            c = grad_avg[k] + (g - grad_avg[k]) * one_minus_alpha
            grad_avg[k] = c
            v = v - c * c
        q = g / (math.sqrt(v) + eps)
        if has_buffer:
            q = buf[k] * momentum + q
            buf[k] = q
        param[k] += q * minus_lr


def _flat(*arrays):
    return [a.reshape(-1) for a in arrays]


def _placeholder(like):
    """A one-element array for a state the update does not use (no amsgrad maximum, no
    momentum buffer). It must not be one of the real arrays: LLVM vectorizes these loops
    only after checking at run time that the arrays do not overlap, and an alias of the
    parameter would send every update down the scalar path (2.2x slower, measured)."""
    return np.zeros(1, dtype=like.dtype)


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, work, *, lr, beta1, beta2,
              eps, step):
    """Same contract as nnforge.optim.adam.adam_step (`work` is not needed)."""
    amsgrad = max_exp_avg_sq is not None
    maximum = max_exp_avg_sq if amsgrad else _placeholder(param)
    if not same_float_arrays(param, grad, exp_avg, exp_avg_sq, maximum):
        return NotImplemented
    f = param.dtype.type
    _adam(*_flat(param, grad, exp_avg, exp_avg_sq, maximum), amsgrad, f(1.0 - beta1),
          f(beta2), f(1.0 - beta2), f(-lr / (1.0 - beta1 ** step)), f(1.0 - beta2 ** step),
          f(eps))


def sgd_step(param, grad, momentum_buffer, work, *, lr, momentum, dampening, nesterov,
             first):
    """Same contract as nnforge.optim.sgd.sgd_step (`work` is not needed)."""
    has_buffer = momentum_buffer is not None
    buf = momentum_buffer if has_buffer else _placeholder(param)
    if not same_float_arrays(param, grad, buf):
        return NotImplemented
    f = param.dtype.type
    _sgd(*_flat(param, grad, buf), has_buffer, bool(first), f(momentum), f(1.0 - dampening),
         bool(nesterov), f(-lr))


def rmsprop_step(param, grad, square_avg, grad_avg, momentum_buffer, work, *, lr, alpha, eps,
                 momentum):
    """Same contract as nnforge.optim.rmsprop.rmsprop_step (`work` is not needed)."""
    centered, has_buffer = grad_avg is not None, momentum_buffer is not None
    c = grad_avg if centered else _placeholder(param)
    b = momentum_buffer if has_buffer else _placeholder(param)
    if not same_float_arrays(param, grad, square_avg, c, b):
        return NotImplemented
    f = param.dtype.type
    _rmsprop(*_flat(param, grad, square_avg, c, b), centered, has_buffer, f(alpha),
             f(1.0 - alpha), f(eps), f(momentum), f(-lr))
