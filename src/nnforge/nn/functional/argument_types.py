"""Names for the kinds of arguments that layers and their functional forms accept."""
from __future__ import annotations

from typing import Union

import numpy as np
import numpy.typing as npt

from ...autograd import Tensor
from ...random import GeneratorLike

TensorLike = Union[Tensor, np.ndarray]
"""The input of a layer or functional form: a Tensor, or a NumPy array (a constant)."""

ArrayLike = Union[Tensor, npt.ArrayLike]
"""A target, weight or index argument: a Tensor, or anything NumPy reads as an array
(an array, a number, nested lists)."""

IntOrPair = Union[int, tuple[int, int]]
"""A size given once for both spatial dimensions, or as (height, width)."""
