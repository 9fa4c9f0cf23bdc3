"""The copy of a strided array of any rank into a C-contiguous one (`contiguous()`, a
reshape that must copy, the clone of a view) in one parallel pass: the heads of a
transformer merged back (16 x 32 x 4 x 16 read from 16 x 4 x 32 x 16) or a
qkv projection's gradient gathered from three permuted ones (5 dims, one more than the
general strided kernels take, which split such a copy into a Python loop of launches)."""

from __future__ import annotations

import numpy as np
from numba import prange, uint64

from ..common.strided import coalesce
from ._launch import parallel_for, twins
from .matmul import flat_view

ROWS = 8  # rows of a plane per task: enough work to pay its index arithmetic


def _copy_planes(x, x_strides, shape, out):
    """out (1-D, C-contiguous) = x read as an array of `shape` (int64, rank >= 2) with
    element strides `x_strides` (int64, >= 0), converting to out's dtype. One task per
    ROWS rows of a plane (the last two dims): the plane's offset in x is unravelled once
    per task, then its rows are copied as runs (contiguous ones when the last stride is
    1, which vectorizes)."""
    ndim = shape.size
    rows, n = uint64(shape[ndim - 2]), uint64(shape[ndim - 1])
    row_stride, column_stride = uint64(x_strides[ndim - 2]), uint64(x_strides[ndim - 1])
    per_task = uint64(ROWS)
    blocks = (rows + per_task - uint64(1)) // per_task
    for task in prange(uint64(out.size) // (rows * n) * blocks):
        plane, first = uint64(task) // blocks, uint64(task) % blocks * per_task
        at, rest = uint64(0), plane
        for d in range(ndim - 3, -1, -1):
            at += rest % uint64(shape[d]) * uint64(x_strides[d])
            rest //= uint64(shape[d])
        for i in range(first, min(first + per_task, rows)):
            src = at + i * row_stride
            # row i of plane `plane` of out: (plane * rows + i) * n + j < out.size
            dst = (plane * rows + i) * n
            if column_stride == 1:
                for j in range(n):
                    out[dst + j] = x[src + j]
            else:
                for j in range(n):
                    out[dst + j] = x[src + j * column_stride]


_serial, _parallel = twins(_copy_planes)


def copy_to_contiguous(x: np.ndarray, out: np.ndarray) -> bool:
    """out[...] = x for out C-contiguous and x of its shape (a broadcast view welcome),
    any rank; False (nothing done) where x has a negative or unaligned stride, which
    the general strided kernels handle. The reads stay inside x: `flat_view` spans every
    element x's shape and strides reach."""
    if out.size == 0:
        return True
    if any(s < 0 or s % x.itemsize for n, s in zip(x.shape, x.strides) if n != 1):
        return False
    flat, strides = flat_view(x)  # its strides: it copies x where a size-1 dim runs back
    elements = [0 if n == 1 else s for n, s in zip(x.shape, strides)]
    contiguous = [s // out.itemsize for s in out.strides]
    shape, (x_strides, _) = coalesce(out.shape, [elements, contiguous])
    pad = max(0, 2 - len(shape))
    shape = np.array((1,) * pad + shape, np.int64)
    x_strides = np.array((0,) * pad + x_strides, np.int64)
    kernel = _parallel if parallel_for(out.size) else _serial
    kernel(flat, x_strides, shape, out.reshape(-1))
    return True


__all__ = ["copy_to_contiguous"]
