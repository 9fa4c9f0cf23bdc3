"""DataLoader and default_collate: turn a dataset into an iterable of batches."""

from __future__ import annotations

import collections.abc
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

import numbatorch

from .dataset import Dataset, IterableDataset, Subset, TensorDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

_COLLATE_TYPE_ERROR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def default_convert(data: Any) -> Any:
    """Turns numpy arrays (also inside lists, tuples and dicts) into tensors; leaves the
    rest as it is. The collate function used when automatic batching is off."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "OSUV":
        return numbatorch.from_numpy(np.ascontiguousarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _same_type(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _same_type(data, [default_convert(d) for d in data])
    return data


def default_collate(batch: list) -> Any:
    """Merges a list of samples into a batch, as PyTorch does: tensors are stacked on a new
    first dimension, numpy arrays become stacked tensors, Python ints an int64 tensor,
    floats a float64 tensor, strings stay a list; tuples and lists are transposed and
    collated per position, dicts per key."""
    elem = batch[0]
    if isinstance(elem, numbatorch.Tensor):
        return numbatorch.stack(batch, 0)
    if isinstance(elem, (np.ndarray, np.generic)) and not isinstance(elem, (np.str_, np.bytes_)):
        if elem.dtype.kind in "OSUV":
            raise TypeError(_COLLATE_TYPE_ERROR.format(elem.dtype))
        # np.stack only moves data; the batch becomes one tensor without a per-sample copy.
        return numbatorch.from_numpy(np.stack(batch))
    if isinstance(elem, bool):
        return numbatorch.tensor(batch)
    if isinstance(elem, float):
        return numbatorch.tensor(batch, dtype=numbatorch.float64)
    if isinstance(elem, int):
        return numbatorch.tensor(batch, dtype=numbatorch.int64)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _same_type(elem, {key: default_collate([d[key] for d in batch]) for key in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = [default_collate(list(samples)) for samples in zip(*batch)]
        # PyTorch returns a list for tuples, and the sample's own type for other sequences.
        return transposed if isinstance(elem, tuple) else _same_type(elem, transposed)
    raise TypeError(_COLLATE_TYPE_ERROR.format(type(elem)))


def _same_type(example: Any, value: dict | list) -> Any:
    """``value`` rebuilt as the container type of ``example`` when its constructor takes
    it (OrderedDict, a list subclass), else the plain dict or list."""
    try:
        return type(example)(value)
    except TypeError:
        return value


def _tensor_dataset_batch(dataset: Dataset, indices: list[int]) -> list | None:
    """The batch of a TensorDataset (possibly inside Subsets) gathered with one index
    tensor per stored tensor, instead of len(indices) item reads and a stack: the same
    values as default_collate, at a fraction of the per-op overhead. None for other
    datasets."""
    while isinstance(dataset, Subset):
        indices = [int(dataset.indices[i]) for i in indices]
        dataset = dataset.dataset
    if type(dataset) is not TensorDataset:
        return None
    index = numbatorch.tensor(indices, dtype=numbatorch.int64)
    return [tensor[index.to(tensor.device)] for tensor in dataset.tensors]


class DataLoader:
    """Iterates over ``dataset`` in batches of ``batch_size`` samples merged by
    ``collate_fn`` (``default_collate``), in order or shuffled.

    Everything runs in the calling process: ``num_workers > 0`` is accepted with a warning
    and ``pin_memory`` has no effect (there are no worker processes and no pinned memory).
    """

    def __init__(
        self,
        dataset: Dataset | Iterable,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | Iterable | None = None,
        batch_sampler: Sampler | Iterable | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        *,
        generator: numbatorch.Generator | None = None,
    ) -> None:
        if num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 to disable "
                "multiprocessing."
            )
        if num_workers > 0:
            warnings.warn(
                f"numbatorch's DataLoader loads batches in the main process; "
                f"num_workers={num_workers} is ignored.",
                stacklevel=2,
            )
        self.dataset = dataset
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.generator = generator
        self._is_iterable = isinstance(dataset, IterableDataset)
        if self._is_iterable:
            if shuffle not in (None, False):
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified shuffle option, "
                    f"but got shuffle={shuffle}"
                )
            if sampler is not None:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified sampler option, "
                    f"but got sampler={sampler}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified batch_sampler "
                    f"option, but got batch_sampler={batch_sampler}"
                )
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, "
                    "sampler, and drop_last"
                )
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive "
                "with drop_last"
            )
        if sampler is None and not self._is_iterable:
            sampler = (
                RandomSampler(dataset, generator=generator)
                if shuffle
                else SequentialSampler(dataset)
            )
        if batch_size is not None and batch_sampler is None and not self._is_iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self._auto_collation = batch_sampler is not None or (
            self._is_iterable and batch_size is not None
        )
        self._default_collate = collate_fn is None
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn

    def __iter__(self) -> Iterator:
        if self._is_iterable:
            return self._iter_stream()
        if self._auto_collation:
            return self._iter_batches()
        return (self.collate_fn(self.dataset[index]) for index in self.sampler)

    def _iter_batches(self) -> Iterator:
        for indices in self.batch_sampler:
            batch = _tensor_dataset_batch(self.dataset, indices) if self._default_collate else None
            if batch is None:
                batch = self.collate_fn([self.dataset[i] for i in indices])
            yield batch

    def _iter_stream(self) -> Iterator:
        if not self._auto_collation:
            yield from (self.collate_fn(sample) for sample in self.dataset)
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __len__(self) -> int:
        if self._is_iterable:
            length = len(self.dataset)
            if self.batch_size is None:
                return length
            if self.drop_last:
                return length // self.batch_size
            return (length + self.batch_size - 1) // self.batch_size
        if self._auto_collation:
            return len(self.batch_sampler)
        return len(self.sampler)
