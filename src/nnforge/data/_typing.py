"""Type aliases shared by the data and diagnose modules' annotations."""
from __future__ import annotations

from typing import Union

import numpy as np
from numpy.typing import ArrayLike

from ..random import Generator
from .dataset import ArrayData

#: what a ``generator=`` (or ``seed=``) argument accepts: a NumPy Generator, an nnforge
#: Generator, an int seed, or None for the library's default generator
GeneratorLike = Union[np.random.Generator, Generator, int, np.integer, None]

#: what a scaler fits and transforms: a 2-d array(-like) of features, or an `ArrayData`
Features = Union[ArrayLike, ArrayData]
