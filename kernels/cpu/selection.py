"""Selection kernels over the rows of contiguous (rows, n) arrays: the running maximum or
minimum with its position (cummax, cummin), the most frequent value of sorted rows
(mode) and binary search in sorted rows (searchsorted, bucketize). Each body is a
`prange` over rows, so a CUDA thread runs it on its own row (kernels/cuda/selection.py)."""

from __future__ import annotations

import numpy as np

from ..common import selection as common
from ._launch import parallel_for, twins

_EXTREME = twins(common.cumulative_extreme_rows)
_MODE = twins(common.mode_of_sorted_rows)
_SEARCH = twins(common.search_sorted_rows)


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
