"""The row sort both backends run: a `prange` over rows that the CPU compiles as is
(kernels/cpu/sorting.py) and CUDA runs a row per thread (kernels/cuda/sorting.py)."""

from __future__ import annotations

from numba import njit, prange


@njit(inline="always")
def sorts_before(a, b, descending):
    """Whether a goes strictly before b: NaN counts as larger than every number, as in
    PyTorch (last ascending, first descending)."""
    if descending:
        return a > b or (a != a and b == b)
    return a < b or (b != b and a == a)


def sort_rows(x, values, indices, spare_values, spare_indices, descending):
    """x, values, indices, spare_values, spare_indices: (rows, n) C-contiguous, the spares
    scratch. Writes each row of x stably sorted into values and the position in the row of
    each value into indices: a bottom-up merge sort, O(n log n) with no allocation, so a
    CUDA thread can run this body on its own row too."""
    n = x.shape[1]
    for r in prange(x.shape[0]):
        v, ix, sv, si = values[r], indices[r], spare_values[r], spare_indices[r]
        for j in range(n):
            v[j] = x[r, j]
            ix[j] = j
        width = 1
        while width < n:
            for lo in range(0, n, 2 * width):
                mid = min(lo + width, n)
                hi = min(lo + 2 * width, n)
                i, j = lo, mid
                # i < mid <= n and j < hi <= n whenever read (`or` short-circuits)
                for k in range(lo, hi):
                    # the right run's head goes first only when strictly before: stable
                    if j < hi and (i >= mid or sorts_before(v[j], v[i], descending)):
                        sv[k] = v[j]
                        si[k] = ix[j]
                        j += 1
                    else:
                        sv[k] = v[i]
                        si[k] = ix[i]
                        i += 1
            for k in range(n):
                v[k] = sv[k]
                ix[k] = si[k]
            width *= 2
