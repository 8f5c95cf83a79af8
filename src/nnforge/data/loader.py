"""`DataLoader`: mini-batches from a dataset, shuffled with a seeded Generator.

Array-backed datasets are batched by one fancy-indexing call per batch (no per-sample
Python work); memory-mapped sources are read one batch at a time: shuffled reads are
advised as random (no read-ahead around each row), and the pages a batch touched are
released afterwards, so resident memory stays bounded by about one batch. An optional background
thread prepares the next batch (gather + transform) while the model trains on this one.
"""
from __future__ import annotations

import mmap
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Optional, Protocol, TypeVar, Union

import numpy as np

from ..autograd.tensor import Tensor
from ..random import resolve_generator
from ._typing import GeneratorLike
from .dataset import ArrayData, Subset, TensorDataset

T = TypeVar("T", covariant=True)


class _SizedIterable(Protocol[T]):
    """A sampler: an iterable that knows its length."""

    def __iter__(self) -> Iterator[T]: ...

    def __len__(self) -> int: ...


class _Indexable(Protocol):
    """A map-style dataset: a length and samples by integer index."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: Any) -> Any: ...


_DONE = object()
_MAPPED_CHUNK = 16          # rows gathered between page releases of a memory-mapped source


def _memmap_bases(arrays: Iterable[np.ndarray]) -> list[mmap.mmap]:
    """The mmap objects behind any memory-mapped arrays among `arrays`."""
    found = []
    for array in arrays:
        base: Optional[np.ndarray] = array
        while isinstance(base, np.ndarray):
            handle = getattr(base, "_mmap", None)
            if handle is not None:
                found.append(handle)
                break
            base = base.base
    return found


def _advise(handles: Sequence[mmap.mmap], advice: Optional[int]) -> None:
    """madvise() every mapping in `handles` (no-op where the platform lacks it)."""
    if advice is None:
        return
    for handle in handles:
        try:
            handle.madvise(advice)
        except (AttributeError, ValueError, OSError):
            pass                                 # platform without madvise: nothing to do


def _release(handles: Sequence[mmap.mmap]) -> None:
    """Drop the page-table entries of memory-mapped sources (data stay in the OS page
    cache, but no longer count toward this process's resident set)."""
    _advise(handles, getattr(mmap, "MADV_DONTNEED", None))


def _as_tensors(batch: Any) -> Any:
    """A batch with every array wrapped as a Tensor, without copying (PyTorch's loader
    yields tensors); tuples, lists and dicts keep their structure."""
    if isinstance(batch, Tensor):
        return batch
    if isinstance(batch, np.ndarray):
        return Tensor._make(batch, False, None)
    if isinstance(batch, dict):
        return {k: _as_tensors(v) for k, v in batch.items()}
    if isinstance(batch, (tuple, list)):
        return type(batch)(_as_tensors(b) for b in batch)
    return batch


def _collate(samples: Sequence[Any]) -> Any:
    """Stack a list of samples (arrays, numbers, or tuples/lists/dicts of them) into one
    batch of the same structure, as PyTorch's default collation does: Python ints become
    int64, Python floats float64, arrays keep their dtype."""
    first = samples[0]
    if isinstance(first, dict):
        return {k: _collate([s[k] for s in samples]) for k in first}
    if isinstance(first, (tuple, list)):
        return type(first)(_collate([s[k] for s in samples]) for k in range(len(first)))
    if isinstance(first, str):
        return list(samples)
    return np.stack([np.asarray(s) for s in samples])


def _dataset_length(dataset: Any) -> int:
    try:
        n = len(dataset)
    except TypeError:
        raise TypeError(f"DataLoader(dataset): expected a Dataset with __len__, got "
                        f"{type(dataset).__name__}") from None
    if n == 0:
        raise ValueError("DataLoader(dataset): the dataset is empty (0 samples)")
    return n


def _checked_batch_size(batch_size: Any, drop_last: bool, n: int) -> Optional[int]:
    if batch_size is None:
        return None
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f"DataLoader(batch_size): expected a positive integer or None, "
                         f"got {batch_size!r}")
    if drop_last and batch_size > n:
        raise ValueError(f"DataLoader: batch_size={batch_size} is larger than the "
                         f"dataset ({n} samples) with drop_last=True, so an epoch "
                         "would have zero batches; lower batch_size or set "
                         "drop_last=False")
    return int(batch_size)


def _check_callable(value: Any, argument: str) -> None:
    if value is not None and not callable(value):
        raise TypeError(f"DataLoader({argument}): expected a callable, got "
                        f"{type(value).__name__}")


def _check_samplers(sampler: Any, batch_sampler: Any, shuffle: bool, drop_last: bool,
                    batch_size: Optional[int]) -> None:
    if sampler is not None and shuffle:
        raise ValueError("DataLoader: sampler and shuffle=True are exclusive (the "
                         "sampler decides the order)")
    if batch_sampler is not None and (sampler is not None or shuffle or drop_last
                                      or batch_size not in (1, None)):
        raise ValueError("DataLoader: batch_sampler is exclusive with batch_size, "
                         "shuffle, sampler and drop_last")


class DataLoader:
    """Iterate over `dataset` in mini-batches of Tensors (wrapping NumPy arrays).

    `len(loader)` is the number of batches per epoch. Each batch is a tuple of Tensors, one
    per dataset array, e.g. `for X, y in loader` (the Tensors wrap the gathered arrays, no
    copy; `.numpy()` gives them back). A dataset whose samples are dicts, lists or single
    arrays gives batches of that structure, like PyTorch.

    Parameters
    ----------
    dataset : Dataset or ArrayData
        A `Dataset` (e.g. `TensorDataset(X, y)`), any object with `__len__` and
        `__getitem__`, or an `ArrayData`.
    batch_size : int or None
        Samples per batch (default 1); None means the whole dataset as one batch
        (full-batch gradient descent).
    shuffle : bool
        Draw a new permutation every epoch from `generator`.
    drop_last : bool
        Drop the final incomplete batch.
    generator : numpy.random.Generator, nnforge.Generator, int or None
        Randomness for shuffling and for the transform (None: the library default set by
        `nnforge.manual_seed`).
    transform : callable, optional
        Called on X of each batch as `transform(X, generator)`, e.g. an augmentation
        `Compose`; use it on the training loader only. A transform with
        `needs_targets = True` (`BatchAugment`) is called as `transform(X, y, generator)`
        and returns `(X, y)`.
    prefetch : bool
        Prepare the next batch (gather + transform) in a background thread. Batches are
        identical to prefetch=False; the worker draws from `generator` while you train,
        so do not share that Generator with other code (dropout, init) when prefetching.
    sampler, batch_sampler : iterable, optional
        PyTorch's: an iterable of indices (e.g. `utils.data.RandomSampler`) or of index
        lists; they replace `shuffle` and `batch_size`.
    collate_fn : callable, optional
        `collate_fn(list of samples)` replaces the default stacking.
    num_workers, pin_memory
        Accepted for PyTorch code, but batches are always made in this process (there is
        no device memory to pin).

    Examples
    --------
    >>> import numpy as np
    >>> data = TensorDataset(np.arange(10.0).reshape(5, 2), np.array([0, 1, 0, 1, 0]))
    >>> loader = DataLoader(data, batch_size=2)
    >>> len(loader)
    3
    >>> [y.numpy().tolist() for X, y in loader]
    [[0, 1], [0, 1], [0]]
    >>> shuffled = DataLoader(data, batch_size=5, shuffle=True, generator=0)
    >>> sorted(next(iter(shuffled))[1].numpy().tolist())
    [0, 0, 0, 1, 1]
    """

    def __init__(self, dataset: Union[_Indexable, ArrayData], batch_size: Optional[int] = 1,
                 shuffle: bool = False, drop_last: bool = False,
                 generator: GeneratorLike = None,
                 transform: Optional[Callable[..., Any]] = None, prefetch: bool = False, *,
                 sampler: Optional[_SizedIterable[int]] = None,
                 batch_sampler: Optional[_SizedIterable[Iterable[int]]] = None,
                 collate_fn: Optional[Callable[[list[Any]], Any]] = None,
                 num_workers: int = 0, pin_memory: bool = False) -> None:
        if isinstance(dataset, ArrayData):
            dataset = dataset.to_dataset()
        n = _dataset_length(dataset)
        batch_size = _checked_batch_size(batch_size, drop_last, n)
        _check_callable(transform, "transform")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = resolve_generator(generator)
        self.transform = transform
        self.prefetch = bool(prefetch)
        _check_samplers(sampler, batch_sampler, shuffle, drop_last, batch_size)
        self.sampler, self.batch_sampler = sampler, batch_sampler
        _check_callable(collate_fn, "collate_fn")
        if collate_fn is not None and transform is not None:
            raise ValueError("DataLoader: collate_fn and transform are exclusive; apply the "
                             "transform inside collate_fn")
        self.collate_fn, self.num_workers = collate_fn, int(num_workers)
        self._single = False     # set by the first stacked batch: samples are not tuples
        self._batched = getattr(dataset, "supports_batch_indexing", False)
        source, self._rows = dataset, None
        if isinstance(dataset, Subset) and isinstance(dataset.dataset, TensorDataset):
            source, self._rows = dataset.dataset, dataset.indices
        self._arrays = source.arrays if isinstance(source, TensorDataset) else ()
        self._mmaps = _memmap_bases(self._arrays)

    def __len__(self) -> int:
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.dataset) if self.sampler is None else len(self.sampler)
        if self.batch_size is None:
            return 1
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _batch_indices(self) -> list[np.ndarray]:
        """The index array of each batch of one epoch."""
        if self.batch_sampler is not None:
            return [np.asarray(list(b), dtype=np.int64) for b in self.batch_sampler]
        if self.sampler is not None:
            order = np.fromiter(iter(self.sampler), dtype=np.int64)
        else:
            n = len(self.dataset)
            order = self.generator.permutation(n) if self.shuffle else np.arange(n)
        n = len(order)
        size = n if self.batch_size is None else self.batch_size
        stops = range(size, n + 1, size) if self.drop_last else range(size, n + size, size)
        return [order[stop - size:min(stop, n)] for stop in stops]

    def _gather_mapped(self, array: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """array[rows] from a memory-mapped array, `_MAPPED_CHUNK` rows at a time with the
        mapped pages released in between: the page cache may hold a file in large folios
        (up to megabytes), and touching one row maps its whole folio, so resident memory
        is bounded by a chunk's folios rather than a whole batch's."""
        out = np.empty((len(rows),) + array.shape[1:], dtype=array.dtype)
        for start in range(0, len(rows), _MAPPED_CHUNK):
            out[start:start + _MAPPED_CHUNK] = array[rows[start:start + _MAPPED_CHUNK]]
            _release(self._mmaps)
        return out

    def _fetch(self, idx: np.ndarray) -> Any:
        if self.collate_fn is not None:
            return self.collate_fn([self.dataset[int(i)] for i in idx])
        if self._mmaps and self.shuffle:
            # random rows: no read-ahead or fault-around of neighbouring pages
            _advise(self._mmaps, getattr(mmap, "MADV_RANDOM", None))
        if self._mmaps:
            rows = idx if self._rows is None else self._rows[idx]
            batch = tuple(self._gather_mapped(a, rows) if _memmap_bases((a,)) else a[rows]
                          for a in self._arrays)
        elif self._batched:
            batch = self.dataset[idx]
            batch = tuple(np.asarray(b) for b in (batch if isinstance(batch, tuple) else (batch,)))
        else:
            samples = [self.dataset[int(i)] for i in idx]
            batch = _collate(samples)
            if not isinstance(batch, tuple):
                self._single, batch = True, (batch,)
        if self._mmaps and self.shuffle:
            _advise(self._mmaps, getattr(mmap, "MADV_NORMAL", None))
        if self.transform is not None:
            if getattr(self.transform, "needs_targets", False):
                if len(batch) < 2:
                    raise ValueError(f"DataLoader(transform): {type(self.transform).__name__} "
                                     "needs targets, but the dataset yields X only")
                X, y = self.transform(batch[0], batch[1], self.generator)
                batch = (X, y) + batch[2:]
            else:
                batch = (self.transform(batch[0], self.generator),) + batch[1:]
        if self._single:
            return _as_tensors(batch[0])
        return _as_tensors(batch)

    def __iter__(self) -> Iterator[Any]:
        batches = self._batch_indices()
        if not self.prefetch:
            return (self._fetch(idx) for idx in batches)
        return self._prefetching(batches)

    def _prefetching(self, batches: list[np.ndarray]) -> Iterator[Any]:
        """Yield batches prepared one step ahead by a worker thread. All generator draws
        happen in the worker in the same order as without prefetch, so results match."""
        ready: queue.Queue[Any] = queue.Queue(maxsize=1)
        stop = threading.Event()

        def offer(item: Any) -> bool:
            while not stop.is_set():
                try:
                    ready.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        def work() -> None:
            try:
                for idx in batches:
                    if not offer(self._fetch(idx)):
                        return
                offer(_DONE)
            except BaseException as error:       # noqa: BLE001 - handed to the consumer
                offer(error)

        worker = threading.Thread(target=work, name="nnforge-prefetch", daemon=True)
        worker.start()
        try:
            while True:
                item = ready.get()
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            worker.join(timeout=5)

    def __repr__(self) -> str:
        return (f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)}, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, prefetch={self.prefetch})")
