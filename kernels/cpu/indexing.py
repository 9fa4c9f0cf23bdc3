"""Indexing kernels: index_select / index_add / index_copy along the middle axis of an
(outer, n, inner) layout, gather/scatter along the last axis of 2-D rows, and nonzero."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..common.indexing import nonzero as nonzero  # the launcher: host code shared with CUDA
from ..common.indexing import offset
from ._launch import parallel_for, twins


def _index_select(x, index, out, n, inner):
    """x: 1-D contiguous (outer, n, inner); out: 1-D contiguous (outer, len(index), inner)."""
    m = index.size
    for t in prange(out.size // inner):
        o = np.int64(t) // m
        k = np.int64(t) % m
        src = (o * n + index[k]) * inner
        dst = np.int64(t) * inner
        for j in range(inner):
            out[dst + j] = x[src + j]  # index[k] in [0, n): ops.indexing._check_index_range


def _index_put(out, index, src, n, inner, accumulate):
    """out: 1-D contiguous (outer, n, inner); src: (outer, len(index), inner).
    out[o, index[k], :] (+)= src[o, k, :]; serial over k so repeated indices add up."""
    m = index.size
    for o in prange(out.size // (n * inner)):
        for k in range(m):
            dst = (o * n + index[k]) * inner
            s = (o * m + k) * inner
            # index[k] in [0, n) by ops.indexing._check_index_range; src's shape checked too
            if accumulate:
                for j in range(inner):
                    out[dst + j] += src[s + j]
            else:
                for j in range(inner):
                    out[dst + j] = src[s + j]


def _gather(x, xstrides, index, shape, dim, out):
    """out[i] = x at index i's coordinates with coordinate `dim` = index[i]; index and
    out are contiguous of `shape`, x is flat storage walked with `xstrides`."""
    for i in prange(out.size):
        # index[i] in [0, x.shape[dim]), index no larger than x elsewhere: ops.indexing
        out[i] = x[offset(i, shape, xstrides, dim, index[i])]


@njit(cache=True)
def _scatter(out, ostrides, index, shape, dim, src, sstrides, accumulate):
    """out at index i's coordinates with coordinate `dim` = index[i] (+)= src at index
    i's coordinates. Serial: repeated indices must add up in order."""
    for i in range(index.size):
        # index[i] in [0, out.shape[dim]), index no larger than out and src elsewhere:
        # ops.indexing._check_gather before the launch
        o = offset(i, shape, ostrides, dim, index[i])
        s = offset(i, shape, sstrides, -1, 0)
        if accumulate:
            out[o] += src[s]
        else:
            out[o] = src[s]


_INDEX_SELECT = twins(_index_select)
_INDEX_PUT = twins(_index_put)
_GATHER = twins(_gather)


def index_select(x: np.ndarray, index: np.ndarray, out: np.ndarray, n: int, inner: int) -> None:
    """Select entries `index` (int64, 1-D, in range) of the middle axis of contiguous x."""
    if out.size:
        _INDEX_SELECT[parallel_for(out.size)](x.reshape(-1), index, out.reshape(-1), n, inner)


def index_put(
    out: np.ndarray, index: np.ndarray, src: np.ndarray, n: int, inner: int, accumulate: bool
) -> None:
    """out[:, index, :] = src (or += with accumulate) in the (outer, n, inner) layout."""
    if src.size:
        _INDEX_PUT[parallel_for(src.size)](
            out.reshape(-1), index, src.reshape(-1), n, inner, accumulate
        )


def gather(x: np.ndarray, index: np.ndarray, dim: int, out: np.ndarray) -> None:
    """out = x.gather(dim, index): x any strides (same ndim as index), index int64 and
    out C-contiguous of one shape."""
    if out.size:
        shape = np.array(index.shape, np.int64)
        xstrides = np.array(x.strides, np.int64) // x.itemsize
        base = _base_view(x)
        _GATHER[parallel_for(out.size)](
            base, xstrides, index.reshape(-1), shape, dim, out.reshape(-1)
        )


def scatter(out: np.ndarray, index: np.ndarray, dim: int, src: np.ndarray, accumulate: bool):
    """out.scatter_(dim, index, src) (scatter_add_ with accumulate): out C-contiguous,
    index C-contiguous int64, src any strides with at least index's sizes."""
    if index.size:
        shape = np.array(index.shape, np.int64)
        ostrides = np.array(out.strides, np.int64) // out.itemsize
        sstrides = np.array(src.strides, np.int64) // src.itemsize
        _scatter(
            out.reshape(-1),
            ostrides,
            index.reshape(-1),
            shape,
            dim,
            _base_view(src),
            sstrides,
            accumulate,
        )


def _base_view(x: np.ndarray) -> np.ndarray:
    """A 1-D array starting at x's first element that covers every element x reaches."""
    if x.flags.c_contiguous:
        return x.reshape(-1)
    extent = 1 + sum((n - 1) * s for n, s in zip(x.shape, x.strides)) // x.itemsize
    return np.lib.stride_tricks.as_strided(x, (extent,), (x.itemsize,))
