"""Copying shape kernels: the triangle of each matrix (tril/triu) and the cyclic gather
behind flip and roll, on contiguous numpy arrays."""

from __future__ import annotations

import numpy as np
from numba import prange

from ..common.shape import keep_in_triangle, source_index
from ._launch import parallel_for, twins


def _triangle(x, out, rows, cols, diagonal, upper):
    """x, out: 1-D contiguous stacks of (rows, cols) matrices (may be one array)."""
    for i in prange(out.size):
        if keep_in_triangle(i, rows, cols, diagonal, upper):
            out[i] = x[i]
        else:
            out[i] = 0


def _roll_flip(x, out, shape, shifts, flips):
    """x, out: 1-D contiguous of `shape` (distinct arrays); out[i] = x[source_index(i)]."""
    for i in prange(out.size):
        # source_index stays inside `shape`: shifts in [0, n) by the launcher
        out[i] = x[source_index(i, shape, shifts, flips)]


_TRIANGLE = twins(_triangle)
_ROLL_FLIP = twins(_roll_flip)


def triangle(x: np.ndarray, out: np.ndarray, diagonal: int, upper: bool) -> None:
    """out = tril(x, diagonal) (triu with `upper`); x and out C-contiguous, ndim >= 2."""
    if out.size:
        rows, cols = out.shape[-2:]
        _TRIANGLE[parallel_for(out.size)](
            x.reshape(-1), out.reshape(-1), rows, cols, diagonal, upper
        )


def roll_flip(x: np.ndarray, out: np.ndarray, shifts: tuple, flips: tuple) -> None:
    """out = x rolled by `shifts` (one per dim) and flipped along the dims where `flips` is
    true; x and out C-contiguous of one shape, distinct memory."""
    if out.size:
        shape = np.array(out.shape, np.int64)
        # the source offset of each dim, reduced into [0, n): what source_index relies on
        sources = np.array([-s % n for s, n in zip(shifts, out.shape)], np.int64)
        _ROLL_FLIP[parallel_for(out.size)](
            x.reshape(-1), out.reshape(-1), shape, sources, np.array(flips, np.bool_)
        )
