"""Shared launcher plumbing for CPU kernels: the serial/parallel switch and the
reshaping of strided operands onto the fixed rank of the general strided kernels."""

from __future__ import annotations

from types import FunctionType

import numpy as np
from numba import from_dtype, njit, typeof, types
from numba.core import config
from numba.core.compiler_lock import global_compiler_lock

from ..common.strided import MAX_DIMS, coalesce

# Set by numbatorch._dispatch (the one place that owns thresholds): below this many
# elements a serial twin runs, because waking the thread pool costs more than the work.
parallel_threshold = 1 << 16


def optimize_at(level: int, *kernels) -> None:
    """Compile `kernels` (dispatchers) at LLVM optimisation level `level`, or at
    NUMBA_OPT where that is lower. On some kernels -O3 spends seconds in LLVM for nothing:
    im2col (a parallel loop nest seven deep) compiled in 5.1 s of CPU at -O3 and 1.5 s at
    -O1, and ran LeNet's first convolution faster (129-137 against 150-159 us, AVX-512).
    Measure both ways before adding a kernel: at -O1 col2im ran 1.3x slower, the
    Winograd convolution 1.45x, and the GEMMs gained 1.3 s of compile for 3-10% of speed
    on a transformer's shapes; the pooling and cross-entropy kernels compiled no faster.
    Numba reads the level when it builds a pass manager, so it is set only while one of
    these compiles, under the compiler lock; loads from the cache are unaffected."""
    for kernel in kernels:
        compiler = kernel._compiler
        compile_ = compiler.compile

        def compile(args, return_type, compile_=compile_):
            with global_compiler_lock:
                saved = config.OPT
                config.OPT = type(saved)(min(level, int(saved)))
                try:
                    return compile_(args, return_type)
                finally:
                    config.OPT = saved

        compiler.compile = compile


def parallel_for(numel: int) -> bool:
    return numel >= parallel_threshold


def twins(function, calls: tuple = (), **options):
    """(serial, parallel) kernels of one Python function whose outer loop is a `prange`.
    The parallel one compiles a renamed copy: Numba's on-disk cache names an entry by the
    function's qualified name and bytecode, not by its flags, so two jits of one function
    share an entry and the second silently loads the first's code (measured: a "parallel"
    twin compiled after its serial one ran on one thread, in every later process too).

    `calls` names inlined helpers (`inline="always"` njit functions among the function's
    globals, each used by this kernel alone) that the parallel twin calls as plain
    functions compiled with `options` instead of inlining them: the parallel pipeline
    then compiles a loop of calls and the helpers once, not their bodies inside its
    gufunc (float32 softmax's parallel twin: 8.9 s -> 4.0 s of compiling, at the same
    speed). The serial twin keeps them inlined: calling them cost it 1.3x on rows of 64."""
    scope = function.__globals__
    if calls:
        scope = {**scope, **{name: njit(cache=True, **options)(scope[name].py_func)
                             for name in calls}}  # fmt: skip
    copy = FunctionType(function.__code__, scope, function.__name__ + "_parallel",
                        function.__defaults__, function.__closure__)  # fmt: skip
    copy.__qualname__ = function.__qualname__ + "_parallel"
    copy.__doc__ = function.__doc__
    return njit(cache=True, **options)(function), njit(parallel=True, cache=True, **options)(copy)


def _broadcast_strides(a: np.ndarray, shape: tuple) -> tuple:
    """a's strides when broadcast to `shape` (0 along dims it repeats)."""
    if a.shape == shape:
        return a.strides
    pad = len(shape) - a.ndim
    if pad < 0 or any(n != 1 and n != shape[pad + i] for i, n in enumerate(a.shape)):
        raise ValueError(f"operand of shape {a.shape} does not broadcast to {shape}")
    return (0,) * pad + tuple(0 if n == 1 else s for n, s in zip(a.shape, a.strides))


def _view(a: np.ndarray, shape: tuple, strides: tuple, writeable: bool) -> np.ndarray:
    """A view of a's memory (starting at a's first element) with these shape and strides.
    numpy's `as_strided` costs ~2.5 us; an ndarray over a contiguous buffer ~0.3 us."""
    if a.flags.c_contiguous or a.flags.f_contiguous:
        view = np.ndarray(shape, a.dtype, a, 0, strides)
        if not writeable:
            view.flags.writeable = False
        return view
    return np.lib.stride_tricks.as_strided(a, shape, strides, writeable=writeable)


def as_max_dims(*arrays: np.ndarray) -> list[np.ndarray]:
    """Views of `arrays` (the last one is the output; the others are broadcast to its
    shape) as MAX_DIMS-D arrays over the same memory. Raises ValueError when the views
    cannot be folded into MAX_DIMS dims; `call_strided` splits those."""
    out = arrays[-1]
    shape, strides = coalesce(out.shape, [_broadcast_strides(a, out.shape) for a in arrays])
    if len(shape) > MAX_DIMS:
        raise ValueError("too many dims")
    pad = MAX_DIMS - len(shape)
    shape = (1,) * pad + shape
    return [_view(a, shape, (0,) * pad + s, a is out) for a, s in zip(arrays, strides)]


def call_strided(kernel, *arrays: np.ndarray, extra=()) -> None:
    """Run a MAX_DIMS-D strided kernel over `arrays` (the last is the output), splitting
    the leading dim in Python when the operands cannot be folded into MAX_DIMS dims."""
    out = arrays[-1]
    if out.size == 0:
        return
    try:
        views = as_max_dims(*arrays)
    except ValueError:
        full = [np.broadcast_to(a, out.shape) for a in arrays[:-1]] + [out]
        for i in range(out.shape[0]):
            call_strided(kernel, *[a[i] for a in full], extra=extra)
        return
    _any_layout(kernel, views, extra)(*views, *extra)


_overloads: dict = {}


def _any_layout(kernel, views: list, extra: tuple):
    """The kernel's overload typed for strided ('A') arrays of these dtypes. Called
    through its dispatcher, Numba would compile one per mix of C/F/A layouts that the
    views happen to have (up to ~6 per dtype); the 'A' overload serves them all. Inputs
    are typed read-only even when writeable (an in-place op reads its output)."""
    key = (kernel, *(v.dtype for v in views), *map(type, extra))
    entry = _overloads.get(key)
    if entry is None:
        last = len(views) - 1
        signature = tuple(
            types.Array(from_dtype(v.dtype), v.ndim, "A", readonly=i < last)
            for i, v in enumerate(views)
        ) + tuple(typeof(e) for e in extra)
        entry = _overloads[key] = kernel.compile(signature)
    return entry
