"""DistributedDataParallel: one replica of a module per process; backward averages the
gradients over all processes, bucket by bucket, while the rest of backward still runs."""

from __future__ import annotations

import contextlib

import numbatorch

from ...autograd import grad_mode
from ...autograd.function import AccumulateGrad
from ...distributed import distributed_c10d as c10d
from ...ops._common import copy_unchecked, fill_unchecked
from ...tensor import Tensor
from ..modules.module import Module

# PyTorch's bucket sizes: the first bucket (the last layers' gradients, ready first) is
# small so that communication starts early; the others hold bucket_cap_mb.
_DEFAULT_BUCKET_CAP_MB = 25
_FIRST_BUCKET_BYTES = 1024 * 1024

_UNFINISHED_REDUCTION = (
    "Expected to have finished reduction in the prior iteration before starting a new one. "
    "This error indicates that your module has parameters that were not used in producing "
    "loss. You can enable unused parameter detection by passing the keyword argument "
    "`find_unused_parameters=True` to `torch.nn.parallel.DistributedDataParallel`, and by "
    "making sure all `forward` function outputs participate in calculating loss. "
    "Parameter indices which did not receive grad for rank {rank}: {missing}"
)


class _Bucket:
    """Parameters whose gradients travel in one all-reduce: a flat buffer on their
    device, with one view of it per parameter, shaped like that parameter."""

    def __init__(self, indices: list[int], params: list) -> None:
        self.indices = indices
        first = params[0]
        total = sum(p.numel() for p in params)
        self.flat = numbatorch.zeros(total, dtype=first.dtype, device=first.device)
        self.views, offset = [], 0
        for p in params:
            self.views.append(self.flat[offset : offset + p.numel()].view(p.shape))
            offset += p.numel()
        self.pending = 0
        self.work = None


def _assign_buckets(params: list, cap_bytes: int) -> list[list[int]]:
    """Parameter indices grouped into buckets, in reverse order of registration (the
    order backward usually produces their gradients), one dtype and device per bucket."""
    buckets, current, size, limit = [], [], 0, min(_FIRST_BUCKET_BYTES, cap_bytes)
    for i in reversed(range(len(params))):
        p = params[i]
        kind = (p.dtype, p.device)
        if current and (size >= limit or (params[current[0]].dtype, params[current[0]].device)
                        != kind):  # fmt: skip
            buckets.append(current)
            current, size, limit = [], 0, cap_bytes
        current.append(i)
        size += p.numel() * p.element_size()
    if current:
        buckets.append(current)
    return buckets


class DistributedDataParallel(Module):
    """Wraps `module` for data-parallel training: construction copies rank 0's
    parameters and buffers to every rank; each backward all-reduces and averages the
    gradients, so every replica takes the same optimizer step.

    Args:
        module: the module to replicate (the same architecture on every rank).
        broadcast_buffers: copy rank 0's buffers (BatchNorm statistics) to every rank at
            the start of each forward.
        bucket_cap_mb: the most megabytes of gradients one all-reduce carries (25).
        find_unused_parameters: walk the autograd graph of each forward's output to find
            parameters that will get no gradient, so backward does not wait for them.
        gradient_as_bucket_view: make each ``param.grad`` a view of its bucket, which
            saves the copies in and out of the buckets.

    Gradients of a backward whose forward ran inside ``no_sync()`` stay local and
    accumulate; the first synchronised backward averages the accumulated sum.
    """

    def __init__(
        self,
        module: Module,
        device_ids=None,
        output_device=None,
        dim: int = 0,
        broadcast_buffers: bool = True,
        process_group=None,
        bucket_cap_mb: float | None = None,
        find_unused_parameters: bool = False,
        check_reduction: bool = False,
        gradient_as_bucket_view: bool = False,
        static_graph: bool = False,
    ) -> None:
        super().__init__()
        group = c10d._group(process_group)
        params = [p for p in module.parameters() if p.requires_grad]
        if not params:
            raise RuntimeError(
                "DistributedDataParallel is not needed when a module doesn't have any "
                "parameter that requires a gradient."
            )
        self.module = module
        self.process_group = group
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.require_backward_grad_sync = True
        cap_mb = _DEFAULT_BUCKET_CAP_MB if bucket_cap_mb is None else bucket_cap_mb
        self.bucket_bytes_cap = int(cap_mb * 1024 * 1024)
        self._params = params
        self._verify_same_model(group)
        self._sync_module_states(group)
        self._buckets = [
            _Bucket(indices, [params[i] for i in indices])
            for indices in _assign_buckets(params, self.bucket_bytes_cap)
        ]
        self._bucket_of = {i: b for b, bucket in enumerate(self._buckets) for i in bucket.indices}
        self._armed = False  # the current backward is to be synchronised
        self._ready = [False] * len(params)
        self._used = None  # with find_unused_parameters: 1 per parameter this forward used
        self._next_bucket = 0
        for i, p in enumerate(params):
            p.register_post_accumulate_grad_hook(self._make_hook(i))

    # -- construction ------------------------------------------------------------------------
    def _verify_same_model(self, group) -> None:
        """Every rank must hold the same parameters (count, shapes, dtypes) or the
        all-reduces would mix unrelated gradients; each rank raises the same error."""
        mine = [(tuple(p.shape), p.dtype.name) for p in self._params]
        everyone = group.comm.allgather(mine)
        rank = group.rank()
        for other, theirs in enumerate(everyone):
            if len(theirs) != len(everyone[0]):
                raise RuntimeError(
                    f"DDP expects same model across all ranks, but Rank 0 has "
                    f"{len(everyone[0])} params, while rank {other} has inconsistent "
                    f"{len(theirs)} params."
                )
        for other, theirs in enumerate(everyone):
            for i, (shape, dtype) in enumerate(theirs):
                if (shape, dtype) != everyone[0][i]:
                    raise RuntimeError(
                        f"[{rank}]: params[{i}] in process {other} with sizes {list(shape)} "
                        f"({dtype}) appears not to match sizes of the same param in process "
                        f"0: {list(everyone[0][i][0])} ({everyone[0][i][1]})."
                    )

    def _sync_module_states(self, group) -> None:
        with grad_mode.no_grad():
            for t in list(self.module.parameters()) + list(self.module.buffers()):
                c10d._broadcast_unchecked(group, t, 0, async_op=False)

    # -- forward -------------------------------------------------------------------------------
    def forward(self, *inputs, **kwargs):
        if self._armed:
            missing = [i for i, ready in enumerate(self._ready) if not ready]
            raise RuntimeError(
                _UNFINISHED_REDUCTION.format(rank=self.process_group.rank(), missing=missing)
            )
        if self.broadcast_buffers and self.training:
            with grad_mode.no_grad():
                for buffer in self.module.buffers():
                    c10d._broadcast_unchecked(self.process_group, buffer, 0, async_op=False)
        output = self.module(*inputs, **kwargs)
        if grad_mode.is_grad_enabled() and self.require_backward_grad_sync:
            self._prepare_for_backward(output)
        return output

    def _prepare_for_backward(self, output) -> None:
        self._armed = True
        self._ready = [False] * len(self._params)
        self._next_bucket = 0
        for bucket in self._buckets:
            bucket.pending = len(bucket.indices)
            bucket.work = None
        if not self.find_unused_parameters:
            self._used = None
            return
        reached = _leaves_reached(output)
        self._used = numbatorch.tensor([int(id(p) in reached) for p in self._params],
                                       dtype=numbatorch.int32)  # fmt: skip
        for i, p in enumerate(self._params):
            if id(p) not in reached:
                self._mark_ready(i)

    # -- backward --------------------------------------------------------------------------
    def _make_hook(self, index: int):
        def hook(param: Tensor) -> None:
            if self._armed:
                self._mark_ready(index)

        return hook

    def _mark_ready(self, index: int) -> None:
        if self._ready[index]:
            raise RuntimeError(
                f"Expected to mark a variable ready only once. Parameter at index {index} "
                "has been marked as ready twice."
            )
        self._ready[index] = True
        self._buckets[self._bucket_of[index]].pending -= 1
        # every rank must start the all-reduces in the same order, whatever order its
        # gradients arrive in: launch the buckets in their fixed order only
        while (
            self._next_bucket < len(self._buckets) and not self._buckets[self._next_bucket].pending
        ):
            self._launch(self._buckets[self._next_bucket])
            self._next_bucket += 1
        if self._next_bucket == len(self._buckets):
            self._finish()
        elif self._next_bucket:
            # MPI progresses a non-blocking all-reduce only inside MPI calls: poll
            self._buckets[self._next_bucket - 1].work.is_completed()

    def _launch(self, bucket: _Bucket) -> None:
        # the unchecked copy and fill: a bucket moves every gradient twice per step, and
        # Tensor.copy_'s checks cost 4x the kernel call on LeNet-sized gradients (12 us
        # against 3)
        for i, view in zip(bucket.indices, bucket.views):
            grad = self._params[i].grad
            if grad is None:
                fill_unchecked(view, 0)
            elif grad._storage is not bucket.flat._storage:
                copy_unchecked(grad, view)
        bucket.work = c10d._all_reduce_unchecked(
            self.process_group, bucket.flat, c10d.ReduceOp.AVG, async_op=True
        )

    def _finish(self) -> None:
        """All buckets are on their way: wait for them and hand the averages back."""
        used = None
        if self._used is not None:
            c10d._all_reduce_unchecked(self.process_group, self._used, c10d.ReduceOp.MAX,
                                       async_op=False)  # fmt: skip
            used = self._used.tolist()
        with grad_mode.no_grad():
            for bucket in self._buckets:
                bucket.work.wait()
                for i, view in zip(bucket.indices, bucket.views):
                    param = self._params[i]
                    if used is not None and not used[i]:
                        continue  # no rank used it: its .grad stays as it was
                    if self.gradient_as_bucket_view:
                        param.grad = view
                    elif param.grad is None:
                        param.grad = view.clone()
                    elif param.grad._storage is not bucket.flat._storage:
                        copy_unchecked(view, param.grad)
                        param.grad._bump_version()
        self._armed = False

    @contextlib.contextmanager
    def no_sync(self):
        """Gradients of the forward-backward passes run inside stay local and
        accumulate; the first pass after it averages the accumulated gradients."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous


def _leaves_reached(output) -> set[int]:
    """ids of the leaf tensors whose gradient backward from `output` would reach."""
    roots, stack = [], [output]
    while stack:
        item = stack.pop()
        if isinstance(item, Tensor):
            roots.append(item)
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    reached, seen = set(), set()
    nodes = []
    for t in roots:
        if t.grad_fn is not None:
            nodes.append(t.grad_fn)
        elif t.requires_grad:
            reached.add(id(t))
    while nodes:
        node = nodes.pop()
        if node in seen:
            continue
        seen.add(node)
        if isinstance(node, AccumulateGrad):
            reached.add(id(node.variable))
        for edge in node._edges:
            if edge is not None:
                nodes.append(edge[0])
    return reached
