"""Selection kernels over the rows of contiguous (rows, n) arrays: the running maximum or
minimum with its position (cummax, cummin), the most frequent value of sorted rows
(mode) and binary search in sorted rows (searchsorted, bucketize). Each body is a
`prange` over rows, so a CUDA thread runs it on its own row (kernels/cuda/selection.py)."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._launch import parallel_for, twins


@njit(inline="always")
def replaces_extreme(x, current, is_max):
    """Whether x takes over a running max (min): NaN always does and is never replaced;
    ties take the later position, as PyTorch's cummax/cummin."""
    if x != x:
        return True
    if current != current:
        return False
    return x >= current if is_max else x <= current


def _cumulative_extreme(x, values, indices, is_max):
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


def _mode_of_sorted(values, positions, mode, mode_position):
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


def _search_sorted(sequence, values, out, right):
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


_EXTREME = twins(_cumulative_extreme)
_MODE = twins(_mode_of_sorted)
_SEARCH = twins(_search_sorted)


def cumulative_extreme(x: np.ndarray, values: np.ndarray, indices: np.ndarray, is_max: bool):
    """values, indices (int64) = running max (min) of each row of x and its position; all
    (rows, n) C-contiguous, n >= 1."""
    if values.size:
        _EXTREME[parallel_for(values.size)](x, values, indices, is_max)


def mode_of_sorted(values: np.ndarray, positions: np.ndarray, mode: np.ndarray, mode_position):
    """mode, mode_position (rows,) of sorted rows (rows, n >= 1) and their positions."""
    if mode.size:
        _MODE[parallel_for(values.size)](values, positions, mode, mode_position)


def search_sorted(sequence: np.ndarray, values: np.ndarray, out: np.ndarray, right: bool):
    """out (int64, (rows, m)) = insertion points of values (rows, m) in the sorted rows of
    sequence ((rows or 1, n))."""
    if out.size:
        _SEARCH[parallel_for(out.size)](sequence, values, out, right)
