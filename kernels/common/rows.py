"""Row rules both backends run: softmax / log_softmax forward and backward along any axis, and
layer_norm forward and backward over the last axis, each a `prange` over lines or rows that
the CPU compiles as is (kernels/cpu/rows.py, which documents the layouts) and CUDA runs a
line per thread (`per_slice`, kernels/cuda/rows.py).

The sums run in float64, in small helpers compiled with `reassoc` (what lets LLVM
vectorise a sum) and not inlined, so that the flag stays on their own instructions and
never reaches the range reduction of the inlined exp (where reassociation would fold
(x * log2e + 1.5 * 2**23) - 1.5 * 2**23 into x * log2e)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from . import fastmath
from .fastmath import extreme  # by name: the CUDA simulator resolves it so

FASTMATH = {"contract", "arcp", "nsz"}


SUMS = FASTMATH | {"reassoc"}


COLUMNS = 256  # weight/bias gradient columns per task: a block of rows' worth stays in L1


@njit(fastmath=SUMS, cache=True)
def row_sum(row):
    """The float64 sum of a 1-D array."""
    total = 0.0
    for k in range(row.size):
        total += row[k]
    return total


@njit(fastmath=SUMS, cache=True)
def row_dot(a, b):
    """The float64 dot product of two 1-D arrays of one size."""
    total = 0.0
    for k in range(a.size):
        total += np.float64(a[k]) * b[k]
    return total


@njit(fastmath=SUMS, cache=True)
def row_moments(row, shift):
    """(sum of row - shift, sum of (row - shift)^2) in float64: with shift a value of the
    row, the variance from these does not cancel the way E[x^2] - E[x]^2 does."""
    s1 = 0.0
    s2 = 0.0
    for k in range(row.size):
        d = np.float64(row[k]) - shift
        s1 += d
        s2 += d * d
    return s1, s2


@njit(fastmath=SUMS, cache=True)
def row_grad_sums(grad, x, weight, mean, rstd, affine):
    """(sum of g, sum of g * x_hat) over a row, g = grad * weight (grad when not
    `affine`), x_hat = (x - mean) * rstd: layer_norm backward's two row sums."""
    s1 = 0.0
    s2 = 0.0
    for k in range(x.size):
        g = np.float64(grad[k]) * weight[k] if affine else np.float64(grad[k])
        s1 += g
        s2 += g * ((x[k] - mean) * rstd)
    return s1, s2


@njit(cache=True)
def row_max(row):
    """The max of a non-empty 1-D array in its own type (NaN when one is NaN), vectorised as
    an integer max of order keys (see fastmath.extreme). Called, not inlined: inlined
    beside the exponentials' loop, the max's loop from 0 made the softmax row slower
    (rows of 32: 75.8 -> 102.7 us over 64K), called it makes it faster (60.6; AVX-512)."""
    return extreme(row, True)


@njit(inline="always")
def _softmax_row(x, out, log):
    """softmax (log_softmax) of the 1-D x into out: the max first, so exp never overflows;
    a row of -inf (max -inf, shifted to 0) sums to 0 and gives NaN, as in PyTorch."""
    top = row_max(x)
    top = top if top != -math.inf else type(top)(0.0)
    for k in range(x.size):
        out[k] = fastmath.exp(x[k] - top)
    total = row_sum(out)
    # the last pass runs in x's type: a float64 shift or scale (row_sum's float64 total)
    # made it convert every float32 element to float64 and back (log_softmax at 0.5x
    # PyTorch on rows of 64 to 1024, AVX-512)
    if log:
        shift = type(top)(fastmath.log(total))
        for k in range(x.size):
            out[k] = (x[k] - top) - shift
    else:
        # no 1 / 0 (raises in the simulator)
        scale = type(top)(1.0 / total if total > 0 else math.nan)
        for k in range(x.size):
            out[k] = out[k] * scale


@njit(inline="always")
def _softmax_backward_row(y, grad, out, log):
    """The input gradient of softmax (log_softmax) from its output y: y (g - sum(g y)),
    or g - exp(y) sum(g)."""
    # the float64 sums are rounded to y's type, so that the pass runs in it (see _softmax_row)
    if log:
        total = type(y[0])(row_sum(grad))
        for k in range(y.size):
            out[k] = grad[k] - fastmath.exp(y[k]) * total
    else:
        dot = type(y[0])(row_dot(grad, y))
        for k in range(y.size):
            out[k] = y[k] * (grad[k] - dot)


def softmax_lines(x, out, n, inner, log):
    """x, out: 1-D contiguous (outer*n*inner); softmax (log_softmax) along the middle axis.
    Line t starts at base < outer*n*inner - (n-1)*inner, so its n elements, inner apart,
    lie inside both arrays. Lines of the last axis (inner == 1) get their own loop, which
    finds a line without an integer division (one per line was measurable on rows of 64)."""
    if inner == 1:
        for t in prange(x.size // n):
            base = np.int64(t) * n
            _softmax_row(x[base : base + n], out[base : base + n], log)
    else:
        for t in prange(x.size // n):
            base = (np.int64(t) // inner) * n * inner + np.int64(t) % inner
            end = base + (n - 1) * inner + 1
            _softmax_row(x[base:end:inner], out[base:end:inner], log)


def softmax_backward_lines(y, grad, out, n, inner, log):
    """y (the forward's output), grad, out: 1-D contiguous (outer*n*inner); the input
    gradient along the middle axis, lines as in `softmax_lines`."""
    if inner == 1:
        for t in prange(y.size // n):
            base = np.int64(t) * n
            end = base + n
            _softmax_backward_row(y[base:end], grad[base:end], out[base:end], log)
    else:
        for t in prange(y.size // n):
            base = (np.int64(t) // inner) * n * inner + np.int64(t) % inner
            end = base + (n - 1) * inner + 1
            _softmax_backward_row(y[base:end:inner], grad[base:end:inner], out[base:end:inner], log)


def layer_norm_rows(x, weight, bias, out, mean, rstd, eps, has_weight, has_bias):
    """x, out: (rows, n) C-contiguous; weight, bias: (n,), read only when has_weight /
    has_bias; mean, rstd: (rows,) float64, written for the backward."""
    n = x.shape[1]
    for r in prange(x.shape[0]):
        row, o = x[r], out[r]
        shift = np.float64(row[0])
        s1, s2 = row_moments(row, shift)
        mu = shift + s1 / n
        rs = 1.0 / math.sqrt(max(s2 - s1 * (s1 / n), 0.0) / n + eps)
        mean[r] = mu
        rstd[r] = rs
        for k in range(n):
            v = (row[k] - mu) * rs
            if has_weight:
                v = v * weight[k]
            if has_bias:
                v = v + bias[k]
            o[k] = v


def layer_norm_backward_rows(grad, x, weight, mean, rstd, grad_x, has_weight):
    """grad_x = rstd (g - mean(g) - x_hat mean(g x_hat)), g = grad * weight, per row of the
    (rows, n) C-contiguous arrays."""
    n = x.shape[1]
    for r in prange(x.shape[0]):
        g, row, out = grad[r], x[r], grad_x[r]
        mu, rs = mean[r], rstd[r]
        s1, s2 = row_grad_sums(g, row, weight, mu, rs, has_weight)
        c1, c2 = s1 / n, s2 / n
        for k in range(n):
            gk = g[k] * weight[k] if has_weight else g[k]
            out[k] = rs * (gk - c1 - (row[k] - mu) * rs * c2)


def layer_norm_backward_columns(grad, x, mean, rstd, sums, grad_weight, grad_bias):
    """grad_weight[j] = sum over rows of grad * x_hat, grad_bias[j] = sum of grad, for the
    (rows, n) arrays; sums: (parts, 2, n) float64 scratch. The rows are cut into `parts`
    runs; a task owns COLUMNS columns of one run and walks its rows, so every load is a
    contiguous piece of a row; then each column adds up its parts. (With one part, a
    layer of width 128 or less was a single task: its weight gradient ran on one thread.)"""
    rows, n = x.shape
    parts = sums.shape[0]
    blocks = (n + COLUMNS - 1) // COLUMNS
    # part < parts = sums.shape[0] and j0 < j1 <= n = sums.shape[2] (the launcher sizes
    # sums from x), r < rows: every index below lies inside its array
    for task in prange(parts * blocks):
        part = np.int64(task) // blocks
        j0 = (np.int64(task) % blocks) * COLUMNS
        j1 = min(n, j0 + COLUMNS)
        ws, bs = sums[part, 0, j0:j1], sums[part, 1, j0:j1]
        for j in range(j1 - j0):
            ws[j] = 0.0
            bs[j] = 0.0
        for r in range(part * rows // parts, (part + 1) * rows // parts):
            g, row = grad[r, j0:j1], x[r, j0:j1]
            mu, rs = mean[r], rstd[r]
            for j in range(j1 - j0):
                ws[j] += g[j] * ((row[j] - mu) * rs)
                bs[j] += g[j]
    for j in prange(n):
        w = 0.0
        b = 0.0
        for part in range(parts):
            w += sums[part, 0, j]
            b += sums[part, 1, j]
        grad_weight[j] = w
        grad_bias[j] = b
