"""DistributedSampler: each process of a data-parallel job visits its own share of a
dataset's indices, as torch.utils.data.distributed."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized

import numbatorch

from .sampler import Sampler


class DistributedSampler(Sampler):
    """Yields rank ``rank``'s share of the indices: every ``num_replicas``-th index of one
    permutation (the same on every rank: seeded with ``seed + epoch``, so call
    ``set_epoch`` each epoch for a new order). Without ``drop_last`` the indices are
    padded by repeating the first ones until every rank gets as many; with it the tail
    that does not divide evenly is dropped. ``num_replicas`` and ``rank`` default to the
    default process group's world size and rank.

    Args:
        dataset (Sized): the dataset whose indices to share out.
        num_replicas (int, optional): the number of processes taking part.
        rank (int, optional): this process's rank, in ``[0, num_replicas)``.
        shuffle (bool): permute the indices (the same permutation on every rank).
            Default: ``True``.
        seed (int): the seed of the permutation, the same on every rank. Default: 0.
        drop_last (bool): drop the tail that does not divide evenly instead of padding.
            Default: ``False``.

    Example::

        >>> shares = [list(DistributedSampler(range(5), num_replicas=2, rank=r, shuffle=False))
        ...           for r in range(2)]
        >>> shares
        [[0, 2, 4], [1, 3, 0]]
    """

    def __init__(
        self,
        dataset: Sized,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        import numbatorch.distributed as dist

        if num_replicas is None:
            if not dist.is_available():
                raise RuntimeError("Requires distributed package to be available")
            num_replicas = dist.get_world_size()
        if rank is None:
            if not dist.is_available():
                raise RuntimeError("Requires distributed package to be available")
            rank = dist.get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(
                f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]"
            )
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if self.drop_last and len(dataset) % num_replicas != 0:
            # the largest share every rank can get without repeating an index
            self.num_samples = math.ceil((len(dataset) - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(len(dataset) / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        if self.shuffle:
            generator = numbatorch.Generator()
            generator.manual_seed(self.seed + self.epoch)
            indices = numbatorch.randperm(len(self.dataset), generator=generator).tolist()
        else:
            indices = list(range(len(self.dataset)))
        if not self.drop_last:
            padding_size = self.total_size - len(indices)
            if padding_size <= len(indices):
                indices += indices[:padding_size]
            else:
                indices += (indices * math.ceil(padding_size / len(indices)))[:padding_size]
        else:
            indices = indices[: self.total_size]
        return iter(indices[self.rank : self.total_size : self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """The epoch whose order the next iteration yields (the same on every rank)."""
        self.epoch = epoch
