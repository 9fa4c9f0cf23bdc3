"""Index rules of the shape kernels both backends share (triangle masks, roll and flip)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(inline="always")
def keep_in_triangle(i, rows, cols, diagonal, upper):
    """Whether element i of a contiguous stack of (rows, cols) matrices lies on or above
    (upper) / on or below (lower) the `diagonal`-th diagonal."""
    t = np.int64(i)
    above = t % cols - (t // cols) % rows
    return above >= diagonal if upper else above <= diagonal


@njit(inline="always")
def source_index(i, shape, shifts, flips):
    """Flat index, in a contiguous array of `shape`, of the element that lands at flat
    index i: along a flipped dim coordinate c comes from n - 1 - c, along the others
    from c + shifts[d], wrapped once (shifts[d] in [0, n), so the sum is below 2n)."""
    rem = np.int64(i)
    src = np.int64(0)
    step = np.int64(1)
    for d in range(shape.size - 1, -1, -1):
        n = shape[d]
        c = rem % n
        rem //= n
        if flips[d]:
            c = n - 1 - c
        else:
            c += shifts[d]
            if c >= n:
                c -= n
        src += c * step
        step *= n
    return src
