"""Programs the distributed tests launch as 2-rank MPI jobs:
`mpirun -n 2 python tests/distributed_jobs.py JOB OUT_DIR`. Each rank writes what it saw
to OUT_DIR/JOB.RANK.json; the tests in test_distributed.py check those values."""

from __future__ import annotations

import json
import os
import sys

import numpy as np

import numbatorch as torch
import numbatorch.distributed as dist
from numbatorch import nn
from numbatorch.nn.parallel import DistributedDataParallel as DDP


def collectives() -> dict:
    seen = {}
    try:
        dist.init_process_group("mpi", rank=5)
    except ValueError as error:
        seen["wrong_rank"] = str(error)
    os.environ["WORLD_SIZE"] = "3"
    try:
        dist.init_process_group("mpi")
    except ValueError as error:
        seen["wrong_world_size"] = str(error)
    del os.environ["WORLD_SIZE"]
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    seen["rank"], seen["world"] = rank, world
    seen["initialized"] = dist.is_initialized()
    seen["backend"] = dist.get_backend()
    for op in dist.ReduceOp:
        x = torch.tensor([1.0, -2.0, 3.0]) * (rank + 1)
        dist.all_reduce(x, op=op)
        seen[f"all_reduce_{op.name}"] = x.tolist()
    x = torch.tensor([1.0, 2.0]) * (rank + 1)
    work = dist.all_reduce(x, op=dist.ReduceOp.AVG, async_op=True)
    work.wait()
    seen["all_reduce_async"] = x.tolist() + [work.is_completed()]
    for name in ("float16", "bfloat16"):  # MPI has no arithmetic on these
        dtype = getattr(torch, name)
        x = torch.tensor([1.5, -2.0, 3.0], dtype=dtype) * (rank + 1)
        dist.all_reduce(x)
        y = torch.full((2,), float(rank), dtype=dtype)
        dist.broadcast(y, src=1)
        out = torch.zeros(2, dtype=dtype)
        dist.reduce_scatter_tensor(out, (torch.arange(2.0 * world) + rank).to(dtype))
        seen[f"half_{name}"] = [x.float().tolist(), y.float().tolist(), out.float().tolist()]
    x = torch.full((2, 2), float(rank))
    dist.broadcast(x, src=1)
    seen["broadcast"] = x.tolist()
    parts = [torch.zeros(2) for _ in range(world)]
    dist.all_gather(parts, torch.tensor([rank, rank + 10.0]))
    seen["all_gather"] = [p.tolist() for p in parts]
    out = torch.zeros(world, 2)
    dist.all_gather_into_tensor(out, torch.tensor([rank, rank + 10.0]))
    seen["all_gather_into_tensor"] = out.tolist()
    out = torch.zeros(2)
    dist.reduce_scatter_tensor(out, torch.arange(2.0 * world) + 10 * rank)
    seen["reduce_scatter_tensor"] = out.tolist()
    parts = [torch.zeros(2) for _ in range(world)] if rank == 0 else None
    dist.gather(torch.tensor([rank, -rank - 1.0]), parts, dst=0)
    seen["gather"] = [p.tolist() for p in parts] if parts else None
    x = torch.zeros(3)
    chunks = [torch.full((3,), 7.0 + r) for r in range(world)] if rank == 0 else None
    dist.scatter(x, chunks, src=0)
    seen["scatter"] = x.tolist()
    x = torch.tensor([1.0, 2.0]) * (rank + 1)
    dist.reduce(x, dst=1, op=dist.ReduceOp.SUM)
    seen["reduce"] = x.tolist()
    if rank == 0:
        dist.send(torch.tensor([5, 6]), dst=1)
        x = torch.zeros(2, dtype=torch.int64)
        dist.irecv(x, src=1).wait()
        seen["p2p"] = x.tolist()
    else:
        x = torch.zeros(2, dtype=torch.int64)
        seen["sender"] = dist.recv(x)
        seen["p2p"] = x.tolist()
        dist.isend(x * 2, dst=0).wait()
    if torch.cuda.is_available():  # staged through the host (the simulator under pytest)
        x = torch.tensor([1.0, 2.0], device="cuda") * (rank + 1)
        dist.all_reduce(x, op=dist.ReduceOp.MAX)
        seen["cuda_all_reduce"] = [x.device.type, *x.tolist()]
    dist.barrier()
    dist.destroy_process_group()
    seen["initialized_after_destroy"] = dist.is_initialized()
    return seen


def mismatch() -> dict:
    dist.init_process_group("mpi")
    rank = dist.get_rank()
    seen = {}
    try:
        dist.all_reduce(torch.ones(3 + rank))
    except RuntimeError as error:
        seen["all_reduce"] = str(error)
    try:
        DDP(nn.Linear(4, 2 + rank))
    except RuntimeError as error:
        seen["ddp"] = str(error)
    x = torch.ones(2)
    dist.all_reduce(x)  # the group still works after the refusals
    seen["after"] = x.tolist()
    return seen


def _net(seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))


def _batch(seed: int, n: int = 8):
    generator = np.random.default_rng(seed)
    return (torch.from_numpy(generator.standard_normal((n, 4)).astype(np.float32)),
            torch.from_numpy(generator.standard_normal((n, 3)).astype(np.float32)))  # fmt: skip


def _grads(module: nn.Module) -> dict:
    return {name: p.grad.tolist() for name, p in module.named_parameters()}


def ddp() -> dict:
    """Each rank starts from other weights (rank 0's win) and takes its half of the batch;
    a tiny bucket cap makes several buckets. Also the single-process reference: the same
    start, the whole batch."""
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    model = DDP(_net(seed=rank), bucket_cap_mb=0.0001)
    launched = []  # when the first layer's gradient arrives (the last one backward makes)
    model.module[0].weight.register_hook(
        lambda grad: launched.append([bucket.work is not None for bucket in model._buckets])
    )
    x, y = _batch(seed=0, n=4 * world)
    local = slice(4 * rank, 4 * (rank + 1))
    nn.functional.mse_loss(model(x[local]), y[local]).backward()
    reference = _net(seed=99)
    reference.load_state_dict(model.module.state_dict())
    nn.functional.mse_loss(reference(x), y).backward()
    views = DDP(_net(seed=rank), bucket_cap_mb=0.0001, gradient_as_bucket_view=True)
    views.module.load_state_dict(reference.state_dict())
    for _ in range(2):  # the second backward accumulates into the bucket views
        nn.functional.mse_loss(views(x[local]), y[local]).backward()
    return {"keys": list(model.state_dict()), "buckets": len(model._buckets),
            "launched": launched, "grads": _grads(model.module),
            "reference": _grads(reference), "bucket_views": _grads(views.module)}  # fmt: skip


def no_sync() -> dict:
    """Two micro-batches, the first inside no_sync: the sum of two global-batch gradients."""
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    model = DDP(_net(seed=0))
    (xa, ya), (xb, yb) = _batch(seed=1, n=4 * world), _batch(seed=2, n=4 * world)
    local = slice(4 * rank, 4 * (rank + 1))
    with model.no_sync():
        nn.functional.mse_loss(model(xa[local]), ya[local]).backward()
    local_grads = _grads(model.module)
    nn.functional.mse_loss(model(xb[local]), yb[local]).backward()
    reference = _net(seed=0)
    nn.functional.mse_loss(reference(xa), ya).backward()
    nn.functional.mse_loss(reference(xb), yb).backward()
    return {"after_no_sync": local_grads, "grads": _grads(model.module),
            "reference": _grads(reference)}  # fmt: skip


def ddp_cuda() -> dict:
    """A CUDA replica: the buckets live on the device and are staged through the host."""
    dist.init_process_group("mpi")
    rank = dist.get_rank()
    torch.manual_seed(rank)
    model = DDP(nn.Linear(2, 1).to("cuda"))
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    model(x[rank : rank + 1].to("cuda")).sum().backward()
    grad = model.module.weight.grad
    return {"device": grad.device.type, "weight": grad.tolist(),
            "bias": model.module.bias.grad.tolist()}  # fmt: skip


class _TwoHeads(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.used = nn.Linear(3, 2)
        self.unused = nn.Linear(3, 2)

    def forward(self, x, both: bool = False):
        return self.used(x) + self.unused(x) if both else self.used(x)


def unused() -> dict:
    dist.init_process_group("mpi")
    seen = {}
    x = torch.ones(2, 3)
    model = DDP(_TwoHeads(), find_unused_parameters=True)
    for _ in range(2):
        model(x).sum().backward()
    seen["used_grad"] = model.module.used.bias.grad.tolist()
    seen["unused_grad"] = model.module.unused.weight.grad is None
    some = DDP(_TwoHeads(), find_unused_parameters=True)
    some(x, both=dist.get_rank() == 1).sum().backward()
    seen["used_by_rank_1"] = some.module.unused.bias.grad.tolist()
    strict = DDP(_TwoHeads())
    strict(x).sum().backward()
    try:
        strict(x)
    except RuntimeError as error:
        seen["strict"] = str(error)
    return seen


def threads() -> dict:
    import numba

    dist.init_process_group("mpi")
    return {"threads": numba.get_num_threads(), "pool": numba.config.NUMBA_NUM_THREADS}


def crash() -> dict:
    """Rank 1 fails while rank 0 waits in a collective: the job must end, not hang."""
    dist.init_process_group("mpi")
    if dist.get_rank() == 1:
        raise ValueError("rank 1 failed on purpose")
    dist.all_reduce(torch.ones(2))
    return {}


if __name__ == "__main__":
    job, out_dir = sys.argv[1], sys.argv[2]
    result = globals()[job]()
    with open(f"{out_dir}/{job}.{dist.get_rank() if dist.is_initialized() else result['rank']}"
              ".json", "w") as file:  # fmt: skip
        json.dump(result, file)
