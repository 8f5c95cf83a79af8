"""Type aliases shared by the data and diagnose modules' annotations."""
from __future__ import annotations

from typing import Union

import numpy as np
from numpy.typing import ArrayLike

from ..random import GeneratorLike
from .dataset import ArrayData

__all__ = ["GeneratorLike", "Features"]

#: what a scaler fits and transforms: a 2-d array(-like) of features, or an `ArrayData`
Features = Union[ArrayLike, ArrayData]
