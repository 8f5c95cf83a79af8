"""`nnforge.nn`: modules (layers, activations, losses), their stateless forms in
`nn.functional`, and the initializers in `nn.init` — PyTorch's names throughout."""
from . import functional, init, utils
from .activation import (ELU, Hardtanh, LeakyReLU, LogSoftmax, PReLU, ReLU, Sigmoid, SiLU,
                         Sign, Softmax, Softplus, Step, Swish, Tanh)
from .containers import ModuleList, Sequential
from .conv import Conv2d
from .dropout import Dropout, MCDropoutPrediction, mc_dropout_predict
from .embedding import Embedding
from .linear import Flatten, Identity, Linear, Maxout
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss,
                   NLLLoss, SmoothL1Loss, SoftMarginLoss)
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d
from .parameter import Parameter
from .parameter_count import num_parameters
from .perceptron import Perceptron, PerceptronConvergenceWarning
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from .residual import Residual

__all__ = [
    "AdaptiveAvgPool2d", "AvgPool2d", "BatchNorm1d", "BatchNorm2d", "Conv2d", "MaxPool2d",
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "ELU", "Embedding",
    "Flatten", "Hardtanh", "HuberLoss", "Identity", "L1Loss", "LeakyReLU", "Linear",
    "LogSoftmax", "MCDropoutPrediction",
    "MSELoss", "Maxout", "Module", "ModuleList", "NLLLoss", "PReLU", "Parameter", "Perceptron",
    "PerceptronConvergenceWarning", "ReLU", "Residual", "Sequential", "SiLU", "Sigmoid",
    "Sign", "SmoothL1Loss", "SoftMarginLoss", "Softmax", "Softplus", "Step", "Swish", "Tanh",
    "functional", "init", "mc_dropout_predict", "num_parameters", "utils",
]
