"""Copying shape CUDA kernels: tril/triu and the cyclic gather behind flip and roll, a
thread per output element, with the index rules of kernels/common/shape.py."""

from __future__ import annotations

from numba import cuda

from ..common.shape import keep_in_triangle as _keep_in_triangle
from ..common.shape import source_index as _source_index
from ._launch import device_function, launch
from .indexing import _int64_tables

keep_in_triangle = device_function(_keep_in_triangle)
source_index = device_function(_source_index)


@cuda.jit(cache=True)
def _triangle(x, out, rows, cols, diagonal, upper):
    """x, out: 1-D contiguous stacks of (rows, cols) matrices (may be one array)."""
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        if keep_in_triangle(i, rows, cols, diagonal, upper):
            out[i] = x[i]
        else:
            out[i] = 0


@cuda.jit(cache=True)
def _roll_flip(x, out, shape, shifts, flips):
    """x, out: 1-D contiguous of `shape` (distinct arrays); out[i] = x[source_index(i)]."""
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        # source_index stays inside `shape`: shifts in [0, n) by the launcher
        out[i] = x[source_index(i, shape, shifts, flips)]


def triangle(x, out, diagonal: int, upper: bool) -> None:
    """out = tril(x, diagonal) (triu with `upper`); x and out C-contiguous, ndim >= 2."""
    if out.size:
        rows, cols = out.shape[-2:]
        _triangle[launch(out.size)](x.reshape(-1), out.reshape(-1), rows, cols, diagonal, upper)


def roll_flip(x, out, shifts: tuple, flips: tuple) -> None:
    """out = x rolled by `shifts` (one per dim) and flipped along the dims where `flips` is
    true; x and out C-contiguous of one shape, distinct memory."""
    if out.size:
        # the source offset of each dim, reduced into [0, n): what source_index relies on
        sources = [-s % n for s, n in zip(shifts, out.shape)]
        shape, sources, flips = _int64_tables(out.shape, sources, [int(f) for f in flips])
        _roll_flip[launch(out.size)](x.reshape(-1), out.reshape(-1), shape, sources, flips)
