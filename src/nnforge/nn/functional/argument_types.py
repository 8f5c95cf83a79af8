"""Names for the kinds of arguments that layers and their functional forms accept."""
from __future__ import annotations

from typing import Union

import numpy as np
import numpy.typing as npt

from ...autograd import Tensor
from ...random import Generator

TensorLike = Union[Tensor, npt.ArrayLike]
"""A Tensor, a NumPy array or anything NumPy reads as one (a number, nested lists)."""

GeneratorLike = Union[None, int, np.random.Generator, Generator]
"""Where random draws come from: None (the library's seeded default), an int seed, a NumPy
Generator or an nnforge Generator."""

IntOrPair = Union[int, tuple[int, int]]
"""A size given once for both spatial dimensions, or as (height, width)."""
