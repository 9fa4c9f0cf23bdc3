"""Dataset classes (map-style and iterable) and random_split, as in torch.utils.data."""

from __future__ import annotations

import bisect
import itertools
import math
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numbatorch


class Dataset:
    """A map-style dataset: subclasses define ``__getitem__`` (and usually ``__len__``).

    ``dataset[i]`` is sample ``i``; a ``DataLoader`` asks for the indices its sampler
    yields. ``a + b`` concatenates two datasets (a ``ConcatDataset``).

    Example::

        >>> class Squares(Dataset):
        ...     def __getitem__(self, index):
        ...         return index * index
        ...     def __len__(self):
        ...         return 4
        >>> [Squares()[i] for i in range(4)]
        [0, 1, 4, 9]
        >>> len(Squares() + Squares())
        8
    """

    def __getitem__(self, index) -> Any:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset that is a stream: subclasses define ``__iter__``.

    A ``DataLoader`` iterates it instead of indexing it, so it takes no sampler and no
    ``shuffle``. With worker processes, each worker iterates its own copy of the
    dataset: use ``get_worker_info()`` in ``__iter__`` to give each worker its share.
    ``a + b`` chains two streams (a ``ChainDataset``).

    Example::

        >>> class Count(IterableDataset):
        ...     def __iter__(self):
        ...         return iter(range(3))
        >>> list(Count())
        [0, 1, 2]
        >>> list(Count() + Count())
        [0, 1, 2, 0, 1, 2]
    """

    def __iter__(self) -> Iterator:
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other: IterableDataset) -> ChainDataset:
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """Iterates several iterable datasets one after the other.

    Args:
        datasets (iterable of IterableDataset): the streams to chain, in order.

    Example::

        >>> class Count(IterableDataset):
        ...     def __init__(self, n):
        ...         self.n = n
        ...     def __iter__(self):
        ...         return iter(range(self.n))
        ...     def __len__(self):
        ...         return self.n
        >>> chain = ChainDataset([Count(2), Count(3)])
        >>> list(chain), len(chain)
        ([0, 1, 0, 1, 2], 5)
    """

    def __init__(self, datasets: Iterable[IterableDataset]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator:
        for dataset in self.datasets:
            if not isinstance(dataset, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from dataset

    def __len__(self) -> int:
        return sum(len(dataset) for dataset in self.datasets)


class TensorDataset(Dataset):
    """Sample ``i`` is ``tuple(tensor[i] for tensor in tensors)``: tensors that share
    their first dimension, indexed along it together (inputs and their targets).

    Args:
        *tensors (Tensor): tensors with the same size of the first dimension.

    Shape:
        - Each of ``tensors``: :math:`(N, *)`, the same :math:`N` for all.
        - A sample: one tensor of shape :math:`(*)` per tensor given.

    Example::

        >>> x = numbatorch.arange(6.0).reshape(3, 2)
        >>> y = numbatorch.tensor([0, 1, 0])
        >>> dataset = TensorDataset(x, y)
        >>> len(dataset)
        3
        >>> dataset[1]
        (tensor([2., 3.]), tensor(1))
    """

    def __init__(self, *tensors: numbatorch.Tensor) -> None:
        if not all(tensors[0].shape[0] == tensor.shape[0] for tensor in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index) -> tuple:
        return tuple(tensor[index] for tensor in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    Args:
        dataset (Dataset): the whole dataset.
        indices (sequence of int): the indices of ``dataset`` that make the subset.

    Example::

        >>> subset = Subset(["a", "b", "c", "d"], [3, 0])
        >>> len(subset), subset[0], subset[1]
        (2, 'd', 'a')
    """

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """The map-style datasets one after the other: index ``len(first)`` is the second
    dataset's sample 0.

    Args:
        datasets (iterable of Dataset): the datasets to concatenate, in order.

    Example::

        >>> dataset = ConcatDataset([["a", "b"], ["c"]])
        >>> len(dataset), dataset[2], dataset[-1]
        (3, 'c', 'c')
        >>> dataset.cumulative_sizes
        [2, 3]
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        for dataset in self.datasets:
            if isinstance(dataset, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int):
        if index < 0:
            if -index > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            index = len(self) + index
        dataset_index = bisect.bisect_right(self.cumulative_sizes, index)
        if dataset_index == len(self.datasets):
            raise IndexError(f"index {index} is out of range for a dataset of length {len(self)}")
        start = self.cumulative_sizes[dataset_index - 1] if dataset_index > 0 else 0
        return self.datasets[dataset_index][index - start]


def random_split(
    dataset: Dataset,
    lengths: Sequence[int | float],
    generator: numbatorch.Generator | None = None,
) -> list[Subset]:
    """Splits ``dataset`` into non-overlapping random subsets of the given lengths.

    ``lengths`` are counts summing to ``len(dataset)``, or fractions summing to 1; with
    fractions, ``floor(len * fraction)`` items go to each split and the remainder is dealt
    round-robin from the first split, as PyTorch does.

    Args:
        dataset (Dataset): the dataset to split.
        lengths (sequence of int or float): the size of each split, or its fraction of
            the dataset.
        generator (Generator, optional): the generator that draws the permutation; the
            global one when omitted (``manual_seed`` fixes the split).

    Returns:
        list of Subset: one per length, in the order of ``lengths``.

    Example::

        >>> generator = numbatorch.Generator().manual_seed(42)
        >>> train, test = random_split(range(10), [0.7, 0.3], generator=generator)
        >>> len(train), len(test)
        (7, 3)
        >>> sorted(list(train) + list(test))
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    """
    total = sum(lengths)
    if math.isclose(total, 1) and total <= 1:
        counts = []
        for i, fraction in enumerate(lengths):
            if fraction < 0 or fraction > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            counts.append(math.floor(len(dataset) * fraction))
        for i in range(len(dataset) - sum(counts)):
            counts[i % len(counts)] += 1
        for i, count in enumerate(counts):
            if count == 0:
                warnings.warn(
                    f"Length of split at index {i} is 0. This might result in an empty dataset.",
                    stacklevel=2,
                )
        lengths = counts
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    indices = numbatorch.randperm(sum(lengths), generator=generator).tolist()
    return [
        Subset(dataset, indices[end - length : end])
        for end, length in zip(itertools.accumulate(lengths), lengths)
    ]
