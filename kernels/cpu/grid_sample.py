"""grid_sample's kernels: the rules of kernels/common/grid_sample.py in `prange` loops over
their items (output locations forward and for the grid's gradient, input planes for the
input's gradient)."""

from __future__ import annotations

from numba import njit, prange

from ..common.grid_sample import (
    as_volume,
    grid_grad_location,
    input_grad_plane,
    sample_location,
)


@njit(parallel=True, cache=True)
def _forward(x, grid, mode, padding, align_corners, out):
    for t in prange(grid.shape[0] * grid.shape[1] * grid.shape[2] * grid.shape[3]):
        sample_location(x, grid, mode, padding, align_corners, out, t)


@njit(parallel=True, cache=True)
def _input_grad(grad_out, grid, mode, padding, align_corners, grad_x):
    for p in prange(grad_x.shape[0] * grad_x.shape[1]):
        input_grad_plane(grad_out, grid, mode, padding, align_corners, grad_x, p)


@njit(parallel=True, cache=True)
def _grid_grad(grad_out, x, grid, mode, padding, align_corners, grad_grid):
    for t in prange(grid.shape[0] * grid.shape[1] * grid.shape[2] * grid.shape[3]):
        grid_grad_location(grad_out, x, grid, mode, padding, align_corners, grad_grid, t)


def grid_sample_forward(x, grid, mode: int, padding: int, align_corners: bool, out) -> None:
    """out (N, C, [OD,] OH, OW) = x (N, C, [D,] H, W) sampled at grid (N, [OD,] OH, OW, k)
    (k = 2: x, y; k = 3: x, y, z; in [-1, 1]), mode and padding numbered as in
    kernels/common/grid_sample.py. C-contiguous, one dtype, spatial sizes >= 1."""
    if out.size:
        _forward(as_volume(x), as_volume(grid, True), int(mode), int(padding),
                 bool(align_corners), as_volume(out))  # fmt: skip


def grid_sample_backward(grad_out, x, grid, mode: int, padding: int, align_corners: bool,
                         grad_x, grad_grid) -> None:  # fmt: skip
    """The gradients of `grid_sample_forward` given grad_out (like out): grad_x like x and
    grad_grid like grid; either may be None when not wanted. C-contiguous."""
    options = (int(mode), int(padding), bool(align_corners))
    grad_out, grid = as_volume(grad_out), as_volume(grid, True)
    if grad_x is not None and grad_x.size:
        _input_grad(grad_out, grid, *options, as_volume(grad_x))
    if grad_grid is not None and grad_grid.size:
        _grid_grad(grad_out, as_volume(x), grid, *options, as_volume(grad_grid, True))


__all__ = ["grid_sample_backward", "grid_sample_forward"]
