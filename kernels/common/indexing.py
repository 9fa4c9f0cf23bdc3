"""Indexing pieces both backends share: the offset of an element seen through strides
with one coordinate replaced (gather/scatter), and nonzero, which runs on the host for
both (its count sizes the output, so the host needs it anyway)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(inline="always")
def offset(i, shape, strides, dim, value):
    """Offset of element i (row-major over `shape`) through `strides`, with the
    coordinate along `dim` replaced by `value`."""
    rem = np.int64(i)
    off = np.int64(0)
    for k in range(shape.size - 1, -1, -1):
        c = rem % shape[k]
        rem //= shape[k]
        off += (value if k == dim else c) * strides[k]
    return off


@njit(cache=True)
def nonzero_indices(x, shape):
    """x: 1-D contiguous; returns (count, ndim) int64 indices of its nonzero elements
    in row-major order of `shape`."""
    count = 0
    for i in range(x.size):
        if x[i] != 0:
            count += 1
    ndim = shape.size
    out = np.empty((count, ndim), np.int64)
    row = 0
    for i in range(x.size):
        if x[i] != 0:
            rem = i
            for d in range(ndim - 1, -1, -1):
                out[row, d] = rem % shape[d]  # row < count: both passes see the same x
                rem //= shape[d]
            row += 1
    return out


def nonzero(x: np.ndarray) -> np.ndarray:
    """(count, ndim) int64 indices of the nonzero elements of contiguous host array x."""
    return nonzero_indices(x.reshape(-1), np.array(x.shape, np.int64))
