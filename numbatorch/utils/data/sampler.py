"""Samplers: the order in which a DataLoader visits a map-style dataset's indices."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized

import numbatorch

# Sampling with replacement draws its indices this many at a time, so a huge num_samples
# never materialises all its indices at once.
_REPLACEMENT_CHUNK = 32


class Sampler:
    """Base class: an iterable of dataset indices (or, for batch samplers, index lists).

    Subclasses define ``__iter__`` (and ``__len__`` when they know their length); a
    ``DataLoader`` takes one as ``sampler`` (or ``batch_sampler``) to choose the order.

    Example::

        >>> class Reversed(Sampler):
        ...     def __init__(self, data_source):
        ...         self.data_source = data_source
        ...     def __iter__(self):
        ...         return iter(range(len(self.data_source) - 1, -1, -1))
        ...     def __len__(self):
        ...         return len(self.data_source)
        >>> list(Reversed(range(4)))
        [3, 2, 1, 0]
    """

    def __iter__(self) -> Iterator:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """Yields ``0, 1, ..., len(data_source) - 1``: the order of a DataLoader without
    ``shuffle``.

    Args:
        data_source (Sized): the dataset whose indices to yield.

    Example::

        >>> list(SequentialSampler(["a", "b", "c"]))
        [0, 1, 2]
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


def _generator_for_epoch(generator: numbatorch.Generator | None) -> numbatorch.Generator:
    """``generator`` itself, or a fresh one seeded from the global generator, so that
    ``numbatorch.manual_seed`` fixes the order while other random ops run between batches
    do not change it."""
    if generator is not None:
        return generator
    seed = int(numbatorch.randint(0, 2**62, (1,)).item())
    return numbatorch.Generator().manual_seed(seed)


class RandomSampler(Sampler):
    """Yields the indices in a random order (a fresh permutation each epoch), or
    ``num_samples`` indices drawn with replacement: the order of a DataLoader with
    ``shuffle=True``.

    Args:
        data_source (Sized): the dataset whose indices to yield.
        replacement (bool): draw each index independently, so an index may repeat.
            Default: ``False``.
        num_samples (int, optional): how many indices to yield; ``len(data_source)``
            when omitted. Without replacement, more than that runs through several
            permutations.
        generator (Generator, optional): the generator of the order; without one each
            epoch seeds a fresh generator from the global one.

    Example::

        >>> sampler = RandomSampler(range(5), generator=numbatorch.Generator().manual_seed(0))
        >>> sorted(sampler)
        [0, 1, 2, 3, 4]
        >>> len(RandomSampler(range(5), replacement=True, num_samples=8))
        8
    """

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: numbatorch.Generator | None = None,
    ) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(
                f"num_samples should be a positive integer value, but got "
                f"num_samples={self.num_samples}"
            )

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        generator = _generator_for_epoch(self.generator)
        if self.replacement:
            for start in range(0, self.num_samples, _REPLACEMENT_CHUNK):
                count = min(_REPLACEMENT_CHUNK, self.num_samples - start)
                yield from numbatorch.randint(0, n, (count,), generator=generator).tolist()
            return
        for _ in range(self.num_samples // n):
            yield from numbatorch.randperm(n, generator=generator).tolist()
        yield from numbatorch.randperm(n, generator=generator).tolist()[: self.num_samples % n]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """Yields the given indices in a random order (a fresh permutation each epoch).

    Args:
        indices (list of int): the dataset indices to yield.
        generator (Generator, optional): the generator of the order; without one each
            epoch seeds a fresh generator from the global one.

    Example::

        >>> sampler = SubsetRandomSampler([10, 20, 30])
        >>> sorted(sampler), len(sampler)
        ([10, 20, 30], 3)
    """

    def __init__(self, indices: list[int], generator: numbatorch.Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        generator = _generator_for_epoch(self.generator)
        for i in numbatorch.randperm(len(self.indices), generator=generator).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size``; the last, shorter
    list is dropped when ``drop_last``.

    Args:
        sampler (Sampler or iterable of int): the indices to group.
        batch_size (int): the size of each list.
        drop_last (bool): drop the last list when it is shorter than ``batch_size``.

    Example::

        >>> list(BatchSampler(SequentialSampler(range(7)), batch_size=3, drop_last=False))
        [[0, 1, 2], [3, 4, 5], [6]]
        >>> list(BatchSampler(SequentialSampler(range(7)), batch_size=3, drop_last=True))
        [[0, 1, 2], [3, 4, 5]]
    """

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
            )
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
