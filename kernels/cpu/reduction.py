"""Reduction kernels: sum, mean, prod, max/min, argmax/argmin, all/any, norm, var,
logsumexp over one axis, plus cumsum and cross-entropy rows (softmax: rows.py).

Layout: the input is a C-contiguous array seen as (outer, n, inner) and reduced over the
middle axis, so a reduction over any single dim of a contiguous tensor needs no copy;
the output is (outer, inner). Each op is an opcode closed over by a factory (see
elementwise.py for why). Accumulation runs in the `zero` the launcher passes: float64 for
floating inputs (float32 sums keep their accuracy), int64 for integers and bool.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ..common import fastmath
from ..common.elementwise import Lazy, with_globals
from ..common.fastmath import from_order_key, order_key
from ..common.reduction import (
    CHUNKABLE,
    COMBINE,
    MAX,
    MEAN,
    MIN,
    SUM,
    cross_entropy_rows,
    cross_entropy_rows_backward,
    cross_entropy_total,
    finalize,
    logaddexp_scan_line,
    range_reducer,
    scan_line,
    soft_cross_entropy_rows,
    soft_cross_entropy_rows_backward,
)
from ..common.rows import row_max, row_sum
from ._launch import parallel_for, twins

CHUNK = 1 << 15
COLUMNS = 256  # outputs per task when reducing over a non-last axis
FASTMATH = {"contract", "arcp", "nsz", "reassoc"}  # reassoc lets the sums vectorize


def _family(op):
    def axis(x, out, n, inner, zero, p, count):
        """x: 1-D contiguous (outer*n*inner); out: 1-D contiguous (outer*inner). `count`
        is the number of elements a mean divides by (n, unless x holds partial sums)."""
        for t in prange(out.size):
            o = np.int64(t) // inner
            j = np.int64(t) % inner
            acc, idx = reduce_range(x, o * n * inner + j, n, inner, zero, p)  # noqa: F821 - with_globals binds it
            out[t] = finalize(op, acc, idx, count, p)

    def chunks(x, partials, zero, p):
        """x: 1-D contiguous; partials[c] = reduction of chunk c of CHUNK elements."""
        # Numba's disk cache keys a kernel on its bytecode and closure, not on the bound
        # global reduce_range: naming `op` puts it in the closure, or every op's chunks
        # kernel would load the first one cached (a max came back as a sum)
        _ = op
        for c in prange(partials.size):
            start = np.int64(c) * CHUNK
            acc, _ = reduce_range(x, start, min(CHUNK, x.size - start), 1, zero, p)  # noqa: F821 - with_globals binds it
            partials[c] = acc

    def columns(x, out, n, inner, zero, count):
        """Sum/mean over the middle axis when inner > 1: a block of COLUMNS outputs
        accumulates row after row, so the loads are contiguous and vectorise."""
        blocks = (inner + COLUMNS - 1) // COLUMNS
        for t in prange((out.size // inner) * blocks):
            o = np.int64(t) // blocks
            j0 = (np.int64(t) % blocks) * COLUMNS
            width = min(COLUMNS, inner - j0)
            acc = np.full(COLUMNS, zero)
            for k in range(n):
                start = (o * n + k) * inner + j0
                row = x[start : start + width]
                for j in range(width):
                    acc[j] += row[j]
            for j in range(width):
                out[o * inner + j0 + j] = acc[j] / count if op == MEAN else acc[j]

    # the op's reducer as a global of the kernels (see with_globals: a closure over it
    # would miss the disk cache in every new process)
    axis, chunks = (with_globals(f, reduce_range=range_reducer(op)) for f in (axis, chunks))
    options = {"fastmath": FASTMATH, "error_model": "numpy"}
    sums = op in (SUM, MEAN)
    columns_serial, columns_parallel = twins(columns, **options) if sums else (None, None)
    return (
        *twins(axis, **options),
        njit(parallel=True, cache=True, **options)(chunks),
        columns_parallel,
        columns_serial,
    )


_FAMILIES = Lazy(_family)


def _extreme_columns(x, out, n, inner, largest):
    """max (min when not `largest`) over the middle axis when inner > 1, x and out as in
    `reduce`: a block of COLUMNS outputs keeps their order keys (a NaN's is the largest)
    and takes an integer max with row after row, so the loads are contiguous and the loop
    vectorises (walking each column with a NaN branch per element ran at 0.001x PyTorch
    on a 1024x1024 amax(dim=0), AVX-512). Task t reads rows o*n .. o*n + n - 1 of width
    <= COLUMNS from column j0 < inner, so every offset stays inside x and out."""
    blocks = (inner + COLUMNS - 1) // COLUMNS
    for t in prange((out.size // inner) * blocks):
        o = np.int64(t) // blocks
        j0 = (np.int64(t) % blocks) * COLUMNS
        width = min(COLUMNS, inner - j0)
        first = x[o * n * inner + j0 : o * n * inner + j0 + width]
        keys = np.empty(COLUMNS, np.int64)
        for j in range(width):
            keys[j] = order_key(first[j], largest, False)
        for k in range(1, n):
            start = (o * n + k) * inner + j0
            row = x[start : start + width]
            for j in range(width):
                keys[j] = max(keys[j], order_key(row[j], largest, False))
        for j in range(width):
            out[o * inner + j0 + j] = from_order_key(keys[j], first[0], largest)


_EXTREME_COLUMNS = twins(_extreme_columns, fastmath=FASTMATH, error_model="numpy")


def reduce(op: int, x: np.ndarray, out: np.ndarray, n: int, inner: int, p: float = 0.0):
    """out[o, j] = op over k of x[o, k, j], x C-contiguous of outer*n*inner elements and
    out C-contiguous of outer*inner. p: the norm's order or var's correction."""
    if out.size == 0:
        return
    floating = x.dtype.kind == "f"
    zero = np.float64(0) if floating else np.int64(0)
    serial, parallel, chunked, columns, serial_columns = _FAMILIES[op]
    flat_x, flat_out = x.reshape(-1), out.reshape(-1)
    if op in CHUNKABLE and out.size == 1 and parallel_for(x.size) and n > CHUNK:
        partials = np.empty((n + CHUNK - 1) // CHUNK, np.float64 if floating else np.int64)
        chunked(flat_x, partials, zero, p)
        # a mean's partials are sums; the combining pass divides by the true count
        combine_op = COMBINE.get(op, op) if op != MEAN else MEAN
        _FAMILIES[combine_op][0](partials, flat_out, partials.size, 1, zero, p, n)
        return
    if columns is not None and inner > 1:
        (columns if parallel_for(x.size) else serial_columns)(flat_x, flat_out, n, inner, zero, n)
        return
    if op in (MAX, MIN) and inner > 1 and n > 0:  # n == 0 raises above this layer
        extreme_serial, extreme_parallel = _EXTREME_COLUMNS
        (extreme_parallel if parallel_for(x.size) else extreme_serial)(
            flat_x, flat_out, n, inner, op == MAX
        )
        return
    (parallel if parallel_for(x.size) and out.size > 1 else serial)(
        flat_x, flat_out, n, inner, zero, p, n
    )


def flat_reduction(op: int) -> tuple:
    """(kernel, CHUNK) for callers that reduce all of a 1-D contiguous float array of at
    most CHUNK elements into a 1-element out (the eager fast lane,
    numbatorch/ops/_lane.py): `reduce`'s serial kernel of `op`, called
    (x, out, n, 1, np.float64(0), 0.0, n) with n = x.size."""
    return _FAMILIES[op][0], CHUNK


# --- scans and cross-entropy rows ------------------------------------------------------------


def _scan(x, out, n, inner, start, multiply):
    """x, out: 1-D contiguous (outer*n*inner); running sum (product with `multiply`) along
    the middle axis, from `start` (0 or 1 of the accumulator's type)."""
    for t in prange(x.size // n):
        base = (np.int64(t) // inner) * n * inner + np.int64(t) % inner
        scan_line(x, out, base, n, inner, start, multiply)


_scan_serial, _scan_parallel = twins(_scan)


@njit(fastmath={"contract", "arcp", "nsz"}, cache=True)
def _row_max_and_exp_sum(x, base, n):
    """`row_max_and_exp_sum` (kernels/common/reduction.py) in passes that LLVM vectorises:
    the max as order keys, the exponentials into a scratch row, their sum in a `reassoc`
    helper. The one-pass rule's running sum cannot vectorise without `reassoc`, which must
    not reach exp's range reduction: cross-entropy over 512 rows of 100 took 244 us, 10x
    PyTorch's (AVX-512). Not inlined, so that the parallel twins reuse it compiled. Reads
    only the slice's elements; a row of no classes gives (-inf, 1), as the shared rule."""
    if n == 0:
        return -math.inf, 1.0
    row = x[base : base + n]
    top = row_max(row)
    top = top if top != -math.inf else type(top)(0.0)  # all -inf: exp never sees inf - inf
    exps = np.empty(row.size, x.dtype)
    for k in range(row.size):
        exps[k] = fastmath.exp(row[k] - top)
    return top, row_sum(exps)


_ce_rows = njit(inline="always")(
    with_globals(cross_entropy_rows, row_max_and_exp_sum=_row_max_and_exp_sum)
)
_ce_total = njit(inline="always")(cross_entropy_total)


def _cross_entropy(x, target, ignore_index, mean, lse, losses, valid, total, count, bad):
    """The rows of `cross_entropy_rows`, then their reduced loss (`cross_entropy_total`),
    in one launch: a training step's loss costs one kernel call, not four."""
    bad[0] = 0
    if target.size:
        _ce_rows(x, target, ignore_index, lse, losses, valid, bad)
    _ce_total(losses, valid, mean, total, count)


# error_model="numpy": a mean over no kept rows is 0 / 0 = nan, as in PyTorch
_CE_FORWARD = twins(_cross_entropy, fastmath={"contract", "arcp", "nsz"}, error_model="numpy")
_CE_BACKWARD = twins(
    cross_entropy_rows_backward, fastmath={"contract", "arcp", "nsz"}, error_model="numpy"
)
_SOFT_CE_FORWARD = twins(
    with_globals(soft_cross_entropy_rows, row_max_and_exp_sum=_row_max_and_exp_sum),
    fastmath={"contract", "arcp", "nsz"},
)
_SOFT_CE_BACKWARD = twins(soft_cross_entropy_rows_backward, fastmath={"contract", "arcp", "nsz"})


def _run_scan(x: np.ndarray, out: np.ndarray, n: int, inner: int, multiply: bool) -> None:
    if x.size:
        start = (np.float64 if x.dtype.kind == "f" else np.int64)(int(multiply))
        kernel = _scan_parallel if parallel_for(x.size) else _scan_serial
        kernel(x.reshape(-1), out.reshape(-1), n, inner, start, multiply)


def cumsum(x: np.ndarray, out: np.ndarray, n: int, inner: int) -> None:
    """Running sum of C-contiguous x (outer, n, inner) along n into out (same shape)."""
    _run_scan(x, out, n, inner, False)


def cumprod(x: np.ndarray, out: np.ndarray, n: int, inner: int) -> None:
    """Running product of C-contiguous x (outer, n, inner) along n into out (same shape)."""
    _run_scan(x, out, n, inner, True)


def cross_entropy_forward(x, target, ignore_index: int, mean: bool, lse, losses, valid, total,
                          count, bad) -> None:  # fmt: skip
    """Cross-entropy of the rows of C-contiguous logits x (M, C) at class indices target
    (M,) int64: lse, losses, valid (M,) and bad (1,) as in `cross_entropy_rows` (bad[0]
    is 0 when every kept target is in range; no initial value needed), and total, count
    (1,) as in `cross_entropy_total`: the loss of reduction 'mean' or 'sum'."""
    serial, parallel = _CE_FORWARD
    (parallel if parallel_for(x.size) else serial)(
        x.reshape(-1), target, ignore_index, mean, lse, losses, valid, total, count, bad
    )


def cross_entropy_backward(x, target, ignore_index: int, lse, grad, count, mean: bool,
                           grad_x) -> None:  # fmt: skip
    """grad_x (M, C) of `cross_entropy_forward`'s losses (rows of x and lse as there), the
    loss's gradient grad C-contiguous of M elements (reduction 'none') or of one, divided
    by count (1,) with `mean`, as in `cross_entropy_rows_backward`; 0 on rows whose
    target is ignore_index."""
    if target.size:
        serial, parallel = _CE_BACKWARD
        (parallel if parallel_for(x.size) else serial)(
            x.reshape(-1), target, ignore_index, lse, grad.reshape(-1), count, mean,
            grad_x.reshape(-1),
        )  # fmt: skip


def soft_cross_entropy_forward(x, probs, target, weight, ignore_index: int, smoothing: float,
                               lse, losses, mass, counts, bad) -> None:  # fmt: skip
    """Cross-entropy of the rows of C-contiguous logits x (M, C) against class
    probabilities probs (M, C) or class indices target (M,) int64 (the other one None),
    with class weights weight (C,) and label smoothing: lse, losses, mass, counts (M,) and
    bad (1,)
    as in `kernels.common.reduction.soft_cross_entropy_rows`; bad[0] must be 0 on entry."""
    if lse.size:
        probs, target = _soft_targets(x, probs, target)
        (_SOFT_CE_FORWARD[1] if parallel_for(x.size) else _SOFT_CE_FORWARD[0])(
            x.reshape(-1), probs, target, weight, ignore_index, float(smoothing), lse, losses,
            mass, counts, bad,
        )  # fmt: skip


def soft_cross_entropy_backward(x, probs, target, weight, ignore_index: int, smoothing: float,
                                lse, mass, row_scale, grad_x) -> None:  # fmt: skip
    """grad_x (M, C) of `soft_cross_entropy_forward`'s losses, each row scaled by
    row_scale (M,), from its saved lse and mass."""
    if lse.size:
        probs, target = _soft_targets(x, probs, target)
        (_SOFT_CE_BACKWARD[1] if parallel_for(x.size) else _SOFT_CE_BACKWARD[0])(
            x.reshape(-1), probs, target, weight, ignore_index, float(smoothing), lse, mass,
            row_scale, grad_x.reshape(-1),
        )  # fmt: skip


def _soft_targets(x, probs, target):
    """(probs, target) as 1-D arrays, the missing one empty: one kernel signature serves
    both kinds of target."""
    if probs is None:
        return x.reshape(-1)[:0], target
    return probs.reshape(-1), np.empty(0, np.int64)


def _log_scan(x, out, n, inner):
    """x, out: 1-D contiguous (outer*n*inner); running log-sum-exp along the middle axis."""
    for t in prange(x.size // n):
        base = (np.int64(t) // inner) * n * inner + np.int64(t) % inner
        logaddexp_scan_line(x, out, base, n, inner)


_log_scan_serial, _log_scan_parallel = twins(_log_scan)


def logcumsumexp(x: np.ndarray, out: np.ndarray, n: int, inner: int) -> None:
    """Running log(sum(exp)) of C-contiguous float x (outer, n, inner) along n into out."""
    if x.size:
        kernel = _log_scan_parallel if parallel_for(x.size) else _log_scan_serial
        kernel(x.reshape(-1), out.reshape(-1), n, inner)
