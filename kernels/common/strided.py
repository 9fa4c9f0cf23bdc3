"""Strided-shape helpers both backends share: the fixed rank of the general strided
kernels, the folding of operands' dims onto it, and the index arithmetic of a kernel
that walks a `MAX_DIMS`-D array by flat task number."""

from __future__ import annotations

import numpy as np
from numba import njit

MAX_DIMS = 4  # rank of the general strided kernels; higher ranks are coalesced or split


@njit(inline="always")
def unravel(task, d1, d2, d3):
    """Split a flat task number over (d0, d1, d2, d3) into its four indices. The prange
    index arrives unsigned, and mixing it with signed ints would make floats."""
    t = np.int64(task)
    i3 = t % d3
    t //= d3
    i2 = t % d2
    t //= d2
    return t // d1, t % d1, i2, i3


def coalesce(shape, strides_list):
    """Merge adjacent dims that every operand walks contiguously through, and drop
    size-1 dims, so most views reach the kernel with few dims."""
    dims = [(n, [s[i] for s in strides_list]) for i, n in enumerate(shape) if n != 1]
    if not dims:
        return (), [() for _ in strides_list]
    merged = [dims[0]]
    for n, strides in dims[1:]:
        prev_n, prev_strides = merged[-1]
        if all(ps == s * n for ps, s in zip(prev_strides, strides)):
            merged[-1] = (prev_n * n, strides)
        else:
            merged.append((n, strides))
    new_shape = tuple(n for n, _ in merged)
    return new_shape, [tuple(s[k] for _, s in merged) for k in range(len(strides_list))]
