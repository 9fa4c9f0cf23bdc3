"""DataLoader with worker processes: order, seeding, worker info, errors, shutdown."""

import gc
import mmap
import multiprocessing
import os
import random
import signal
import threading

import numpy as np
import pytest

import numbatorch
from numbatorch.utils.data import DataLoader, Dataset, IterableDataset, get_worker_info


class Squares(Dataset):
    """Sample i is (i, i * i) as Python ints."""

    def __init__(self, n):
        self.n = n

    def __getitem__(self, index):
        return index, index * index

    def __len__(self):
        return self.n


class WhoAmI(Dataset):
    """Sample i says which process made it and what its random generators give."""

    def __len__(self):
        return 4

    def __getitem__(self, index):
        info = get_worker_info()
        return {
            "id": info.id,
            "pid": os.getpid(),
            "random": random.random(),
            "numbatorch": numbatorch.rand(1).item(),
            "numpy": np.random.rand(),  # noqa: NPY002 (the generator workers seed)
        }


class Failing(Dataset):
    """Sample ``bad`` fails the way ``action`` says; the others are their index."""

    def __init__(self, action, bad=1):
        self.action = action
        self.bad = bad

    def __len__(self):
        return 4

    def __getitem__(self, index):
        if index == self.bad:
            self.action()
        return index


class Stream(IterableDataset):
    """0..n-1, each worker yielding its own interleaved share."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))


class Pooled(Dataset):
    """Sample i is a 2x2 max pool of a plane of i's: a kernel with no serial twin (a
    worker's serial threshold cannot keep it off the OpenMP pool)."""

    def __len__(self):
        return 2

    def __getitem__(self, index):
        return numbatorch.nn.functional.max_pool2d(numbatorch.ones(1, 4, 4), 2) * index


class Large(Dataset):
    """Sample i is a 1.2 MB float32 tensor filled with i: large enough for shared memory."""

    def __len__(self):
        return 6

    def __getitem__(self, index):
        return numbatorch.full((300, 1000), float(index))


def raise_value_error():
    raise ValueError("bad sample 1")


def exit_worker():
    os._exit(1)


def kill_worker():
    os.kill(os.getpid(), signal.SIGKILL)


def hang():
    threading.Event().wait()


needs_shared_memory = pytest.mark.skipif(
    not os.path.isdir("/dev/shm"), reason="POSIX shared memory is not under /dev/shm"
)

# Tests whose datasets or functions are local (they do not pickle) fork their workers.
FORK = {"multiprocessing_context": "fork"}


def batches(loader):
    return [[t.tolist() for t in batch] for batch in loader]


def worker_pids():
    return {p.pid for p in multiprocessing.active_children()}


@pytest.fixture(autouse=True)
def no_leftover_workers():
    before = worker_pids()
    yield
    if not worker_pids() <= before:
        # A raised exception's traceback holds the iterator in a reference cycle.
        gc.collect()
    assert worker_pids() <= before


def test_workers_give_the_batches_and_order_of_the_main_process():
    def epoch(num_workers):
        numbatorch.manual_seed(3)
        loader = DataLoader(Squares(23), batch_size=3, shuffle=True, num_workers=num_workers)
        return batches(loader)

    assert epoch(2) == epoch(0)


def test_workers_without_automatic_batching_yield_samples_in_order():
    loader = DataLoader(Squares(5), batch_size=None, num_workers=2)
    assert list(loader) == [(i, i * i) for i in range(5)]


def test_each_worker_seeds_random_numbatorch_and_numpy_differently():
    samples = list(DataLoader(WhoAmI(), batch_size=None, num_workers=2))
    first, second = samples[0], samples[1]
    assert (first["id"], second["id"]) == (0, 1)
    assert all(first[key] != second[key] for key in ("random", "numbatorch", "numpy"))


def test_worker_seeds_are_reproducible_with_manual_seed():
    def epoch():
        numbatorch.manual_seed(5)
        return [
            (s["random"], s["numbatorch"], s["numpy"])
            for s in DataLoader(WhoAmI(), batch_size=None, num_workers=2)
        ]

    assert epoch() == epoch()


def test_worker_seed_is_base_seed_plus_worker_id():
    class Seeds(Squares):
        def __getitem__(self, index):
            return get_worker_info().seed, numbatorch.initial_seed()

    seeds = [tuple(s) for s in DataLoader(Seeds(2), batch_size=None, num_workers=2, **FORK)]
    (seed0, initial0), (seed1, initial1) = seeds
    assert seed1 == seed0 + 1 and (initial0, initial1) == (seed0, seed1)


def test_worker_init_fn_runs_in_each_worker_before_its_first_sample():
    class InitIds(Squares):
        def __getitem__(self, index):
            return os.environ["NUMBATORCH_TEST_INIT"]

    def init(worker_id):
        os.environ["NUMBATORCH_TEST_INIT"] = f"worker {worker_id}"

    loader = DataLoader(InitIds(4), batch_size=None, num_workers=2, worker_init_fn=init, **FORK)
    assert list(loader) == ["worker 0", "worker 1", "worker 0", "worker 1"]
    assert "NUMBATORCH_TEST_INIT" not in os.environ


def test_get_worker_info_describes_the_worker_and_its_dataset_copy():
    class Info(Squares):
        def __getitem__(self, index):
            info = get_worker_info()
            return info.id, info.num_workers, type(info.dataset).__name__, info.dataset.n

    samples = list(DataLoader(Info(3), batch_size=None, num_workers=3, **FORK))
    assert samples == [(i, 3, "Info", 3) for i in range(3)]
    assert get_worker_info() is None


def test_iterable_dataset_sharded_with_worker_info_yields_each_item_once():
    loader = DataLoader(Stream(9), batch_size=2, num_workers=2)
    items = [i for batch in loader for i in batch.tolist()]
    assert sorted(items) == list(range(9))


def test_iterable_dataset_copied_to_each_worker_yields_every_item_per_worker():
    class Whole(IterableDataset):
        def __iter__(self):
            return iter(range(3))

    loader = DataLoader(Whole(), batch_size=2, num_workers=2, **FORK)
    items = sorted(i for batch in loader for i in batch)
    assert [int(i) for i in items] == [0, 0, 1, 1, 2, 2]


def test_worker_exception_is_raised_in_the_main_process_with_its_traceback():
    loader = DataLoader(Failing(raise_value_error), batch_size=None, num_workers=2)
    with pytest.raises(ValueError) as error:
        list(loader)
    message = str(error.value)
    assert message.startswith(
        "Caught ValueError in DataLoader worker process 1.\n"
        "Original Traceback (most recent call last):\n"
    )
    assert "raise_value_error" in message and "ValueError: bad sample 1" in message


def test_worker_init_fn_exception_is_raised_in_the_main_process():
    def init(worker_id):
        raise KeyError("no init")

    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process 0"):
        list(DataLoader(Squares(2), num_workers=1, worker_init_fn=init, **FORK))


@pytest.mark.parametrize("action", [exit_worker, kill_worker])
def test_worker_that_dies_raises_instead_of_hanging(action):
    loader = DataLoader(Failing(action), batch_size=None, num_workers=2)
    with pytest.raises(
        RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"
    ):
        list(loader)


def test_worker_that_hangs_past_timeout_raises():
    loader = DataLoader(Failing(hang, bad=0), batch_size=None, num_workers=1, timeout=1)
    with pytest.raises(RuntimeError, match="DataLoader timed out after 1 seconds"):
        next(iter(loader))


def test_workers_end_when_the_iterator_is_deleted_early():
    iterator = iter(DataLoader(Squares(20), num_workers=2))
    next(iterator)
    assert len(worker_pids()) >= 2
    del iterator
    assert worker_pids() == set()


def test_persistent_workers_serve_every_epoch_until_the_loader_is_deleted():
    class Pids(Squares):
        def __getitem__(self, index):
            return index, os.getpid()

    loader = DataLoader(Pids(5), batch_size=None, num_workers=2, persistent_workers=True,
                        **FORK)  # fmt: skip
    first, second = list(loader), list(loader)
    assert [i for i, _ in first] == [i for i, _ in second] == list(range(5))
    assert {pid for _, pid in first} == {pid for _, pid in second}
    assert {pid for _, pid in first} <= worker_pids()
    del loader
    assert worker_pids() == set()


def test_persistent_workers_restart_an_iterable_dataset_each_epoch():
    loader = DataLoader(Stream(5), batch_size=None, num_workers=2, persistent_workers=True)
    assert sorted(int(i) for i in loader) == sorted(int(i) for i in loader) == list(range(5))


def shared_memory_files(pids):
    names = [name.split("_") for name in os.listdir("/dev/shm") if name.startswith("numbatorch_")]
    return [name for name in names if int(name[1]) in pids]


def mapped_from_shared_memory(array):
    owner = array
    while isinstance(owner, (np.ndarray, memoryview)):
        owner = owner.base if isinstance(owner, np.ndarray) else owner.obj
    return isinstance(owner, mmap.mmap)


@needs_shared_memory
def test_large_batches_arrive_through_shared_memory_without_leftover_files():
    loader = DataLoader(Large(), batch_size=None, num_workers=2, persistent_workers=True)
    samples = list(loader)
    pids = {w.pid for w in loader._iterator._workers}
    assert [float(s[299, 999]) for s in samples] == [float(i) for i in range(6)]
    assert all(mapped_from_shared_memory(s.numpy()) for s in samples)
    del loader
    assert shared_memory_files(pids) == []


@needs_shared_memory
def test_batches_unread_when_the_iterator_is_deleted_leave_no_shared_memory():
    iterator = iter(DataLoader(Large(), batch_size=None, num_workers=2))
    next(iterator)
    pids = {w.pid for w in iterator._workers}
    del iterator
    assert shared_memory_files(pids) == []


def test_small_batches_are_pickled():
    (batch,) = DataLoader(Squares(2), batch_size=2, num_workers=1)
    assert not mapped_from_shared_memory(batch[0].numpy())


def test_pin_memory_is_accepted_and_changes_nothing():
    loader = DataLoader(Squares(4), batch_size=2, num_workers=2, pin_memory=True)
    assert batches(loader) == [[[0, 1], [0, 1]], [[2, 3], [4, 9]]]


def test_forked_worker_running_a_parallel_kernel_after_the_pool_started_is_reported():
    (numbatorch.ones(1 << 17) + 1).sum()  # starts the OpenMP pool in this process
    loader = DataLoader(Pooled(), batch_size=None, num_workers=1, **FORK)
    with pytest.raises(RuntimeError, match="exited unexpectedly.*forkserver"):
        list(loader)


def test_default_workers_run_parallel_kernels_after_the_pool_started():
    (numbatorch.ones(1 << 17) + 1).sum()
    loader = DataLoader(Pooled(), batch_size=None, num_workers=1)
    assert [t.tolist() for t in loader] == [[[[0.0] * 2] * 2], [[[1.0] * 2] * 2]]


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"timeout": -1}, ValueError, "timeout option should be non-negative"),
        ({"prefetch_factor": 2}, ValueError, "prefetch_factor option could only be specified"),
        ({"persistent_workers": True}, ValueError, "persistent_workers option needs"),
        (
            {"multiprocessing_context": "fork"},
            ValueError,
            r"multiprocessing_context can only be used with multi-process loading "
            r"\(num_workers > 0\), but got num_workers=0",
        ),
        (
            {"num_workers": 1, "multiprocessing_context": "thread"},
            ValueError,
            "should specify a valid start method in",
        ),
        (
            {"num_workers": 1, "multiprocessing_context": 3},
            TypeError,
            "should be a valid context object or a string",
        ),
        ({"num_workers": 1, "prefetch_factor": -1}, ValueError, "prefetch_factor option"),
    ],
)
def test_dataloader_rejects_bad_worker_options(options, error, message):
    with pytest.raises(error, match=message):
        DataLoader(Squares(4), **options)
