"""The DataLoader's worker processes: the loop each worker runs, what it knows about
itself (``get_worker_info``), and how its batches and exceptions travel back to the main
process.

A worker reads ``(send_idx, index)`` tasks from its own index queue, fetches and collates
the batch, and puts ``(send_idx, batch)`` on the result queue shared by all workers; the
main process puts the batches back in ``send_idx`` order. ``None`` on the index queue
tells a worker to exit, a ``_ResumeIteration`` to start a new epoch (persistent workers).
"""

from __future__ import annotations

import collections.abc
import itertools
import mmap
import os
import queue
import random
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing import resource_tracker
from typing import Any

import numba
import numpy as np

import numbatorch
from numbatorch._dispatch import set_parallel_threshold

# How long a worker waits on its index queue, and the main process on the result queue,
# before checking that the other side is still alive.
STATUS_CHECK_INTERVAL = 1.0


@dataclass(frozen=True)
class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker process.

    Args:
        id (int): this worker's number, in ``[0, num_workers)``.
        num_workers (int): how many workers the DataLoader runs.
        seed (int): the seed this worker's generators were given (``base_seed + id``).
        dataset: this worker's copy of the dataset.

    Example::

        >>> class Shares(IterableDataset):
        ...     def __iter__(self):
        ...         info = get_worker_info()  # None in the main process
        ...         first, step = (info.id, info.num_workers) if info else (0, 1)
        ...         return iter(range(first, 6, step))
        >>> list(Shares())
        [0, 1, 2, 3, 4, 5]
    """

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """In a DataLoader worker process, its ``WorkerInfo`` (``id``, ``num_workers``,
    ``seed``, ``dataset``: this worker's copy); ``None`` in the main process. An
    IterableDataset uses it to give each worker its own share of the stream.

    Example::

        >>> get_worker_info() is None  # the main process
        True
    """
    return _worker_info


class ExceptionWrapper:
    """An exception raised in a worker, with its formatted traceback, that can be
    pickled to the main process and raised there again."""

    def __init__(self, where: str) -> None:
        exc_type, exc_value, exc_traceback = sys.exc_info()
        self.exc_type = exc_type
        # The traceback object cannot be pickled; its text can.
        self.exc_msg = "".join(traceback.format_exception(exc_type, exc_value, exc_traceback))
        self.where = where

    def reraise(self) -> None:
        """Raises the worker's exception type with PyTorch's message: "Caught ValueError
        in DataLoader worker process 0.\\nOriginal Traceback (most recent call last): ..."."""
        message = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        try:
            exception = self.exc_type(message)
        except Exception:
            # An exception type whose constructor takes other arguments.
            raise RuntimeError(message) from None
        raise exception


@dataclass(frozen=True)
class IterableDatasetStopIteration:
    """A worker's answer once its copy of an IterableDataset is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class ResumeIteration:
    """Tells a persistent worker that a new epoch starts (a fresh dataset iterator)."""


# POSIX shared memory lives here on Linux; elsewhere batches are pickled whole.
SHARED_MEMORY_DIR = "/dev/shm"
# Tensors from this size on travel through shared memory. Measured with a forkserver worker
# (2-core AMD EPYC, AVX-512, busy host), main process reading every value: a 64x3x224x224
# float32 batch (38.5 MB) took 617 ms per batch pickled through the queue and 232 ms
# through shared memory; a 64x3x32x32 one (786 kB) 3.7 ms and 4.5 ms, so small tensors
# stay pickled.
SHARE_MIN_BYTES = 1 << 20
_shared_names = itertools.count()


@dataclass(frozen=True)
class SharedTensor:
    """A CPU tensor that a worker wrote to a POSIX shared-memory object (``name``) for
    the main process to map instead of receiving a pickled copy."""

    name: str
    shape: tuple[int, ...]
    dtype: str

    @staticmethod
    def write(tensor: numbatorch.Tensor) -> SharedTensor:
        array = tensor.numpy()
        name = f"/numbatorch_{os.getpid()}_{next(_shared_names)}"
        fd = os.open(SHARED_MEMORY_DIR + name, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
        try:
            os.ftruncate(fd, array.nbytes)
            mapping = mmap.mmap(fd, array.nbytes)
        finally:
            os.close(fd)
        # The resource tracker (one per main process, shared by its workers) unlinks the
        # object if the main process never gets to it (a worker killed after writing it).
        resource_tracker.register(name, "shared_memory")
        np.copyto(np.frombuffer(mapping, array.dtype).reshape(array.shape), array)
        return SharedTensor(name, array.shape, array.dtype.str)

    def open(self) -> numbatorch.Tensor:
        """The tensor, its storage the mapping itself (no copy); the object's name is
        removed at once, so its memory goes when the tensor does."""
        fd = os.open(SHARED_MEMORY_DIR + self.name, os.O_RDWR)
        try:
            mapping = mmap.mmap(fd, 0)
        finally:
            os.close(fd)
        self.release()
        return numbatorch.from_numpy(np.frombuffer(mapping, self.dtype).reshape(self.shape))

    def release(self) -> None:
        os.unlink(SHARED_MEMORY_DIR + self.name)
        resource_tracker.unregister(self.name, "shared_memory")


def share(data: Any) -> Any:
    """``data`` (a batch) with its large CPU tensors written to shared memory."""
    return _map_tensors(data, numbatorch.Tensor, _share_tensor)


def _share_tensor(tensor: numbatorch.Tensor) -> Any:
    large = tensor.numel() * tensor.element_size() >= SHARE_MIN_BYTES
    if large and tensor.device.type == "cpu" and not tensor.requires_grad:
        return SharedTensor.write(tensor)
    return tensor


def unshare(data: Any) -> Any:
    """``data`` with every SharedTensor opened as a tensor."""
    return _map_tensors(data, SharedTensor, SharedTensor.open)


def release(data: Any) -> None:
    """Removes the shared memory of a batch that will never be opened."""
    _map_tensors(data, SharedTensor, SharedTensor.release)


def _map_tensors(data: Any, kind: type, function: Callable) -> Any:
    """``data`` with ``function`` applied to each ``kind`` inside lists, tuples
    (named ones too) and dicts; other objects are left as they are."""
    if isinstance(data, kind):
        return function(data)
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(_map_tensors(d, kind, function) for d in data))
    if isinstance(data, (list, tuple)):
        return same_type(data, [_map_tensors(d, kind, function) for d in data])
    if isinstance(data, collections.abc.Mapping):
        return same_type(data, {key: _map_tensors(data[key], kind, function) for key in data})
    return data


def same_type(example: Any, value: dict | list) -> Any:
    """``value`` rebuilt as the container type of ``example`` when its constructor takes
    it (OrderedDict, a list subclass), else the plain dict or list."""
    try:
        return type(example)(value)
    except TypeError:
        return value


def can_share() -> bool:
    return os.path.isdir(SHARED_MEMORY_DIR)


class MapFetcher:
    """Fetches a batch (a list of indices) or a sample (one index) of a map-style dataset."""

    def __init__(
        self,
        dataset: Any,
        auto_collation: bool,
        collate_fn: Callable,
        gather: Callable[[Any, list], list | None] | None,
    ) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        # The TensorDataset fast path of the default collate (None with a custom one).
        self.gather = gather

    def fetch(self, index: Any) -> Any:
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        batch = self.gather(self.dataset, index) if self.gather is not None else None
        if batch is None:
            batch = self.collate_fn([self.dataset[i] for i in index])
        return batch


class IterableFetcher:
    """Fetches the next batch (``index`` is a list of ``batch_size`` Nones) or sample
    (``index`` is None) of an IterableDataset; StopIteration when it is exhausted."""

    def __init__(
        self, dataset: Any, auto_collation: bool, collate_fn: Callable, drop_last: bool
    ) -> None:
        self.dataset_iter: Iterator = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, index: Any) -> Any:
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.dataset_iter))
        samples = []
        for _ in index:
            try:
                samples.append(next(self.dataset_iter))
            except StopIteration:
                self.ended = True
                break
        if not samples or (self.drop_last and len(samples) < len(index)):
            raise StopIteration
        return self.collate_fn(samples)


def numpy_seed(base_seed: int, worker_id: int) -> np.ndarray:
    """The seed of numpy's global generator in a worker: different per worker and per
    epoch, derived from both numbers (PyTorch hashes them with its own function; the
    values differ from PyTorch's, the property is the same)."""
    return np.random.SeedSequence([worker_id, base_seed]).generate_state(4)


def worker_loop(
    dataset: Any,
    is_iterable: bool,
    auto_collation: bool,
    collate_fn: Callable,
    gather: Callable | None,
    drop_last: bool,
    index_queue: Any,
    data_queue: Any,
    done_event: Any,
    base_seed: int,
    init_fn: Callable[[int], None] | None,
    worker_id: int,
    num_workers: int,
    shared_memory: bool,
) -> None:
    """The body of worker process ``worker_id``: seed, run ``init_fn``, then answer
    tasks until told to stop or until the main process is gone."""
    global _worker_info
    # One thread and serial kernels, as PyTorch's workers run torch.set_num_threads(1):
    # the workers already use the cores. A forked worker must not enter the OpenMP pool
    # its parent started (libgomp is not fork-safe: Numba terminates such a child); kernels
    # without a serial twin still do (see the DataLoader docstring).
    numba.set_num_threads(1)
    set_parallel_threshold(sys.maxsize)
    seed = base_seed + worker_id
    random.seed(seed)
    numbatorch.manual_seed(seed)
    # The legacy global generator is what datasets calling np.random.rand etc. use.
    np.random.seed(numpy_seed(base_seed, worker_id))  # noqa: NPY002
    _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
    where = f"in DataLoader worker process {worker_id}"

    def new_fetcher() -> MapFetcher | IterableFetcher:
        if is_iterable:
            return IterableFetcher(dataset, auto_collation, collate_fn, drop_last)
        return MapFetcher(dataset, auto_collation, collate_fn, gather)

    init_exception = None
    fetcher = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
        fetcher = new_fetcher()
    except Exception:
        init_exception = ExceptionWrapper(where)
    parent = os.getppid()
    iteration_end = False
    # A parent that died without telling us leaves us to its parent (the pid changes).
    while os.getppid() == parent:
        try:
            task = index_queue.get(timeout=STATUS_CHECK_INTERVAL)
        except queue.Empty:
            continue
        if task is None:
            break
        if isinstance(task, ResumeIteration):
            data_queue.put((task, None))
            iteration_end = False
            try:
                fetcher = new_fetcher()
            except Exception:
                init_exception = ExceptionWrapper(where)
            continue
        if done_event.is_set() or iteration_end:
            continue
        send_idx, index = task
        if init_exception is not None:
            data, init_exception = init_exception, None
        else:
            try:
                data = fetcher.fetch(index)
                if shared_memory:
                    data = share(data)
            except Exception as error:
                if is_iterable and isinstance(error, StopIteration):
                    data = IterableDatasetStopIteration(worker_id)
                    iteration_end = True
                else:
                    data = ExceptionWrapper(where)
        data_queue.put((send_idx, data))
        del data
