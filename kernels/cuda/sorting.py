"""Sorting on device arrays: a thread per row runs the shared merge sort body
(kernels/common/sorting.py) on its own row, so the order rules (stability, NaN) exist once."""

from __future__ import annotations

from numba import cuda

from ..common import sorting as common
from ._launch import empty, launch, per_slice

_sort_rows = per_slice(common.sort_rows)


@cuda.jit(cache=True)
def _sort_kernel(x, values, indices, spare_values, spare_indices, descending):
    for r in range(cuda.grid(1), x.shape[0], cuda.gridsize(1)):
        _sort_rows(x[r:r + 1], values[r:r + 1], indices[r:r + 1], spare_values[r:r + 1],
                   spare_indices[r:r + 1], descending)  # fmt: skip


def sort(x, values, indices, descending: bool) -> None:
    """values, indices (int64) = each row of x sorted stably (descending: largest first);
    all three (rows, n) C-contiguous."""
    if values.size:
        spare_values = empty(values.shape, values.dtype)
        spare_indices = empty(indices.shape, indices.dtype)
        _sort_kernel[launch(values.shape[0])](
            x, values, indices, spare_values, spare_indices, descending
        )
