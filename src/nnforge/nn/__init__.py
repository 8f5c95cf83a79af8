"""`nnforge.nn`: modules (layers, activations, losses), their stateless forms in
`nn.functional`, and the initializers in `nn.init` — PyTorch's names throughout."""
from . import functional, init
from .activation import (ELU, Hardtanh, LeakyReLU, LogSoftmax, PReLU, ReLU, Sigmoid, SiLU,
                         Sign, Softmax, Softplus, Step, Swish, Tanh)
from .containers import ModuleList, Sequential
from .dropout import Dropout, MCDropoutPrediction, mc_dropout_predict
from .linear import Flatten, Identity, Linear, Maxout
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss,
                   SoftMarginLoss)
from .module import Module
from .parameter import Parameter
from .perceptron import Perceptron, PerceptronConvergenceWarning
from .residual import Residual

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "ELU", "Flatten",
    "Hardtanh", "Identity", "L1Loss", "LeakyReLU", "Linear", "LogSoftmax", "MCDropoutPrediction",
    "MSELoss", "Maxout", "Module", "ModuleList", "NLLLoss", "PReLU", "Parameter", "Perceptron",
    "PerceptronConvergenceWarning", "ReLU", "Residual", "Sequential", "SiLU", "Sigmoid",
    "Sign", "SoftMarginLoss", "Softmax", "Softplus", "Step", "Swish", "Tanh", "functional",
    "init", "mc_dropout_predict",
]

# --- convolution, pooling and normalization layers ------------------------------------
# Re-exported here by the lead at integration time, e.g.
#   from .conv import Conv2d
#   from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
#   from .normalization import BatchNorm1d, BatchNorm2d
# (and their names appended to __all__).
