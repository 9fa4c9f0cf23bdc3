"""Reduction CUDA kernels: sum, mean, prod, max/min, argmax/argmin, all/any, norm, var and
logsumexp over the middle axis of a C-contiguous (outer, n, inner) array, plus cumsum and
softmax/log_softmax along it.

A short axis (n <= SMALL_N) is reduced by one thread per output with the shared
`reduce_range`/`finalize` (kernels/common/reduction.py). A longer one gets a block per
output: each thread reduces every `blockDim`-th element with `reduce_range`, then the
block combines the partial results in a shared-memory tree. A single output over a long
axis (`x.sum()`) would leave all but one multiprocessor idle, so there many blocks write
partial results first and a second launch combines them, as the CPU splits such sums into
chunks. Accumulation runs in float64 for floating inputs and int64 otherwise, as on the
CPU, so both devices agree to rounding.
"""

from __future__ import annotations

import math

import numpy as np
from numba import cuda, float64, int64, njit

from ..common import fastmath
from ..common import reduction as common
from ..common.elementwise import Lazy, with_globals
from ..common.reduction import (
    ALL,
    ANY,
    ARGMAX,
    ARGMIN,
    CHUNKABLE,
    COMBINE,
    LOGSUMEXP,
    MAX,
    MEAN,
    MIN,
    NORM,
    PROD,
    SUM,
    VAR,
)
from ._launch import (
    MAX_BLOCKS,
    THREADS,
    block_threads,
    device_function,
    empty,
    launch,
    per_slice,
)
from .elementwise import fill

SMALL_N = 32  # up to this many items per output, a thread per output beats a block
SPLIT_N = 1 << 15  # one output over more items than this is reduced by many blocks
SPLIT_ITEMS = 16  # items per thread in the first pass of such a split reduction
SPLIT_THREADS = THREADS  # threads per block of that first pass

finalize = device_function(common.finalize)


@njit(inline="always")
def _combine(op, a, ia, b, ib, p):
    """Merge two partial results (value, index) of reduction `op`; ia/ib are the indices
    of the elements argmax/argmin found, the lower one winning ties as on the CPU."""
    if op == MAX or op == ARGMAX or op == MIN or op == ARGMIN:
        if a != a:
            return (a, ia) if b == b or ia < ib else (b, ib)
        if b != b:
            return b, ib
        better = b > a if op == MAX or op == ARGMAX else b < a
        if better or (b == a and ib < ia):
            return b, ib
        return a, ia
    if op == PROD:
        return a * b, ia
    if op == ALL:
        return min(a, b), ia
    if op == ANY or (op == NORM and p == math.inf):
        return max(a, b), ia
    return a + b, ia


@cuda.jit(device=True)
def _block_combine(op, values, indices, active, p):
    """Combine the partial results in values/indices[:active] into values/indices[0]
    (op as `_combine`); every thread of the block reads the result after it returns."""
    t = cuda.threadIdx.x
    width = cuda.blockDim.x // 2
    cuda.syncthreads()
    while width > 0:
        if t < width and t + width < active:
            value, index = _combine(
                op, values[t], indices[t], values[t + width], indices[t + width], p
            )
            values[t] = value
            indices[t] = index
        cuda.syncthreads()
        width //= 2


def _family(key):
    op, floating = key
    accumulator = float64 if floating else int64

    def per_output(x, out, n, inner, zero, p, count):
        """x: 1-D (outer*n*inner), out: 1-D (outer*inner), both contiguous. `count` is the
        number of elements a mean divides by (n, unless x holds partial sums)."""
        for r in range(cuda.grid(1), out.size, cuda.gridsize(1)):
            start = (r // inner) * n * inner + r % inner
            acc, idx = reduce_range(x, start, n, inner, zero, p)  # noqa: F821 - with_globals binds it
            out[r] = finalize(op, acc, idx, count, p)

    def per_block(x, out, n, inner, zero, p, count):
        """As `per_output`, one block per output; blockDim a power of two <= THREADS."""
        values = cuda.shared.array(THREADS, accumulator)
        indices = cuda.shared.array(THREADS, int64)
        t = cuda.threadIdx.x
        threads = cuda.blockDim.x
        active = min(n, threads)
        own = (n - t + threads - 1) // threads  # elements t, t + threads, ... below n
        for r in range(cuda.blockIdx.x, out.size, cuda.gridDim.x):
            start = (r // inner) * n * inner + r % inner
            first = start + t * inner
            idx = 0
            if op == VAR or op == LOGSUMEXP:
                # two passes as on the CPU: the mean (or max) first, then the deviations
                if t < active:
                    acc, _ = reduce_first(x, first, own, threads * inner, zero, p)  # noqa: F821 - with_globals binds it
                    values[t] = acc
                    indices[t] = t
                _block_combine(SUM if op == VAR else MAX, values, indices, active, p)
                centre = values[0] / n if op == VAR else values[0]
                cuda.syncthreads()
                acc = zero
                for k in range(own):
                    v = x[first + k * threads * inner]
                    if op == VAR:
                        acc += (v - centre) * (v - centre)
                    else:
                        acc += math.exp(v - centre)
                values[t] = acc
                _block_combine(SUM, values, indices, active, p)
                acc = values[0]
                if op == LOGSUMEXP:
                    acc = math.log(acc) + centre if abs(centre) != math.inf else centre
            else:
                if t < active:
                    acc, local = reduce_range(x, first, own, threads * inner, zero, p)  # noqa: F821 - with_globals binds it
                    values[t] = acc
                    indices[t] = t + local * threads
                _block_combine(op, values, indices, active, p)
                acc, idx = values[0], indices[0]
            if t == 0:
                out[r] = finalize(op, acc, idx, count, p)
            cuda.syncthreads()  # the next output reuses the shared arrays

    def partials(x, out, zero, p):
        """out[b] = block b's partial result (before `_finalize`) over the x[i] its threads
        visit, i = b*blockDim + t + k*gridsize: the first pass of a split reduction. Every
        block has at least one element (gridDim*blockDim < x.size + blockDim)."""
        values = cuda.shared.array(THREADS, accumulator)
        indices = cuda.shared.array(THREADS, int64)
        t = cuda.threadIdx.x
        first, step = cuda.grid(1), cuda.gridsize(1)
        active = min(cuda.blockDim.x, x.size - cuda.blockIdx.x * cuda.blockDim.x)
        if t < active:
            acc, _ = reduce_range(x, first, (x.size - first + step - 1) // step, step, zero, p)  # noqa: F821 - with_globals binds it
            values[t] = acc
        _block_combine(op, values, indices, active, p)
        if t == 0:
            out[cuda.blockIdx.x] = values[0]

    # the op's reducers as globals of the kernels, not closure cells (see with_globals);
    # VAR and LOGSUMEXP's first pass is the sum (for the mean) or the max
    reducers = {
        "reduce_range": device_function(common.range_reducer(op)),
        "reduce_first": device_function(common.range_reducer(SUM if op == VAR else MAX)),
    }
    kernels = (with_globals(f, **reducers) for f in (per_output, per_block, partials))
    return tuple(cuda.jit(cache=True)(f) for f in kernels)


_FAMILIES = Lazy(_family)


def reduce(op: int, x, out, n: int, inner: int, p: float = 0.0) -> None:
    """out[o, j] = op over k of x[o, k, j], x C-contiguous of outer*n*inner elements and
    out C-contiguous of outer*inner. p: the norm's order or var's correction."""
    if out.size == 0:
        return
    floating = x.dtype.kind == "f"
    zero = np.float64(0) if floating else np.int64(0)
    flat_x, flat_out = x.reshape(-1), out.reshape(-1)
    if op in CHUNKABLE and out.size == 1 and n > SPLIT_N:
        blocks = min(-(-n // (SPLIT_THREADS * SPLIT_ITEMS)), MAX_BLOCKS)
        partial = empty((blocks,), zero.dtype)
        # a mean's partials are sums; the combining pass divides by the true count
        _FAMILIES[SUM if op == MEAN else op, floating][2][blocks, SPLIT_THREADS](
            flat_x, partial, zero, p
        )
        combine = MEAN if op == MEAN else COMBINE.get(op, op)
        _rows(combine, floating, partial, flat_out, blocks, 1, zero, p, n)
        return
    _rows(op, floating, flat_x, flat_out, n, inner, zero, p, n)


def _rows(op, floating, x, out, n, inner, zero, p, count) -> None:
    """Launch reduction `op` of flat x (outer, n, inner) into flat out (outer*inner)."""
    per_output, per_block, _ = _FAMILIES[op, floating]
    if n <= SMALL_N:
        per_output[launch(out.size)](x, out, n, inner, zero, p, count)
    else:
        blocks = min(out.size, MAX_BLOCKS)
        per_block[blocks, block_threads(n)](x, out, n, inner, zero, p, count)


# --- scans and softmax ---------------------------------------------------------------------


@cuda.jit(cache=True)
def _scan(x, out, n, inner, start, multiply):
    """x, out: 1-D contiguous (outer*n*inner); running sum (product with `multiply`) along
    the middle axis from `start`, a thread per (outer, inner) line."""
    for t in range(cuda.grid(1), x.size // n, cuda.gridsize(1)):
        scan_line(x, out, (t // inner) * n * inner + t % inner, n, inner, start, multiply)


@njit(inline="always")
def _softmax_write(x, out, at, top, total, log):
    """out[at] from the line's max and sum of exponentials, computed as the CPU does. A
    sum that is not positive (0 for a row of -inf, NaN) gives NaN, as in PyTorch; tested
    first because the simulator runs this as Python, where 1 / 0 raises."""
    if not total > 0:
        out[at] = math.nan
    elif log:
        out[at] = x[at] - (top + math.log(total))
    else:
        out[at] = fastmath.exp(x[at] - top) * (1.0 / total)


softmax_write = device_function(_softmax_write)
max_and_exp_sum = device_function(common.line_max_and_exp_sum)
scan_line = device_function(common.scan_line)
logaddexp_scan_line = device_function(common.logaddexp_scan_line)


@cuda.jit(cache=True)
def _softmax_rows(x, out, n, inner, log):
    """x, out: 1-D contiguous (outer*n*inner); softmax (or log_softmax) along the middle
    axis, a thread per line, the max subtracted first so exp never overflows."""
    for t in range(cuda.grid(1), x.size // n, cuda.gridsize(1)):
        base = (t // inner) * n * inner + t % inner
        top, total = max_and_exp_sum(x, base, n, inner)
        for k in range(n):
            softmax_write(x, out, base + k * inner, top, total, log)


@cuda.jit(cache=True)
def _softmax_blocks(x, out, n, inner, log):
    """`_softmax_rows` with a block per line: the max and the sum of exponentials are
    combined in shared memory."""
    values = cuda.shared.array(THREADS, float64)
    indices = cuda.shared.array(THREADS, int64)
    t = cuda.threadIdx.x
    threads = cuda.blockDim.x
    active = min(n, threads)
    for line in range(cuda.blockIdx.x, x.size // n, cuda.gridDim.x):
        base = (line // inner) * n * inner + line % inner
        if t < active:
            top = x[base + t * inner]
            for k in range(t + threads, n, threads):
                top = max(top, x[base + k * inner])
            values[t] = top
            indices[t] = t
        _block_combine(MAX, values, indices, active, 0.0)
        top = values[0]
        if top == -math.inf:
            top = 0.0
        cuda.syncthreads()
        total = 0.0
        for k in range(t, n, threads):
            total += fastmath.exp(x[base + k * inner] - top)
        values[t] = total
        _block_combine(SUM, values, indices, active, 0.0)
        total = values[0]
        for k in range(t, n, threads):
            softmax_write(x, out, base + k * inner, top, total, log)
        cuda.syncthreads()


def _run_scan(x, out, n: int, inner: int, multiply: bool) -> None:
    if x.size:
        start = (np.float64 if x.dtype.kind == "f" else np.int64)(int(multiply))
        _scan[launch(x.size // n)](x.reshape(-1), out.reshape(-1), n, inner, start, multiply)


def cumsum(x, out, n: int, inner: int) -> None:
    """Running sum of C-contiguous x (outer, n, inner) along n into out (same shape)."""
    _run_scan(x, out, n, inner, False)


def cumprod(x, out, n: int, inner: int) -> None:
    """Running product of C-contiguous x (outer, n, inner) along n into out (same shape)."""
    _run_scan(x, out, n, inner, True)


_ce_row = per_slice(common.cross_entropy_rows)
_ce_row_backward = per_slice(common.cross_entropy_rows_backward)


@cuda.jit(cache=True)
def _cross_entropy_kernel(x, c, target, ignore_index, lse, losses, valid, bad):
    for r in range(cuda.grid(1), target.size, cuda.gridsize(1)):
        _ce_row(x[r * c : (r + 1) * c], target[r : r + 1], ignore_index, lse[r : r + 1],
                losses[r : r + 1], valid[r : r + 1], bad)  # fmt: skip


@cuda.jit(cache=True)
def _cross_entropy_backward_kernel(x, c, target, ignore_index, lse, grad, count, mean, grad_x):
    for r in range(cuda.grid(1), target.size, cuda.gridsize(1)):
        g = grad[r : r + 1] if grad.size == target.size else grad[0:1]
        _ce_row_backward(x[r * c : (r + 1) * c], target[r : r + 1], ignore_index,
                         lse[r : r + 1], g, count, mean,
                         grad_x[r * c : (r + 1) * c])  # fmt: skip


_ce_total = per_slice(common.cross_entropy_total)


@cuda.jit(cache=True)
def _cross_entropy_total_kernel(losses, valid, mean, total, count):
    if cuda.grid(1) == 0:  # a serial sum over the rows, in the CPU's order
        _ce_total(losses, valid, mean, total, count)


def cross_entropy_forward(x, target, ignore_index: int, mean: bool, lse, losses, valid, total,
                          count, bad) -> None:  # fmt: skip
    """The CPU launcher's rows (see there), a thread per row, then their total."""
    fill(bad, 0)
    if target.size:
        _cross_entropy_kernel[launch(target.size)](
            x.reshape(-1), x.shape[1], target, ignore_index, lse, losses, valid, bad
        )
    _cross_entropy_total_kernel[1, 1](losses, valid, mean, total, count)


def cross_entropy_backward(x, target, ignore_index: int, lse, grad, count, mean: bool,
                           grad_x) -> None:  # fmt: skip
    """The CPU launcher's rows (see there), a thread per row."""
    if target.size:
        _cross_entropy_backward_kernel[launch(target.size)](
            x.reshape(-1), x.shape[1], target, ignore_index, lse, grad.reshape(-1), count, mean,
            grad_x.reshape(-1),
        )  # fmt: skip


_soft_ce_row = per_slice(common.soft_cross_entropy_rows)
_soft_ce_row_backward = per_slice(common.soft_cross_entropy_rows_backward)


@cuda.jit(cache=True)
def _soft_cross_entropy_kernel(x, probs, target, weight, ignore_index, smoothing, lse, losses,
                               mass, counts, bad):  # fmt: skip
    c = weight.size
    for r in range(cuda.grid(1), lse.size, cuda.gridsize(1)):
        # row r's slices; probs or target is empty, and so are its slices
        _soft_ce_row(x[r * c : (r + 1) * c], probs[r * c : (r + 1) * c], target[r : r + 1],
                     weight, ignore_index, smoothing, lse[r : r + 1], losses[r : r + 1],
                     mass[r : r + 1], counts[r : r + 1], bad)  # fmt: skip


@cuda.jit(cache=True)
def _soft_cross_entropy_backward_kernel(x, probs, target, weight, ignore_index, smoothing, lse,
                                        mass, row_scale, grad_x):  # fmt: skip
    c = weight.size
    for r in range(cuda.grid(1), lse.size, cuda.gridsize(1)):
        _soft_ce_row_backward(x[r * c : (r + 1) * c], probs[r * c : (r + 1) * c],
                              target[r : r + 1], weight, ignore_index, smoothing,
                              lse[r : r + 1], mass[r : r + 1], row_scale[r : r + 1],
                              grad_x[r * c : (r + 1) * c])  # fmt: skip


def _soft_targets(x, probs, target):
    """(probs, target) as 1-D device arrays, the missing one empty (see the CPU's)."""
    if probs is None:
        return x.reshape(-1)[:0], target
    return probs.reshape(-1), empty((0,), np.int64)


def soft_cross_entropy_forward(x, probs, target, weight, ignore_index: int, smoothing: float,
                               lse, losses, mass, counts, bad) -> None:  # fmt: skip
    """The CPU launcher's rows (see there), a thread per row."""
    if lse.size:
        probs, target = _soft_targets(x, probs, target)
        _soft_cross_entropy_kernel[launch(lse.size)](
            x.reshape(-1), probs, target, weight, ignore_index, float(smoothing), lse, losses,
            mass, counts, bad,
        )  # fmt: skip


def soft_cross_entropy_backward(x, probs, target, weight, ignore_index: int, smoothing: float,
                                lse, mass, row_scale, grad_x) -> None:  # fmt: skip
    """The CPU launcher's gradient (see there), a thread per row."""
    if lse.size:
        probs, target = _soft_targets(x, probs, target)
        _soft_cross_entropy_backward_kernel[launch(lse.size)](
            x.reshape(-1), probs, target, weight, ignore_index, float(smoothing), lse, mass,
            row_scale, grad_x.reshape(-1),
        )  # fmt: skip


def softmax(x, out, n: int, inner: int, log: bool) -> None:
    """Softmax or log_softmax of C-contiguous x (outer, n, inner) along n into out."""
    if x.size == 0:
        return
    lines = x.size // n
    if n <= SMALL_N:
        _softmax_rows[launch(lines)](x.reshape(-1), out.reshape(-1), n, inner, log)
    else:
        blocks = min(lines, MAX_BLOCKS)
        _softmax_blocks[blocks, block_threads(n)](x.reshape(-1), out.reshape(-1), n, inner, log)


__all__ = [
    "cross_entropy_backward",
    "cross_entropy_forward",
    "cumsum",
    "reduce",
    "softmax",
    "soft_cross_entropy_backward",
    "soft_cross_entropy_forward",
    "logcumsumexp",
]


@cuda.jit(cache=True)
def _log_scan(x, out, n, inner):
    """x, out: 1-D contiguous (outer*n*inner); running log-sum-exp along the middle axis, a
    thread per (outer, inner) line."""
    for t in range(cuda.grid(1), x.size // n, cuda.gridsize(1)):
        logaddexp_scan_line(x, out, (t // inner) * n * inner + t % inner, n, inner)


def logcumsumexp(x, out, n: int, inner: int) -> None:
    """Running log(sum(exp)) of C-contiguous float x (outer, n, inner) along n into out."""
    if x.size:
        _log_scan[launch(x.size // n)](x.reshape(-1), out.reshape(-1), n, inner)
