"""grid_sample's kernels on device arrays: a thread per item of the rules in
kernels/common/grid_sample.py (an output location, or an input plane for the input's
gradient), so the math exists once for both devices."""

from __future__ import annotations

from numba import cuda

from ..common import grid_sample as common
from ._launch import device_function, launch

_sample_location = device_function(common.sample_location)
_input_grad_plane = device_function(common.input_grad_plane)
_grid_grad_location = device_function(common.grid_grad_location)


@cuda.jit(cache=True)
def _forward(x, grid, mode, padding, align_corners, out):
    items = grid.shape[0] * grid.shape[1] * grid.shape[2] * grid.shape[3]
    for t in range(cuda.grid(1), items, cuda.gridsize(1)):
        _sample_location(x, grid, mode, padding, align_corners, out, t)


@cuda.jit(cache=True)
def _input_grad(grad_out, grid, mode, padding, align_corners, grad_x):
    for p in range(cuda.grid(1), grad_x.shape[0] * grad_x.shape[1], cuda.gridsize(1)):
        _input_grad_plane(grad_out, grid, mode, padding, align_corners, grad_x, p)


@cuda.jit(cache=True)
def _grid_grad(grad_out, x, grid, mode, padding, align_corners, grad_grid):
    items = grid.shape[0] * grid.shape[1] * grid.shape[2] * grid.shape[3]
    for t in range(cuda.grid(1), items, cuda.gridsize(1)):
        _grid_grad_location(grad_out, x, grid, mode, padding, align_corners, grad_grid, t)


def _items(grid) -> int:
    return grid.shape[0] * grid.shape[1] * grid.shape[2] * grid.shape[3]


def grid_sample_forward(x, grid, mode: int, padding: int, align_corners: bool, out) -> None:
    """out (N, C, [OD,] OH, OW) = x (N, C, [D,] H, W) sampled at grid (N, [OD,] OH, OW, k)
    (see the CPU launcher). C-contiguous."""
    if out.size:
        grid = common.as_volume(grid, True)
        _forward[launch(_items(grid))](common.as_volume(x), grid, int(mode), int(padding),
                                       bool(align_corners), common.as_volume(out))  # fmt: skip


def grid_sample_backward(grad_out, x, grid, mode: int, padding: int, align_corners: bool,
                         grad_x, grad_grid) -> None:  # fmt: skip
    """grad_x and grad_grid (either None when not wanted) of `grid_sample_forward`."""
    options = (int(mode), int(padding), bool(align_corners))
    grad_out, grid = common.as_volume(grad_out), common.as_volume(grid, True)
    if grad_x is not None and grad_x.size:
        _input_grad[launch(grad_x.shape[0] * grad_x.shape[1])](
            grad_out, grid, *options, common.as_volume(grad_x)
        )
    if grad_grid is not None and grad_grid.size:
        _grid_grad[launch(_items(grid))](grad_out, common.as_volume(x), grid, *options,
                                         common.as_volume(grad_grid, True))  # fmt: skip


__all__ = ["grid_sample_backward", "grid_sample_forward"]
