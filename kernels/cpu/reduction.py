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
from ..common.fastmath import extreme
from ._launch import parallel_for, twins

(SUM, MEAN, PROD, MAX, MIN, ARGMAX, ARGMIN, ALL, ANY, NORM, VAR, LOGSUMEXP) = range(12)

# ops whose partial results over chunks combine with the op itself (a full reduction of a
# large array splits into parallel chunks only for these)
_CHUNKABLE = frozenset({SUM, MEAN, PROD, MAX, MIN, ALL, ANY})
CHUNK = 1 << 15
COLUMNS = 256  # outputs per task when reducing over a non-last axis
FASTMATH = {"contract", "arcp", "nsz", "reassoc"}  # reassoc lets the sums vectorize


@njit(inline="always")
def _line_extreme(row, largest):
    """max (min when not `largest`) of a non-empty contiguous row, NaN if any is NaN, as an
    integer max over order keys: no NaN branch in the loop, so it vectorises."""
    return extreme(row, largest)


ARG_BLOCK = 256  # elements per block of the vectorised argmax scan


@njit(inline="always")
def _line_arg_extreme(row, largest):
    """The index of the first max (min) of a non-empty contiguous row, or of its first NaN
    (PyTorch's rule). Blocks of ARG_BLOCK get a vectorised integer max of their order keys;
    only a block that beats the best so far (strictly, so the first one wins ties) is
    remembered, and the first index holding the best key is searched in that block alone."""
    n = row.size
    best = fastmath.order_key(row[0], largest, True)
    best_block = 0
    for b in range(0, n, ARG_BLOCK):
        block = row[b : min(b + ARG_BLOCK, n)]
        top = fastmath.order_key(block[0], largest, True)
        for k in range(1, block.size):
            top = max(top, fastmath.order_key(block[k], largest, True))
        if top > best:
            best, best_block = top, b
    block = row[best_block : min(best_block + ARG_BLOCK, n)]
    for k in range(block.size):
        if fastmath.order_key(block[k], largest, True) == best:
            return best_block + k
    return 0  # not reached: the best key is in its block


@njit(inline="always")
def _reduce_range(op, x, start, n, step, zero, p):
    """Reduce x[start + k*step] for k < n; returns (accumulator, index)."""
    idx = 0
    if (op == SUM or op == MEAN) and step == 1:
        # a slice indexed from 0: no wraparound checks, so LLVM vectorises the sum
        acc = zero
        row = x[start : start + n]
        for k in range(n):
            acc += row[k]
    elif op == SUM or op == MEAN:
        acc = zero
        for k in range(n):
            acc += x[start + k * step]
    elif op == PROD:
        acc = zero + 1
        for k in range(n):
            acc *= x[start + k * step]
    elif (op == MAX or op == MIN) and step == 1:
        # a conversion, not zero + value, which would turn -0 into +0
        acc = type(zero)(_line_extreme(x[start : start + n], op == MAX))
    elif (op == ARGMAX or op == ARGMIN) and step == 1:
        idx = _line_arg_extreme(x[start : start + n], op == ARGMAX)
        acc = zero
    elif op == MAX or op == ARGMAX:
        acc = zero + x[start]
        for k in range(1, n):
            v = x[start + k * step]
            if (v > acc or v != v) and acc == acc:
                acc, idx = zero + v, k
    elif op == MIN or op == ARGMIN:
        acc = zero + x[start]
        for k in range(1, n):
            v = x[start + k * step]
            if (v < acc or v != v) and acc == acc:
                acc, idx = zero + v, k
    elif op == ALL:
        acc = zero + 1
        for k in range(n):
            if x[start + k * step] == 0:
                acc = zero
                break
    elif op == ANY:
        acc = zero
        for k in range(n):
            if x[start + k * step] != 0:
                acc = zero + 1
                break
    elif op == NORM:
        acc = zero
        if p == math.inf:
            for k in range(n):
                acc = max(acc, abs(x[start + k * step]))
        elif p == 2:
            for k in range(n):
                v = x[start + k * step]
                acc += v * v
        else:
            for k in range(n):
                acc += abs(x[start + k * step]) ** p
    elif op == VAR:  # two passes: mean, then squared deviations (p = correction)
        mean = zero
        for k in range(n):
            mean += x[start + k * step]
        mean /= n
        acc = zero
        for k in range(n):
            d = x[start + k * step] - mean
            acc += d * d
    else:  # LOGSUMEXP, stable: max first
        top = zero + x[start]
        for k in range(1, n):
            top = max(top, x[start + k * step])
        acc = zero
        for k in range(n):
            acc += math.exp(x[start + k * step] - top)
        idx = 0
        acc = math.log(acc) + top if abs(top) != math.inf else top
    return acc, idx


@njit(inline="always")
def _finalize(op, acc, idx, n, p):
    if op == MEAN:
        return acc / n
    if op == ARGMAX or op == ARGMIN:
        return idx
    if op == NORM and p != 2 and p != math.inf:
        return acc ** (1 / p)
    if op == NORM and p == 2:
        return math.sqrt(acc)
    if op == VAR:
        return acc / max(n - p, 0)
    return acc


def _family(op):
    def axis(x, out, n, inner, zero, p, count):
        """x: 1-D contiguous (outer*n*inner); out: 1-D contiguous (outer*inner). `count`
        is the number of elements a mean divides by (n, unless x holds partial sums)."""
        for t in prange(out.size):
            o = np.int64(t) // inner
            j = np.int64(t) % inner
            acc, idx = _reduce_range(op, x, o * n * inner + j, n, inner, zero, p)
            out[t] = _finalize(op, acc, idx, count, p)

    def chunks(x, partials, zero, p):
        """x: 1-D contiguous; partials[c] = reduction of chunk c of CHUNK elements."""
        for c in prange(partials.size):
            start = np.int64(c) * CHUNK
            acc, _ = _reduce_range(op, x, start, min(CHUNK, x.size - start), 1, zero, p)
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

    options = {"fastmath": FASTMATH, "error_model": "numpy"}
    sums = op in (SUM, MEAN)
    columns_serial, columns_parallel = twins(columns, **options) if sums else (None, None)
    return (
        *twins(axis, **options),
        njit(parallel=True, cache=True, **options)(chunks),
        columns_parallel,
        columns_serial,
    )


class _Lazy(dict):
    def __init__(self, factory):
        super().__init__()
        self.factory = factory

    def __missing__(self, key):
        value = self[key] = self.factory(key)
        return value


_FAMILIES = _Lazy(_family)
_COMBINE = {ALL: MIN, ANY: MAX}


def reduce(op: int, x: np.ndarray, out: np.ndarray, n: int, inner: int, p: float = 0.0):
    """out[o, j] = op over k of x[o, k, j], x C-contiguous of outer*n*inner elements and
    out C-contiguous of outer*inner. p: the norm's order or var's correction."""
    if out.size == 0:
        return
    floating = x.dtype.kind == "f"
    zero = np.float64(0) if floating else np.int64(0)
    serial, parallel, chunked, columns, serial_columns = _FAMILIES[op]
    flat_x, flat_out = x.reshape(-1), out.reshape(-1)
    if op in _CHUNKABLE and out.size == 1 and parallel_for(x.size) and n > CHUNK:
        partials = np.empty((n + CHUNK - 1) // CHUNK, np.float64 if floating else np.int64)
        chunked(flat_x, partials, zero, p)
        # a mean's partials are sums; the combining pass divides by the true count
        combine_op = _COMBINE.get(op, op) if op != MEAN else MEAN
        _FAMILIES[combine_op][0](partials, flat_out, partials.size, 1, zero, p, n)
        return
    if columns is not None and inner > 1:
        (columns if parallel_for(x.size) else serial_columns)(flat_x, flat_out, n, inner, zero, n)
        return
    (parallel if parallel_for(x.size) and out.size > 1 else serial)(
        flat_x, flat_out, n, inner, zero, p, n
    )


# --- scans and cross-entropy rows ------------------------------------------------------------


def _scan(x, out, n, inner, start, multiply):
    """x, out: 1-D contiguous (outer*n*inner); running sum (product with `multiply`) along
    the middle axis, from `start` (0 or 1 of the accumulator's type)."""
    for t in prange(x.size // n):
        o = np.int64(t) // inner
        j = np.int64(t) % inner
        base = o * n * inner + j
        acc = start
        for k in range(n):
            if multiply:
                acc *= x[base + k * inner]
            else:
                acc += x[base + k * inner]
            out[base + k * inner] = acc


@njit(inline="always")
def line_max_and_exp_sum(x, base, n, step):
    """The max of the line x[base + k*step], k < n (0 when all are -inf, so exp never sees
    inf - inf), and the sum of exp(x - max) over it: the stable log-sum-exp's two parts,
    shared by softmax and cross-entropy on both devices."""
    top = x[base]
    for k in range(1, n):
        top = max(top, x[base + k * step])
    if top == -math.inf:
        top = type(top)(0.0)  # in x's type: a float64 top would make exp run in float64
    total = 0.0
    for k in range(n):
        total += fastmath.exp(x[base + k * step] - top)
    return top, total


def _cross_entropy_rows(x, target, ignore_index, lse, losses, valid, bad):
    """x: 1-D contiguous (M*C); target: (M,) int64. Per row r: lse[r] = log(sum(exp(x[r])))
    (max subtracted first), losses[r] = lse[r] - x[r, target[r]] and valid[r] = 1, or both
    0 where target[r] == ignore_index. A target outside [0, C) sets bad[0] = 1."""
    m = target.size
    c = x.size // m
    for r in prange(m):
        base = np.int64(r) * c
        top, total = line_max_and_exp_sum(x, base, c, 1)
        lse[r] = top + math.log(total)
        t = target[r]
        losses[r] = 0
        valid[r] = 0
        if t != ignore_index:
            if t < 0 or t >= c:
                bad[0] = 1
            else:
                losses[r] = lse[r] - x[base + t]  # t in [0, c): tested just above
                valid[r] = 1


def _cross_entropy_rows_backward(x, target, ignore_index, lse, row_scale, grad_x):
    """grad_x[r] = row_scale[r] * (softmax(x[r]) - onehot(target[r])), from the saved
    lse; exactly 0 where target[r] == ignore_index (whatever row_scale holds there: a mean
    over no targets is nan, its gradient is 0 as in PyTorch)."""
    m = target.size
    c = x.size // m
    for r in prange(m):
        base = np.int64(r) * c
        t = target[r]
        scale = row_scale[r] if t != ignore_index else type(row_scale[r])(0.0)
        for k in range(c):
            grad_x[base + k] = scale * fastmath.exp(x[base + k] - lse[r])
        if t != ignore_index:
            # t in [0, c): forward raised on any other target, which autograd saved
            grad_x[base + t] -= scale


@njit(inline="always")
def soft_target(probs, target, weight, smoothing, base, k, t):
    """q[k] of a row's target distribution: weight[k] ((1 - smoothing) p[k] + smoothing / C),
    p[k] = probs[base + k] (probabilities, when target is empty) or [k == t] (class index t;
    the caller passes a t in [0, C)). C = weight.size."""
    p = probs[base + k] if target.size == 0 else (1.0 if k == t else 0.0)
    return weight[k] * ((1.0 - smoothing) * p + smoothing / weight.size)


def _soft_cross_entropy_rows(x, probs, target, weight, ignore_index, smoothing, lse, losses,
                             mass, counts, bad):  # fmt: skip
    """Cross-entropy of the rows of x (1-D contiguous M*C) against the target distribution
    q of `soft_target` (probs: M*C, or target: (M,) int64 with the other one empty):
    lse[r] = log sum exp x[r], losses[r] = sum_k q[k] (lse[r] - x[r, k]), mass[r] = sum q[k],
    counts[r] = weight[t] (indices) or 1 (probabilities), the mean's share. A row whose
    class is ignore_index has q = 0; a class outside [0, C) sets bad[0] = 1 and counts as
    ignored."""
    m = lse.size
    c = x.size // m
    for r in prange(m):
        base = np.int64(r) * c
        top, total = line_max_and_exp_sum(x, base, c, 1)
        row_lse = top + math.log(total)
        lse[r] = row_lse
        t = target[r] if target.size else np.int64(0)
        skip = target.size > 0 and t == ignore_index
        if target.size and not skip and (t < 0 or t >= c):
            bad[0] = 1
            skip = True
        loss = 0.0
        total_q = 0.0
        counts[r] = 0.0 if skip else (weight[t] if target.size else 1.0)  # t in [0, C) here
        if not skip:
            for k in range(c):
                q = soft_target(probs, target, weight, smoothing, base, k, t)
                loss += q * (row_lse - x[base + k])
                total_q += q
        losses[r] = loss
        mass[r] = total_q


def _soft_cross_entropy_rows_backward(x, probs, target, weight, ignore_index, smoothing, lse,
                                      mass, row_scale, grad_x):  # fmt: skip
    """grad_x[r, k] = row_scale[r] (softmax(x[r])[k] mass[r] - q[k]), the inputs as in
    `_soft_cross_entropy_rows`; exactly 0 on ignored rows (the forward raised on a class
    outside [0, C), so every other t indexes within the row)."""
    m = lse.size
    c = x.size // m
    for r in prange(m):
        base = np.int64(r) * c
        t = target[r] if target.size else np.int64(0)
        skip = target.size > 0 and t == ignore_index
        scale = row_scale[r] if not skip else type(row_scale[r])(0.0)
        for k in range(c):
            q = soft_target(probs, target, weight, smoothing, base, k, t) if not skip else 0.0
            grad_x[base + k] = scale * (fastmath.exp(x[base + k] - lse[r]) * mass[r] - q)


_scan_serial, _scan_parallel = twins(_scan)
_CE_FORWARD = twins(_cross_entropy_rows, fastmath={"contract", "arcp", "nsz"})
_CE_BACKWARD = twins(_cross_entropy_rows_backward, fastmath={"contract", "arcp", "nsz"})
_SOFT_CE_FORWARD = twins(_soft_cross_entropy_rows, fastmath={"contract", "arcp", "nsz"})
_SOFT_CE_BACKWARD = twins(_soft_cross_entropy_rows_backward, fastmath={"contract", "arcp", "nsz"})


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


def cross_entropy_forward(x, target, ignore_index: int, lse, losses, valid, bad) -> None:
    """Cross-entropy of the rows of C-contiguous logits x (M, C) at class indices target
    (M,) int64: lse, losses, valid (M,) and bad (1,) as in `_cross_entropy_rows`; bad[0]
    must be 0 on entry."""
    if target.size:
        serial, parallel = _CE_FORWARD
        (parallel if parallel_for(x.size) else serial)(
            x.reshape(-1), target, ignore_index, lse, losses, valid, bad
        )


def cross_entropy_backward(x, target, ignore_index: int, lse, row_scale, grad_x) -> None:
    """grad_x (M, C) = row_scale[:, None] * (softmax(x) - onehot(target)), rows of x and
    lse as in `cross_entropy_forward`, 0 on rows whose target is ignore_index."""
    if target.size:
        serial, parallel = _CE_BACKWARD
        (parallel if parallel_for(x.size) else serial)(
            x.reshape(-1), target, ignore_index, lse, row_scale, grad_x.reshape(-1)
        )


def soft_cross_entropy_forward(x, probs, target, weight, ignore_index: int, smoothing: float,
                               lse, losses, mass, counts, bad) -> None:  # fmt: skip
    """Cross-entropy of the rows of C-contiguous logits x (M, C) against class
    probabilities probs (M, C) or class indices target (M,) int64 (the other one None),
    with class weights weight (C,) and label smoothing: lse, losses, mass, counts (M,) and
    bad (1,)
    as in `_soft_cross_entropy_rows`; bad[0] must be 0 on entry."""
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
