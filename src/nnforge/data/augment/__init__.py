"""Image augmentation for (N, C, H, W) batches, batch augmentation, and the offline
expansion of a dataset with augmented copies (`expand_dataset`).

Every transform is called as `transform(batch, generator)` with a numpy Generator (or int
seed; None uses the library default), draws one set of random parameters per image, and
returns a new batch of the same shape and dtype (RandomCrop: the crop size). Nothing loops
over images in Python: flips, shifts, crops and erasing are masks and fancy indexing,
noise, brightness and colour jitter are broadcast arithmetic, and rotation/zoom are one
batched affine resampling (bilinear or nearest) computed with index arithmetic.

Use augmentation on training batches only: pass it as the training DataLoader's
`transform=`, or expand the training split offline, never the validation/test data.

The modules: `base` (the Transform protocol and argument checks), `crops` (flips, shifts
and crops), `affine` (rotation and zoom), `color` (brightness, colour jitter, noise),
`erasing` and `batch` (BatchAugment, expand_dataset).
"""
from .affine import RandomRotation, RandomZoom, affine_resample
from .base import FILL_MODES, Compose, Transform
from .batch import BatchAugment, expand_dataset
from .color import ColorJitter, GaussianNoise, RandomBrightness
from .crops import (RandomCrop, RandomHorizontalFlip, RandomShift, RandomTranslate,
                    RandomVerticalFlip)
from .erasing import RandomErasing

__all__ = ["Transform", "Compose", "RandomHorizontalFlip", "RandomVerticalFlip", "RandomShift",
           "RandomTranslate", "RandomCrop", "affine_resample", "RandomRotation", "RandomZoom",
           "RandomBrightness", "ColorJitter", "GaussianNoise", "RandomErasing", "BatchAugment",
           "expand_dataset", "FILL_MODES"]
