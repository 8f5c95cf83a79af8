"""nnforge.data: datasets, loaders, splits, scalers and augmentation (NumPy only;
scikit-learn is imported lazily by the `load_digits`-style loaders).

Examples
--------
>>> from nnforge.data import (DataLoader, StandardScaler, TensorDataset, make_blobs,
...                           train_val_test_split)
>>> data = make_blobs(100, seed=0)
>>> train, val, test = train_val_test_split(data.y, stratify=True)
>>> scaler = StandardScaler().fit(data.X, rows=train)        # statistics of train only
>>> loader = DataLoader(TensorDataset(scaler.transform(data.X[train]), data.y[train]),
...                     batch_size=20, shuffle=True, generator=0)
>>> len(train), len(loader)
(60, 3)
"""
from .arrays import ArrayFileError, load_arrays, save_arrays
from .augment import (BatchAugment, ColorJitter, Compose, GaussianNoise, RandomBrightness,
                      RandomCrop, RandomErasing, RandomHorizontalFlip, RandomRotation, RandomShift,
                      RandomTranslate, RandomVerticalFlip, RandomZoom, Transform,
                      affine_resample, expand_dataset)
from .dataset import ArrayData, Dataset, Subset, TensorDataset
from .describe import DataDescription, describe
from .idx import (FASHION_MNIST_CLASSES, IDXFormatError, load_fashion_mnist, load_idx_dataset,
                  load_mnist, read_idx)
from .leakage import DataLeakageWarning, SplitIndices
from .loader import DataLoader
from .scalers import (SCALERS, MinMaxScaler, PCAWhitening, StandardScaler, ZCAWhitening,
                      make_scaler)
from .sklearn_sets import (load_breast_cancer, load_diabetes, load_digits, load_iris,
                           load_wine)
from .splits import (KFold, LeaveOneOut, StratifiedKFold, TimeSeriesSplit, time_series_split,
                     train_test_split, train_val_test_split)
from .tabular import CSVFormatError, load_csv
from .toy import make_blobs, make_circles, make_sine, make_spirals, make_xor

__all__ = [
    "ArrayData", "ArrayFileError", "BatchAugment", "CSVFormatError", "ColorJitter", "Compose",
    "DataDescription", "DataLeakageWarning", "DataLoader", "Dataset", "FASHION_MNIST_CLASSES",
    "GaussianNoise", "IDXFormatError", "KFold", "LeaveOneOut", "MinMaxScaler",
    "RandomBrightness", "RandomCrop", "RandomErasing", "RandomHorizontalFlip",
    "RandomRotation", "RandomShift", "RandomTranslate", "RandomVerticalFlip", "RandomZoom",
    "PCAWhitening", "SCALERS", "SplitIndices", "StandardScaler", "ZCAWhitening",
    "make_scaler", "StratifiedKFold", "Subset", "TensorDataset",
    "TimeSeriesSplit", "Transform", "affine_resample", "describe", "expand_dataset", "load_arrays",
    "load_breast_cancer", "load_csv", "load_diabetes", "load_digits", "load_fashion_mnist",
    "load_idx_dataset", "load_iris", "load_mnist", "load_wine", "make_blobs", "make_circles",
    "make_sine", "make_spirals", "make_xor", "read_idx", "save_arrays", "time_series_split",
    "train_test_split", "train_val_test_split",
]
