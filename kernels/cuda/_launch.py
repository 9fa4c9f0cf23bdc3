"""Shared launcher plumbing for CUDA kernels: device-array views that work on a GPU and in
Numba's simulator, the launch configuration, and the folding of strided operands onto
the `MAX_DIMS`-D shape of the general strided kernels (the same folding as the CPU's)."""

from __future__ import annotations

import ast
import inspect
import textwrap
import threading
import types

import numpy as np
from numba import cuda, njit
from numba.cuda.core import config

from ..common.strided import MAX_DIMS, coalesce

SIMULATOR = bool(config.ENABLE_CUDASIM)
_COMPILING = threading.Lock()  # see per_opcode
THREADS = 256  # threads per block: 8 warps, enough to hide latency at any occupancy
WARP = 32
# Grid-stride loops cover the rest: 4096 blocks of 256 threads are ~4x what an H100 (132
# SMs x 2048 resident threads) runs at once, so more blocks would only add scheduling.
MAX_BLOCKS = 4096

if SIMULATOR:
    from numba.cuda.simulator.cudadrv.devicearray import FakeCUDAArray

    class _Interface:
        """Exposes an `__array_interface__` (and keeps the memory's owner alive)."""

        def __init__(self, interface: dict, owner: np.ndarray) -> None:
            self.__array_interface__ = interface
            self.owner = owner

    def restride(array, shape: tuple, byte_strides: tuple, byte_offset: int = 0):
        """A view of `array`'s memory from `byte_offset` past its first element."""
        base = array._ary
        interface = dict(base.__array_interface__)
        interface.update(
            shape=tuple(shape),
            strides=tuple(byte_strides),
            data=(interface["data"][0] + byte_offset, False),
        )
        return FakeCUDAArray(np.asarray(_Interface(interface, base)))

else:
    from numba.cuda.cudadrv.devicearray import DeviceNDArray

    def restride(array, shape: tuple, byte_strides: tuple, byte_offset: int = 0):
        """A view of `array`'s memory from `byte_offset` past its first element."""
        data = array.gpu_data.view(byte_offset) if byte_offset else array.gpu_data
        return DeviceNDArray(shape, byte_strides, array.dtype, gpu_data=data)


def empty(shape: tuple, dtype: np.dtype):
    return cuda.device_array(tuple(shape), dtype)


def device_function(fn):
    """An `@njit(inline="always")` helper of the CPU kernels as a CUDA kernel calls it:
    numba-cuda compiles it into the kernel, with the caller's constant opcode pruning its
    branches. The simulator runs kernels as Python on array wrappers that the CPU
    dispatcher cannot type, so there the helper's Python source runs."""
    return python_twin(fn) if SIMULATOR else fn


_PYTHON_TWINS: dict = {}


def python_twin(fn):
    """The Python source of njit function `fn` with the njit functions it names replaced,
    at every depth, by their own Python twins: in the simulator a helper that passes an
    array on to another helper must not reach a CPU dispatcher, which cannot type the
    simulator's arrays. Scalar math reached through a module (`fastmath.exp`) stays
    compiled, with the CPU's numerics."""
    twin = _PYTHON_TWINS.get(fn)
    if twin is None:
        source = fn.py_func
        scope = dict(source.__globals__)
        twin = _PYTHON_TWINS[fn] = types.FunctionType(
            source.__code__, scope, source.__name__, source.__defaults__, source.__closure__
        )
        scope.update(
            {k: python_twin(v) for k, v in source.__globals__.items() if hasattr(v, "py_func")}
        )
    return twin


def per_slice(kernel):
    """A CPU kernel whose body is a `prange` loop over independent slices (elements of a
    parameter, planes of an image) as a CUDA device function that a thread calls on its
    own one-slice views: the kernel's Python source with `prange` bound to `range`, which
    the CUDA target lacks. So the update and pooling rules exist once, for both devices."""
    fn = getattr(kernel, "py_func", kernel)
    scope = {**fn.__globals__, "prange": range}
    if SIMULATOR:  # the body runs as Python there: so must the helpers it calls
        scope = {k: device_function(v) if hasattr(v, "py_func") else v for k, v in scope.items()}
    body = types.FunctionType(fn.__code__, scope, fn.__name__, fn.__defaults__,
                              fn.__closure__)  # fmt: skip
    return cuda.jit(device=True)(body)


def per_opcode(fn):
    """`fn(op, *scalars)` (the scalar math of an opcode) as a CUDA kernel calls it. On a
    GPU the kernel's constant opcode prunes the other ops' branches. The simulator calls it
    from Python with a plain int, so there each opcode gets its own CPU-compiled function:
    the same numerics as the CPU kernels, and branches that do not type for the operand
    dtype (`&` on floats) are left out as they are on the GPU. The simulator's threads
    compile under a lock: CPython 3.11's AST builder keeps its recursion depth in
    interpreter-wide state, so two threads parsing at once fail with a SystemError."""
    if not SIMULATOR:
        return fn
    compiled = {}

    def call(op, *args):
        kernel = compiled.get(op)
        if kernel is None:
            with _COMPILING:
                kernel = compiled.get(op)
                if kernel is None:
                    # numpy's error model, as on the GPU: x / 0.0 is inf or nan
                    kernel = njit(error_model="numpy")(only_opcode(fn, op))
                    compiled[op] = kernel
        return kernel(op, *args)

    return call


def only_opcode(fn, op: int):
    """The Python function of `fn` (an `if op == NAME: ...` chain over opcodes) without
    the branches of other opcodes: each top-level `if` whose test names only `op` and
    module globals is decided now, for `op`. Why not let Numba prune them: it inlines (and
    deep-copies) the whole chain's IR first, ~0.5 s of CPU per opcode and dtype in the
    simulator tests, against ~0.05 s for the one branch."""
    py = getattr(fn, "py_func", fn)
    tree = ast.parse(textwrap.dedent(inspect.getsource(py)))
    function = tree.body[0]
    function.decorator_list = []
    body = []
    for statement in function.body:
        taken = _decided(statement, py.__globals__, op)
        if taken is None:
            body.append(statement)
        elif taken:
            body.extend(statement.body)
            if isinstance(statement.body[-1], ast.Return):
                break
        else:
            body.extend(statement.orelse)
    function.body = body
    scope = dict(py.__globals__)
    exec(compile(tree, inspect.getsourcefile(py) or "<opcode>", "exec"), scope)
    return scope[function.name]


def _decided(statement, scope: dict, op: int):
    """True/False: `statement` is an `if` on the opcode and names nothing but `op` and
    globals, and its test is true/false for `op`; None otherwise."""
    if not isinstance(statement, ast.If):
        return None
    names = {n.id for n in ast.walk(statement.test) if isinstance(n, ast.Name)}
    if "op" not in names or any(n != "op" and n not in scope for n in names):
        return None
    test = compile(ast.Expression(statement.test), "<opcode test>", "eval")
    return bool(eval(test, scope, {"op": op}))  # noqa: S307 - our own source, names checked


def launch(numel: int) -> tuple[int, int]:
    """(blocks, threads) for a grid-stride loop over `numel` items: whole warps, no more
    threads than items need (a tiny tensor runs one small block)."""
    threads = min(THREADS, -(-max(numel, 1) // WARP) * WARP)
    return min(-(-max(numel, 1) // threads), MAX_BLOCKS), threads


def block_threads(n: int) -> int:
    """Threads of a block that reduces n items in shared memory: a power of two (the tree
    halves it), at least a warp, and about four items per thread so each thread's first
    pass does some work before the synchronised tree."""
    threads = WARP
    while threads < THREADS and threads * 4 < n:
        threads *= 2
    return threads


def broadcast_strides(array, shape: tuple) -> tuple:
    """`array`'s byte strides seen broadcast to `shape` (0 on the broadcast dims)."""
    pad = len(shape) - array.ndim
    strides = [0] * pad
    for size, own, stride in zip(shape[pad:], array.shape, array.strides):
        strides.append(0 if own == 1 and size != 1 else stride)
    return tuple(strides)


def flat(array):
    """A 1-D view of a C-contiguous device array, or None when it is not contiguous."""
    return array.reshape(-1) if array.is_c_contiguous() else None


def launch_strided(kernel, operands: list, out, extra: tuple = ()) -> None:
    """Run a `MAX_DIMS`-D strided kernel over `operands` broadcast to `out`'s shape, then
    `out`, then `extra`. Dims that every operand walks contiguously are merged first, so
    most views reach the kernel folded; what cannot be folded is split along the leading
    dim, one launch per index (the CPU's `call_strided` does the same)."""
    if out.size == 0:
        return
    strides = [broadcast_strides(a, out.shape) for a in operands] + [out.strides]
    shape, folded = coalesce(out.shape, strides)
    if len(shape) <= MAX_DIMS:
        pad = MAX_DIMS - len(shape)
        shape = (1,) * pad + shape
        views = [restride(a, shape, (0,) * pad + s) for a, s in zip([*operands, out], folded)]
        kernel[launch(out.size)](*views, *extra)
        return
    inner = out.shape[1:]
    for i in range(out.shape[0]):
        views = [restride(a, inner, s[1:], i * s[0]) for a, s in zip([*operands, out], strides)]
        launch_strided(kernel, views[:-1], views[-1], extra)


def flat_memory(x):
    """A 1-D view starting at x's first element that covers every element x reaches."""
    if x.is_c_contiguous():
        return x.reshape(-1)
    itemsize = x.dtype.itemsize
    extent = 1 + sum((n - 1) * s for n, s in zip(x.shape, x.strides)) // itemsize
    return restride(x, (extent,), (itemsize,))


_TABLES: dict = {}
MAX_TABLES = 1024


def from_host_cached(key, build):
    """A device copy of the small host table `build()` returns, kept under `key`: offset
    tables repeat every training step, and a host-to-device copy costs more than most of
    the kernels that read them. Kernels only read them, so callers share them."""
    table = _TABLES.get(key)
    if table is None:
        if len(_TABLES) >= MAX_TABLES:
            _TABLES.clear()
        table = _TABLES[key] = cuda.to_device(np.asarray(build(), order="C"))
    return table
