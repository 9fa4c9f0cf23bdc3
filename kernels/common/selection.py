"""Selection rules both backends run (cumulative max/min, the mode of sorted rows, searchsorted):
each a `prange` over independent rows that the CPU compiles as is (kernels/cpu/selection.py)
and CUDA runs a row per thread (kernels/cuda/selection.py)."""

from __future__ import annotations

from numba import njit, prange


@njit(inline="always")
def replaces_extreme(x, current, is_max):
    """Whether x takes over a running max (min): NaN always does and is never replaced;
    ties take the later position, as PyTorch's cummax/cummin."""
    if x != x:
        return True
    if current != current:
        return False
    return x >= current if is_max else x <= current


def cumulative_extreme_rows(x, values, indices, is_max):
    """x, values, indices: (rows, n) C-contiguous. values[r, j] = max (min) of x[r, :j+1],
    indices[r, j] its position in the row."""
    n = x.shape[1]
    for r in prange(x.shape[0]):
        best = x[r, 0]
        at = 0
        for j in range(n):
            if replaces_extreme(x[r, j], best, is_max):
                best = x[r, j]
                at = j
            values[r, j] = best
            indices[r, j] = at


def mode_of_sorted_rows(values, positions, mode, mode_position):
    """values: (rows, n) each row sorted ascending (stably), positions: where each value
    was in its row; mode, mode_position: (rows,). The most frequent value of each row (the
    smallest on ties) and the last position it held, as PyTorch's mode."""
    n = values.shape[1]
    for r in prange(values.shape[0]):
        best_count = 0
        best_end = 0
        start = 0
        for j in range(1, n + 1):
            # a run of equal values ends at j (NaNs, sorted last, each make their own)
            if j == n or values[r, j] != values[r, j - 1]:
                if j - start > best_count:
                    best_count = j - start
                    best_end = j
                start = j
        mode[r] = values[r, best_end - 1]
        # the stable sort keeps equal values in their original order: the run's last
        # element came from the value's last position
        mode_position[r] = positions[r, best_end - 1]


def search_sorted_rows(sequence, values, out, right):
    """sequence: (rows or 1, n) each row sorted ascending; values, out: (rows, m). out =
    the insertion point of each value in its row of sequence (row 0 for a 1-row
    sequence): the first position whose element is >= value (> value when `right`)."""
    n = sequence.shape[1]
    shared = sequence.shape[0] == 1
    for r in prange(values.shape[0]):
        row = 0 if shared else r
        for j in range(values.shape[1]):
            v = values[r, j]
            low, high = 0, n
            while low < high:
                middle = (low + high) // 2
                s = sequence[row, middle]  # low <= middle < high <= n
                if s < v or (right and s == v) or (v != v and s == s):
                    low = middle + 1
                else:
                    high = middle
            out[r, j] = low
