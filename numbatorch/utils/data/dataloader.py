"""DataLoader and default_collate: turn a dataset into an iterable of batches."""

from __future__ import annotations

import collections.abc
import itertools
import multiprocessing
import multiprocessing.context
import queue
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from multiprocessing import resource_tracker
from typing import Any

import numpy as np

import numbatorch

from . import _worker
from .dataset import Dataset, IterableDataset, Subset, TensorDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

_COLLATE_TYPE_ERROR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def default_convert(data: Any) -> Any:
    """Turns numpy arrays (also inside lists, tuples and dicts) into tensors; leaves the
    rest as it is. The collate function used when automatic batching is off.

    Args:
        data: one sample, as the dataset returns it.

    Example::

        >>> import numpy as np
        >>> default_convert({"x": np.array([1.0, 2.0]), "name": "a"})
        {'x': tensor([1., 2.], dtype=torch.float64), 'name': 'a'}
    """
    if isinstance(data, np.ndarray) and data.dtype.kind not in "OSUV":
        return numbatorch.from_numpy(np.ascontiguousarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _worker.same_type(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _worker.same_type(data, [default_convert(d) for d in data])
    return data


def default_collate(batch: list) -> Any:
    """Merges a list of samples into a batch, as PyTorch does: tensors are stacked on a new
    first dimension, numpy arrays become stacked tensors, Python ints an int64 tensor,
    floats a float64 tensor, strings stay a list; tuples and lists are transposed and
    collated per position, dicts per key.

    Args:
        batch (list): the samples of one batch, as the dataset returns them.

    Example::

        >>> samples = [(numbatorch.tensor([1.0, 2.0]), 0), (numbatorch.tensor([3.0, 4.0]), 1)]
        >>> default_collate(samples)
        [tensor([[1., 2.],
                [3., 4.]]), tensor([0, 1])]
    """
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
        return _worker.same_type(
            elem, {key: default_collate([d[key] for d in batch]) for key in elem}
        )
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = [default_collate(list(samples)) for samples in zip(*batch)]
        # PyTorch returns a list for tuples, and the sample's own type for other sequences.
        return transposed if isinstance(elem, tuple) else _worker.same_type(elem, transposed)
    raise TypeError(_COLLATE_TYPE_ERROR.format(type(elem)))


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

    With ``num_workers > 0``, that many worker processes fetch and collate batches, each
    with its own copy of the dataset; batches arrive in the sampler's order whichever
    worker made them, up to ``prefetch_factor`` batches per worker ahead. Each worker
    seeds Python's ``random`` and numbatorch with ``base_seed + worker_id`` (``base_seed``
    drawn per iterator from ``generator`` or the global generator, so ``manual_seed``
    makes it reproducible) and numpy's global generator from both numbers, then calls
    ``worker_init_fn(worker_id)``; ``get_worker_info()`` tells the worker who it is. An
    exception in a worker is raised again in the main process with the worker's
    traceback; a worker that dies raises RuntimeError instead of hanging; ``timeout``
    (seconds, 0 = wait forever) bounds the wait for one batch. Workers end with the
    iterator, or with the DataLoader when ``persistent_workers``.

    Workers start with ``multiprocessing_context`` (a start method name or a context).
    The default is ``forkserver`` where the platform has it, with numbatorch preloaded in
    the server, not PyTorch's ``fork`` on Linux: libgomp, Numba's OpenMP thread pool, is
    not fork-safe, and Numba terminates a forked child that runs a parallel kernel (any
    strided op, conv, pooling, matmul: a random crop is enough) once the main process has
    started its pool, as any training step does. So, as with PyTorch on macOS and
    Windows, the dataset, ``collate_fn`` and ``worker_init_fn`` must pickle (no lambdas
    or local classes) and a script must guard its entry point with
    ``if __name__ == "__main__":``. ``multiprocessing_context="fork"`` still works for
    datasets whose items need no parallel kernel (workers run numbatorch's serial kernels
    where there is one); a worker terminated this way is reported with that hint.

    ``pin_memory`` has no effect (there is no pinned memory without CUDA).

    Args:
        dataset (Dataset or IterableDataset): where the samples come from.
        batch_size (int, optional): samples per batch; ``None`` turns automatic batching
            off (each sample goes through ``collate_fn`` alone). Default: 1.
        shuffle (bool, optional): a new random order each epoch (``RandomSampler``).
        sampler (Sampler or iterable, optional): the order of the indices; excludes
            ``shuffle``.
        batch_sampler (Sampler or iterable, optional): yields whole lists of indices;
            excludes ``batch_size``, ``shuffle``, ``sampler`` and ``drop_last``.
        num_workers (int): worker processes loading batches; 0 loads in the main
            process. Default: 0.
        collate_fn (callable, optional): merges a list of samples into a batch
            (``default_collate``, or ``default_convert`` without automatic batching).
        pin_memory (bool): accepted for PyTorch's signature; no effect.
        drop_last (bool): drop the last batch when it is short. Default: ``False``.
        timeout (float): seconds to wait for a batch from the workers; 0 waits forever.
        worker_init_fn (callable, optional): called with the worker id in each worker
            after seeding.
        multiprocessing_context (str or context, optional): how workers start (above).
        generator (Generator, optional): draws the shuffled order and the workers'
            ``base_seed``.
        prefetch_factor (int, optional): batches each worker loads ahead (2 with
            workers).
        persistent_workers (bool): keep the workers between epochs. Default: ``False``.

    Example::

        >>> dataset = TensorDataset(numbatorch.arange(10.0), numbatorch.arange(10) % 2)
        >>> loader = DataLoader(dataset, batch_size=4)
        >>> len(loader)
        3
        >>> [tuple(x.shape) for x, y in loader]
        [(4,), (4,), (2,)]
        >>> next(iter(loader))[1]
        tensor([0, 1, 0, 1])
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
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: str | multiprocessing.context.BaseContext | None = None,
        generator: numbatorch.Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
    ) -> None:
        if num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 to disable "
                "multiprocessing."
            )
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing.let "
                "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor "
                "to None."
            )
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = _start_context(multiprocessing_context, num_workers)
        self.persistent_workers = persistent_workers
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
        self._iterator: _MultiProcessingIterator | None = None

    def __iter__(self) -> Iterator:
        if self.num_workers == 0:
            return self._iter_in_process()
        if not self.persistent_workers:
            return _MultiProcessingIterator(self)
        if self._iterator is None:
            self._iterator = _MultiProcessingIterator(self)
        else:
            self._iterator.reset(self)
        return self._iterator

    def _index_iter(self) -> Iterator:
        """The indices to fetch: lists of indices (automatic batching) or single indices
        of a map-style dataset; for an IterableDataset, an endless stream of the same
        placeholder (``batch_size`` Nones, or one None), the fetcher knowing the end."""
        if self._is_iterable:
            return itertools.repeat([None] * self.batch_size if self._auto_collation else None)
        return iter(self.batch_sampler if self._auto_collation else self.sampler)

    def _fetcher(self) -> _worker.MapFetcher | _worker.IterableFetcher:
        if self._is_iterable:
            return _worker.IterableFetcher(
                self.dataset, self._auto_collation, self.collate_fn, self.drop_last
            )
        gather = _tensor_dataset_batch if self._default_collate else None
        return _worker.MapFetcher(self.dataset, self._auto_collation, self.collate_fn, gather)

    def _base_seed(self) -> int:
        """The seed of this iterator's workers, drawn as PyTorch draws it whether or not
        there are workers, so that a seeded shuffle gives one order for any num_workers."""
        return int(numbatorch.randint(0, 2**62, (1,), generator=self.generator).item())

    def _iter_in_process(self) -> Iterator:
        self._base_seed()
        fetcher = self._fetcher()
        for index in self._index_iter():
            try:
                batch = fetcher.fetch(index)
            except StopIteration:
                if self._is_iterable:
                    return
                raise
            yield batch

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


def _start_context(
    context: str | multiprocessing.context.BaseContext | None, num_workers: int
) -> multiprocessing.context.BaseContext | None:
    """The multiprocessing context the workers start with (PyTorch's checks)."""
    if context is None:
        return None
    if num_workers == 0:
        raise ValueError(
            f"multiprocessing_context can only be used with multi-process loading "
            f"(num_workers > 0), but got num_workers={num_workers}"
        )
    if isinstance(context, str):
        methods = multiprocessing.get_all_start_methods()
        if context not in methods:
            raise ValueError(
                f"multiprocessing_context option should specify a valid start method in "
                f"{methods!r}, but got multiprocessing_context={context!r}"
            )
        context = multiprocessing.get_context(context)
    if not isinstance(context, multiprocessing.context.BaseContext):
        raise TypeError(
            f"multiprocessing_context option should be a valid context object or a string "
            f"specifying the start method, but got multiprocessing_context={context}"
        )
    return context


def _default_context() -> multiprocessing.context.BaseContext:
    """forkserver where the platform has it (see the DataLoader docstring for why not
    fork), else the platform's default."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context()
    context = multiprocessing.get_context("forkserver")
    # Imported once in the server instead of once per worker (read when it starts).
    context.set_forkserver_preload(["numbatorch"])
    return context


# Numba terminates (SIGTERM) a forked child that enters the OpenMP pool its parent started.
_FORK_HINT = (
    ". A forked worker that runs a parallel kernel after the main process started Numba's "
    "OpenMP thread pool is terminated (libgomp is not fork-safe): pass "
    "multiprocessing_context='forkserver' or 'spawn' to the DataLoader."
)


class _MultiProcessingIterator:
    """One pass over a DataLoader with worker processes (PyTorch's design): an index queue
    per worker fed round-robin, one result queue, and at most ``prefetch_factor *
    num_workers`` tasks outstanding; results that arrive early wait in ``_task_info``
    until their turn. Holds no reference to the DataLoader, so that deleting the loader
    deletes a persistent iterator and ends its workers."""

    def __init__(self, loader: DataLoader) -> None:
        # First, so that __del__ works whatever fails below.
        self._workers: list = []
        self._index_queues: list = []
        self._shutdown = False
        self._num_workers = loader.num_workers
        self._prefetch = loader.prefetch_factor * loader.num_workers
        self._timeout = loader.timeout
        self._persistent = loader.persistent_workers
        self._is_iterable = loader._is_iterable
        self._length = _length_or_none(loader)
        context = loader.multiprocessing_context or _default_context()
        self._forked = context.get_start_method() == "fork"
        self._result_queue = context.Queue()
        self._done_event = context.Event()
        base_seed = loader._base_seed()
        self._shared_memory = _worker.can_share()
        if self._shared_memory:
            # Started here, so that every worker shares this process's tracker.
            resource_tracker.ensure_running()
        gather = _tensor_dataset_batch if loader._default_collate else None
        for worker_id in range(self._num_workers):
            index_queue = context.Queue()
            # Tasks no worker will read must not hold up this process's exit.
            index_queue.cancel_join_thread()
            worker = context.Process(
                target=_worker.worker_loop,
                args=(
                    loader.dataset, loader._is_iterable, loader._auto_collation,
                    loader.collate_fn, gather, loader.drop_last, index_queue,
                    self._result_queue, self._done_event, base_seed, loader.worker_init_fn,
                    worker_id, self._num_workers, self._shared_memory,
                ),
                # A daemon is killed when the main process exits normally.
                daemon=True,
            )  # fmt: skip
            worker.start()
            self._index_queues.append(index_queue)
            self._workers.append(worker)
        self._start_epoch(loader)

    def _start_epoch(self, loader: DataLoader) -> None:
        self._index_iter = loader._index_iter()
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        self._workers_active = [True] * self._num_workers
        self._send_idx = 0
        self._rcvd_idx = 0
        # send_idx -> (worker_id,) while in flight, (worker_id, data) once arrived early.
        self._task_info: dict[int, tuple] = {}
        self._tasks_outstanding = 0
        for _ in range(self._prefetch):
            self._try_put_index()

    def reset(self, loader: DataLoader) -> None:
        """A new epoch on the same (persistent) workers."""
        self._length = _length_or_none(loader)
        for index_queue in self._index_queues:
            index_queue.put(_worker.ResumeIteration())
        resumed = 0
        while resumed < self._num_workers:
            task, _ = self._get_data()
            # Batches of the previous epoch still arriving are dropped.
            resumed += isinstance(task, _worker.ResumeIteration)
        self._start_epoch(loader)

    def __iter__(self) -> _MultiProcessingIterator:
        return self

    def __len__(self) -> int:
        if self._length is None:
            raise TypeError("the dataset of this DataLoader has no len()")
        return self._length

    def _try_put_index(self) -> None:
        try:
            index = next(self._index_iter)
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_id = next(self._worker_cycle)
            if self._workers_active[worker_id]:
                break
        else:
            return
        self._index_queues[worker_id].put((self._send_idx, index))
        self._task_info[self._send_idx] = (worker_id,)
        self._tasks_outstanding += 1
        self._send_idx += 1

    def __next__(self) -> Any:
        while True:
            # Skip the tasks of IterableDataset workers that have already ended.
            while self._rcvd_idx < self._send_idx:
                info = self._task_info[self._rcvd_idx]
                if len(info) == 2 or self._workers_active[info[0]]:
                    break
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent:
                    self._shutdown_workers()
                raise StopIteration
            if len(self._task_info[self._rcvd_idx]) == 2:
                return self._process(self._task_info.pop(self._rcvd_idx)[1])
            send_idx, data = self._get_data()
            self._tasks_outstanding -= 1
            if isinstance(data, _worker.IterableDatasetStopIteration):
                self._workers_active[data.worker_id] = False
                if not self._persistent:
                    self._index_queues[data.worker_id].put(None)
                self._try_put_index()
                continue
            if send_idx != self._rcvd_idx:
                self._task_info[send_idx] += (data,)
                continue
            del self._task_info[send_idx]
            return self._process(data)

    def _process(self, data: Any) -> Any:
        self._rcvd_idx += 1
        self._try_put_index()
        if isinstance(data, _worker.ExceptionWrapper):
            data.reraise()
        return data

    def _get_data(self) -> tuple[Any, Any]:
        """The next (send_idx, data) from the result queue; RuntimeError once ``timeout``
        seconds pass without one, or when a worker has died."""
        if self._timeout > 0:
            found, data = self._try_get_data(self._timeout)
            if not found:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
            return data
        while True:
            found, data = self._try_get_data(_worker.STATUS_CHECK_INTERVAL)
            if found:
                return data

    def _try_get_data(self, timeout: float) -> tuple[bool, Any]:
        try:
            send_idx, data = self._result_queue.get(timeout=timeout)
        except Exception as error:
            dead = [w for w in self._workers if w.exitcode not in (None, 0)]
            if dead:
                pids = ", ".join(str(w.pid) for w in dead)
                hint = ""
                if self._forked and any(w.exitcode == -signal.SIGTERM for w in dead):
                    hint = _FORK_HINT
                self._shutdown_workers()
                raise RuntimeError(
                    f"DataLoader worker (pid(s) {pids}) exited unexpectedly{hint}"
                ) from error
            if isinstance(error, queue.Empty):
                return False, None
            raise
        return True, (send_idx, _worker.unshare(data))

    def _shutdown_workers(self) -> None:
        """Stops every worker (politely, then by force) and closes the queues."""
        if self._shutdown:
            return
        self._shutdown = True
        try:
            self._done_event.set()
            for index_queue in self._index_queues:
                index_queue.put(None)
            # Read (and free) what the workers still send while they exit: a worker
            # flushes its last batches before it ends.
            deadline = time.monotonic() + _worker.STATUS_CHECK_INTERVAL
            for worker in self._workers:
                while worker.is_alive() and time.monotonic() < deadline:
                    self._release_unread()
                    worker.join(timeout=0.01)
            self._release_unread()
            for index_queue in self._index_queues:
                index_queue.close()
            self._result_queue.cancel_join_thread()
            self._result_queue.close()
        finally:
            for worker in self._workers:
                if worker.is_alive():
                    worker.terminate()
                    worker.join()

    def _release_unread(self) -> None:
        """Frees the shared memory of the batches the workers sent that nobody will read."""
        while True:
            try:
                _, data = self._result_queue.get_nowait()
            except (queue.Empty, OSError, EOFError):
                return
            _worker.release(data)

    def __del__(self) -> None:
        if self._workers:
            self._shutdown_workers()


def _length_or_none(loader: DataLoader) -> int | None:
    try:
        return len(loader)
    except TypeError:
        return None
