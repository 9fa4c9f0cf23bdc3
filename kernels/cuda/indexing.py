"""Indexing CUDA kernels: index_select / index_add / index_copy along the middle axis of an
(outer, n, inner) layout, gather/scatter along one dim, and nonzero.

A thread per element; accumulating writes (`index_put(accumulate=True)`, `scatter_add`)
use `cuda.atomic.add`, so repeated indices add up (in any order). Dtypes without an
atomic add run the same kernel in one thread, in order, as the CPU does.
"""

from __future__ import annotations

import numpy as np
from numba import cuda

from ..common import indexing as common
from ..common.elementwise import Lazy
from ._launch import device_function, flat_memory, from_host_cached, launch

offset = device_function(common.offset)

# how a write lands: plain store, atomic add, or add by one thread in order
STORE, ATOMIC_ADD, SERIAL_ADD = range(3)
_ATOMIC_DTYPES = frozenset(
    map(np.dtype, ("float32", "float64", "int32", "int64", "uint32", "uint64"))
)


@cuda.jit(cache=True)
def _index_select(x, index, out, n, inner):
    """x: 1-D contiguous (outer, n, inner); out: 1-D contiguous (outer, len(index), inner)."""
    m = index.size
    for t in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        row = t // inner
        # index in [0, n): ops.indexing._check_index_range before the launch
        out[t] = x[((row // m) * n + index[row % m]) * inner + t % inner]


def _index_put_kernel(mode):
    def kernel(out, index, src, n, inner):
        """out: 1-D contiguous (outer, n, inner); src: 1-D contiguous (outer, len(index),
        inner). out[o, index[k], j] (+)= src[o, k, j], a thread per element of src."""
        m = index.size
        for t in range(cuda.grid(1), src.size, cuda.gridsize(1)):
            row = t // inner
            # index in [0, n) by ops.indexing._check_index_range; src's shape checked too
            dst = ((row // m) * n + index[row % m]) * inner + t % inner
            if mode == ATOMIC_ADD:
                cuda.atomic.add(out, dst, src[t])
            elif mode == SERIAL_ADD:
                out[dst] += src[t]
            else:
                out[dst] = src[t]

    return cuda.jit(cache=True)(kernel)


@cuda.jit(cache=True)
def _gather(x, xstrides, index, shape, dim, out):
    """out[i] = x at index i's coordinates with coordinate `dim` = index[i]; index and
    out are contiguous of `shape`, x is flat memory walked with `xstrides`."""
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        # index[i] in [0, x.shape[dim]), index no larger than x elsewhere: ops.indexing
        out[i] = x[offset(i, shape, xstrides, dim, index[i])]


def _scatter_kernel(mode):
    def kernel(out, ostrides, index, shape, dim, src, sstrides):
        """out at index i's coordinates with coordinate `dim` = index[i] (+)= src at index
        i's coordinates; a thread per element of index."""
        for i in range(cuda.grid(1), index.size, cuda.gridsize(1)):
            # index[i] in [0, out.shape[dim]), index no larger than out and src elsewhere:
            # ops.indexing._check_gather before the launch
            o = offset(i, shape, ostrides, dim, index[i])
            value = src[offset(i, shape, sstrides, -1, 0)]
            if mode == ATOMIC_ADD:
                cuda.atomic.add(out, o, value)
            elif mode == SERIAL_ADD:
                out[o] += value
            else:
                out[o] = value

    return cuda.jit(cache=True)(kernel)


_INDEX_PUT = Lazy(_index_put_kernel)
_SCATTER = Lazy(_scatter_kernel)


def _mode(out, accumulate: bool) -> int:
    if not accumulate:
        return STORE
    return ATOMIC_ADD if out.dtype in _ATOMIC_DTYPES else SERIAL_ADD


def _config(mode: int, numel: int) -> tuple[int, int]:
    return (1, 1) if mode == SERIAL_ADD else launch(numel)


def _int64_tables(*rows) -> list:
    """Small int64 tables (shapes, strides) on the device: one cached transfer, then views."""
    key = tuple(tuple(int(v) for v in r) for r in rows)
    table = from_host_cached(("index", key), lambda: np.array(sum(key, ()), np.int64))
    views, at = [], 0
    for r in key:
        views.append(table[at : at + len(r)])
        at += len(r)
    return views


def index_select(x, index, out, n: int, inner: int) -> None:
    """Select entries `index` (int64, 1-D, in range) of the middle axis of contiguous x."""
    if out.size:
        _index_select[launch(out.size)](x.reshape(-1), index, out.reshape(-1), n, inner)


def index_put(out, index, src, n: int, inner: int, accumulate: bool) -> None:
    """out[:, index, :] = src (or += with accumulate) in the (outer, n, inner) layout."""
    if src.size:
        mode = _mode(out, accumulate)
        _INDEX_PUT[mode][_config(mode, src.size)](out.reshape(-1), index, src.reshape(-1), n, inner)


def gather(x, index, dim: int, out) -> None:
    """out = x.gather(dim, index): x any strides (same ndim as index), index int64 and
    out C-contiguous of one shape."""
    if out.size:
        itemsize = x.dtype.itemsize
        shape, xstrides = _int64_tables(index.shape, [s // itemsize for s in x.strides])
        _gather[launch(out.size)](
            flat_memory(x), xstrides, index.reshape(-1), shape, dim, out.reshape(-1)
        )


def scatter(out, index, dim: int, src, accumulate: bool) -> None:
    """out.scatter_(dim, index, src) (scatter_add_ with accumulate): out C-contiguous,
    index C-contiguous int64, src any strides with at least index's sizes."""
    if index.size:
        itemsize = out.dtype.itemsize
        shape, ostrides, sstrides = _int64_tables(
            index.shape,
            [s // itemsize for s in out.strides],
            [s // src.dtype.itemsize for s in src.strides],
        )
        mode = _mode(out, accumulate)
        _SCATTER[mode][_config(mode, index.size)](
            out.reshape(-1), ostrides, index.reshape(-1), shape, dim, flat_memory(src), sstrides
        )


def nonzero(x):
    """(count, ndim) int64 indices of the nonzero elements of contiguous x. The count
    decides the output's size, so the host needs it anyway: x is copied there and the
    shared host kernel runs."""
    from . import from_host, to_host

    return from_host(common.nonzero(np.ascontiguousarray(to_host(x))))


__all__ = ["gather", "index_put", "index_select", "nonzero", "scatter"]
