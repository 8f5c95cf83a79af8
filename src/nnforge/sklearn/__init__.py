"""scikit-learn-compatible estimators backed by nnforge networks (imports scikit-learn, so
`import nnforge` does not load this package; `from nnforge.sklearn import ...` does).

`NeuralNetClassifier` and `NeuralNetRegressor` follow scikit-learn's estimator contract and
expose what its MLP lacks: dropout, batch norm, conv layers, every nnforge optimizer and
learning-rate schedule, L1/L2 with bias exemption and Prechelt's early-stopping criteria.
"""
from .estimators import NeuralNetClassifier, NeuralNetRegressor
from .network import ACTIVATIONS, OPTIMIZERS, build_network, build_optimizer, build_scheduler

__all__ = ["ACTIVATIONS", "OPTIMIZERS", "NeuralNetClassifier", "NeuralNetRegressor",
           "build_network", "build_optimizer", "build_scheduler"]
