"""Row kernels: softmax / log_softmax forward and backward along any axis, and layer_norm
forward and backward over the last axis, each one kernel whose rows stay in cache
between their few passes (max, sum of exponentials, write), parallel over rows.

Layout: softmax sees a C-contiguous (outer, n, inner) array and works along the middle
axis, a line at a time; a line of the last axis (inner == 1) is a contiguous slice, which
LLVM vectorises, any other a strided view. layer_norm sees C-contiguous (rows, n).
The rules themselves, and their float64 sums, live in kernels/common/rows.py, which the
CUDA backend runs on one line per thread (`per_slice`).
"""

from __future__ import annotations

import numba
import numpy as np

from ..common import rows as common
from ..common.rows import FASTMATH
from ._launch import parallel_for, twins

# error_model="numpy": a float division by zero gives inf or NaN, as on the GPU
_OPTIONS = {"fastmath": FASTMATH, "error_model": "numpy"}
_SOFTMAX = twins(common.softmax_lines, calls=("_softmax_row",), **_OPTIONS)
_SOFTMAX_BACKWARD = twins(common.softmax_backward_lines, calls=("_softmax_backward_row",),
                          **_OPTIONS)  # fmt: skip
_LAYER_NORM = twins(common.layer_norm_rows, **_OPTIONS)
_LAYER_NORM_ROWS = twins(common.layer_norm_backward_rows, **_OPTIONS)
_LAYER_NORM_COLUMNS = twins(common.layer_norm_backward_columns, **_OPTIONS)


def _pick(kernels, numel: int):
    serial, parallel = kernels
    return parallel if parallel_for(numel) else serial


def _parts(shape: tuple, parallel: bool) -> int:
    """Runs of rows layer_norm's weight gradient sums separately: enough tasks for every
    thread (two each) when the columns alone are too few, and runs of 64 rows or more."""
    rows, n = shape
    if not parallel:
        return 1
    blocks = -(-n // common.COLUMNS)  # column blocks, rounded up
    runs = -(-2 * numba.get_num_threads() // blocks)
    return max(1, min(rows // 64, runs))


def softmax(x: np.ndarray, out: np.ndarray, n: int, inner: int, log: bool) -> None:
    """Softmax or log_softmax of C-contiguous x (outer, n, inner) along n into out."""
    if x.size:
        _pick(_SOFTMAX, x.size)(x.reshape(-1), out.reshape(-1), n, inner, log)


def softmax_backward(y, grad, out, n: int, inner: int, log: bool) -> None:
    """The input gradient of softmax (log_softmax) along n of C-contiguous (outer, n,
    inner) arrays, from the forward's output y and the output gradient grad."""
    if y.size:
        _pick(_SOFTMAX_BACKWARD, y.size)(
            y.reshape(-1), grad.reshape(-1), out.reshape(-1), n, inner, log
        )


def layer_norm_forward(x, weight, bias, out, mean, rstd, eps: float) -> None:
    """layer_norm of the rows of C-contiguous x (rows, n) into out; weight and bias are
    (n,) arrays or None; mean and rstd (rows,) float64 receive the statistics."""
    if x.size:
        dummy = x[0]  # typed stand-in for a missing weight or bias; never read
        _pick(_LAYER_NORM, x.size)(
            x, dummy if weight is None else weight, dummy if bias is None else bias,
            out, mean, rstd, float(eps), weight is not None, bias is not None,
        )  # fmt: skip


def layer_norm_backward(grad, x, weight, mean, rstd, grad_x, grad_weight, grad_bias) -> None:
    """layer_norm's gradients for C-contiguous (rows, n) grad and x and the saved (rows,)
    mean and rstd: grad_x (rows, n) when not None, and grad_weight and grad_bias (n,)
    when not None (both or neither)."""
    if x.size == 0:
        return
    if grad_x is not None:
        _pick(_LAYER_NORM_ROWS, x.size)(
            grad, x, x[0] if weight is None else weight, mean, rstd, grad_x, weight is not None
        )
    if grad_weight is not None:
        kernel = _pick(_LAYER_NORM_COLUMNS, x.size)
        parts = _parts(x.shape, kernel is _LAYER_NORM_COLUMNS[1])
        sums = np.empty((parts, 2, x.shape[1]), np.float64)
        kernel(grad, x, mean, rstd, sums, grad_weight, grad_bias)


__all__ = ["layer_norm_backward", "layer_norm_forward", "softmax", "softmax_backward"]
