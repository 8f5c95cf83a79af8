"""Compiled kernels: the numba backend of the hot ops (`nnforge.set_backend("numba")`).

Each kernel has the name and the contract of a reference function marked
``@dispatch(name)`` elsewhere in nnforge, equals it on random inputs (tests/kernels), and
returns NotImplemented for inputs it was not compiled for, so the reference runs instead.
A kernel runs on the calling thread, except while the thread plan of `nnforge.threads` is
on (``nnforge.perf.enable()``, which Trainer.fit and ``nnforge train`` call): then the
kernels of large arrays split their loops over numba's threads, and the large matrix
products run inside those loops (`products`, `winograd`); measurements in
bench/RESULTS.md.
"""
from .activations import leaky_relu, leaky_relu_backward, relu, relu_backward
from .conv import (col2im, columns_to_images, conv2d_forward, conv2d_relu_max_pool2d, im2col,
                   images_to_columns, weight_grad)
from .dropout import apply_mask
from .products import matmul
from .losses import softmax_cross_entropy, softmax_cross_entropy_backward
from .normalization import batch_norm_backward, batch_statistics, normalize
from .optim import adam_step, rmsprop_step, sgd_step
from .pooling import avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward

OPS = {
    "im2col": im2col,
    "col2im": col2im,
    "columns_to_images": columns_to_images,
    "images_to_columns": images_to_columns,
    "conv_weight_grad": weight_grad,
    "conv2d_forward": conv2d_forward,
    "conv2d_relu_max_pool2d": conv2d_relu_max_pool2d,
    "max_pool2d": max_pool2d,
    "max_pool2d_backward": max_pool2d_backward,
    "avg_pool2d": avg_pool2d,
    "avg_pool2d_backward": avg_pool2d_backward,
    "batch_statistics": batch_statistics,
    "batch_norm_normalize": normalize,
    "batch_norm_backward": batch_norm_backward,
    "dropout_apply_mask": apply_mask,
    "softmax_cross_entropy": softmax_cross_entropy,
    "softmax_cross_entropy_backward": softmax_cross_entropy_backward,
    "matmul": matmul,
    "relu": relu,
    "relu_backward": relu_backward,
    "leaky_relu": leaky_relu,
    "leaky_relu_backward": leaky_relu_backward,
    "adam_step": adam_step,
    "sgd_step": sgd_step,
    "rmsprop_step": rmsprop_step,
}
