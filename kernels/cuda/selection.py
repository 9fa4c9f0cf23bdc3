"""Selection on device arrays: a thread per row runs the shared body
(kernels/common/selection.py) on its own row, so the rules (NaN, ties, sides) exist once."""

from __future__ import annotations

from numba import cuda

from ..common import selection as common
from ._launch import launch, per_slice

_cumulative_extreme = per_slice(common.cumulative_extreme_rows)
_mode_of_sorted = per_slice(common.mode_of_sorted_rows)
_search_sorted = per_slice(common.search_sorted_rows)


@cuda.jit(cache=True)
def _extreme_kernel(x, values, indices, is_max):
    for r in range(cuda.grid(1), x.shape[0], cuda.gridsize(1)):
        _cumulative_extreme(x[r : r + 1], values[r : r + 1], indices[r : r + 1], is_max)


@cuda.jit(cache=True)
def _mode_kernel(values, positions, mode, mode_position):
    for r in range(cuda.grid(1), values.shape[0], cuda.gridsize(1)):
        _mode_of_sorted(
            values[r : r + 1], positions[r : r + 1], mode[r : r + 1], mode_position[r : r + 1]
        )


@cuda.jit(cache=True)
def _search_kernel(sequence, values, out, right):
    shared = sequence.shape[0] == 1
    for r in range(cuda.grid(1), values.shape[0], cuda.gridsize(1)):
        row = 0 if shared else r
        _search_sorted(sequence[row : row + 1], values[r : r + 1], out[r : r + 1], right)


def cumulative_extreme(x, values, indices, is_max: bool) -> None:
    """values, indices (int64) = running max (min) of each row of x and its position; all
    (rows, n) C-contiguous, n >= 1."""
    if values.size:
        _extreme_kernel[launch(values.shape[0])](x, values, indices, is_max)


def mode_of_sorted(values, positions, mode, mode_position) -> None:
    """mode, mode_position (rows,) of sorted rows (rows, n >= 1) and their positions."""
    if mode.size:
        _mode_kernel[launch(mode.shape[0])](values, positions, mode, mode_position)


def search_sorted(sequence, values, out, right: bool) -> None:
    """out (int64, (rows, m)) = insertion points of values (rows, m) in the sorted rows of
    sequence ((rows or 1, n))."""
    if out.size:
        _search_kernel[launch(out.shape[0])](sequence, values, out, right)
