"""The reductions both backends share: their opcodes, and the scalar loops that reduce
one line of an (outer, n, inner) array and finish its result (`reduce_range`,
`finalize`), which the CPU kernels (kernels/cpu/reduction.py) inline and the CUDA
kernels (kernels/cuda/reduction.py) run per thread; and the cross-entropy row bodies,
a `prange` over rows that the CPU compiles as is and CUDA runs a row per thread."""

from __future__ import annotations

import functools
import math

import numpy as np
from numba import njit, prange

from . import fastmath
from .fastmath import extreme  # by name: the CUDA simulator resolves it so

(SUM, MEAN, PROD, MAX, MIN, ARGMAX, ARGMIN, ALL, ANY, NORM, VAR, LOGSUMEXP) = range(12)

# ops whose partial results over chunks combine with the op itself (a full reduction of a
# large array splits into parallel chunks only for these)


CHUNKABLE = frozenset({SUM, MEAN, PROD, MAX, MIN, ALL, ANY})


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


@functools.cache
def range_reducer(op: int):
    """`reduce_range(x, start, n, step, zero, p)` for reduction `op`, inlined into the
    kernels of both devices. `op` is a constant of this closure, not an argument: Numba then
    drops the other ops' branches before it inlines and types their helpers (with `op` an
    argument every reduction kernel compiled all twelve: 3.1 s of CPU for a SUM kernel
    against 0.5 s, AVX-512)."""

    @njit(inline="always")
    def reduce_range(x, start, n, step, zero, p):
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

    return reduce_range


@njit(inline="always")
def finalize(op, acc, idx, n, p):
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


COMBINE = {ALL: MIN, ANY: MAX}


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


@njit(inline="always")
def row_max_and_exp_sum(x, base, n):
    """`line_max_and_exp_sum` of the contiguous row x[base:base + n], as the cross-entropy
    rules call it; the CPU binds a vectorised twin in its place (kernels/cpu/reduction.py).
    A row of no classes (n == 0: x is empty) reads nothing and gives (-inf, 1), so its
    log-sum-exp, top + log(total), is -inf."""
    if n == 0:
        return -math.inf, 1.0
    return line_max_and_exp_sum(x, base, n, 1)


def cross_entropy_rows(x, target, ignore_index, lse, losses, valid, bad):
    """x: 1-D contiguous (M*C); target: (M,) int64. Per row r: lse[r] = log(sum(exp(x[r])))
    (max subtracted first), losses[r] = lse[r] - x[r, target[r]] and valid[r] = 1, or both
    0 where target[r] == ignore_index. A target outside [0, C) sets bad[0] = 1."""
    m = target.size
    c = x.size // m
    for r in prange(m):
        base = np.int64(r) * c
        top, total = row_max_and_exp_sum(x, base, c)
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


def cross_entropy_total(losses, valid, mean, total, count):
    """total[0] = the sum of losses (divided by the count when `mean`: nan when no row is
    kept, as in PyTorch) and count[0] = the sum of valid, both accumulated in float64 in
    row order: the reduced loss of `cross_entropy_rows`' rows, serially (M numbers)."""
    loss = 0.0
    kept = 0.0
    for r in range(losses.size):
        loss += losses[r]
        kept += valid[r]
    count[0] = kept
    total[0] = loss / kept if mean else loss


def cross_entropy_rows_backward(x, target, ignore_index, lse, grad, count, mean, grad_x):
    """grad_x[r] = scale * (softmax(x[r]) - onehot(target[r])), from the saved lse: scale
    = g / count[0] with `mean`, else g, where g = grad[r] (grad of M elements: reduction
    'none') or grad[0] (one element: the reduced loss's gradient). Exactly 0 where
    target[r] == ignore_index (whatever the scale: a mean over no targets is nan, its
    gradient is 0 as in PyTorch)."""
    m = target.size
    c = x.size // m
    for r in prange(m):
        base = np.int64(r) * c
        t = target[r]
        g = grad[r] if grad.size == m else grad[0]  # r < m: tested first
        if mean:
            g = g / count[0]
        scale = g if t != ignore_index else type(g)(0.0)
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


def soft_cross_entropy_rows(x, probs, target, weight, ignore_index, smoothing, lse, losses,
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
        top, total = row_max_and_exp_sum(x, base, c)
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


def soft_cross_entropy_rows_backward(x, probs, target, weight, ignore_index, smoothing, lse,
                                      mass, row_scale, grad_x):  # fmt: skip
    """grad_x[r, k] = row_scale[r] (softmax(x[r])[k] mass[r] - q[k]), the inputs as in
    `soft_cross_entropy_rows`; exactly 0 on ignored rows (the forward raised on a class
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


@njit(inline="always")
def scan_line(x, out, base, n, step, start, multiply):
    """The running sum (product with `multiply`) from `start` of the line x[base + k*step],
    k < n, into the same places of out: cumsum/cumprod on both devices. The callers' line
    t < outer*inner starts at base = (t // inner)*n*inner + t % inner, so its last element,
    base + (n-1)*inner, is below outer*n*inner = x.size = out.size."""
    acc = start
    for k in range(n):
        if multiply:
            acc *= x[base + k * step]
        else:
            acc += x[base + k * step]
        out[base + k * step] = acc


@njit(inline="always")
def logaddexp_scan_line(x, out, base, n, step):
    """The running log(sum(exp)) of the line x[base + k*step], k < n, into the same places of
    out (logcumsumexp), in float64. Each step adds the smaller of the total and the new term
    as log1p(exp(smaller - larger)) to the larger, so no exp overflows; equal terms (both
    +inf included, where the difference would be NaN) add log 2; NaN sticks. The offsets
    stay inside x and out as in `scan_line`."""
    total = -math.inf
    for k in range(n):
        at = base + k * step
        v = float(x[at])
        if v != v or total != total:
            total = math.nan
        elif v == total:
            total = v + math.log(2.0) if v > -math.inf else v
        else:
            larger = max(total, v)
            total = larger + math.log1p(math.exp(min(total, v) - larger))
        out[at] = total
