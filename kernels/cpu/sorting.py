"""Sorting kernels: each row of a contiguous (rows, n) array sorted stably, with the
positions its values came from (sort, argsort and topk all run this)."""

from __future__ import annotations

import numpy as np

from ..common import sorting as common
from ._launch import parallel_for, twins

_SORT_ROWS = twins(common.sort_rows)


def sort(x: np.ndarray, values: np.ndarray, indices: np.ndarray, descending: bool) -> None:
    """values, indices (int64) = each row of x sorted stably (descending: largest first);
    all three (rows, n) C-contiguous."""
    if values.size:
        _SORT_ROWS[parallel_for(values.size)](
            x, values, indices, np.empty_like(values), np.empty_like(indices), descending
        )
