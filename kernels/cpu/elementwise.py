"""Elementwise kernels: unary and binary maps, where, copy/cast and fill, on numpy arrays.

Every op is an integer opcode whose scalar math lives in kernels/common/elementwise.py
(`apply_unary`/`apply_binary`, or the op's fastmath function). A kernel family is built
per opcode by a factory that closes over the opcode (an int, so Numba prunes the other
branches at compile time and the on-disk cache still hits). Each family has a contiguous
fast path in a serial and a parallel twin, and one strided path that serves any shape of
up to `MAX_DIMS` dims, broadcasts included (stride 0), so the number of compilations does
not grow with the shapes used."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..common import bfloat16, scalars
from ..common.elementwise import Lazy, binary_scalar, unary_scalar, with_scalar
from ..common.strided import unravel
from ._launch import call_strided, parallel_for, twins
from .bfloat16 import round_to_bfloat16, widen_bfloat16
from .strided_copy import copy_to_contiguous

# fastmath without `reassoc`, which would change results between the serial and parallel
# twins; `nnan`/`ninf` are left out too because NaN and inf must propagate like PyTorch.
FASTMATH = {"contract", "arcp", "nsz"}
CHUNK = 4096  # elements per parallel task: big enough to amortise the loop set-up

# --- kernel factories ----------------------------------------------------------------------


def _unary_family(op):

    def contiguous(x, out, p0, p1):
        """x, out: 1-D contiguous of equal size."""
        for i in prange(out.size):
            out[i] = scalar(op, x[i], p0, p1)  # noqa: F821 - with_scalar binds it

    def strided(x, out, p0, p1):
        """x, out: MAX_DIMS-D arrays of one shape, any strides (0 for broadcast dims)."""
        d0, d1, d2, n = out.shape
        tasks = (n + CHUNK - 1) // CHUNK
        for t in prange(d0 * d1 * d2 * tasks):
            i0, i1, i2, c = unravel(t, d1, d2, tasks)
            xr, orow = x[i0, i1, i2], out[i0, i1, i2]
            for j in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
                orow[j] = scalar(op, xr[j], p0, p1)  # noqa: F821 - with_scalar binds it

    return _compile_family(*(with_scalar(f, unary_scalar(op)) for f in (contiguous, strided)))


def _binary_family(op):

    def contiguous(a, b, out):
        """a, b, out: 1-D contiguous of equal size."""
        for i in prange(out.size):
            out[i] = scalar(op, a[i], b[i])  # noqa: F821 - with_scalar binds it

    def scalar_right(a, b, out):
        """a, out: 1-D contiguous; b: 1-element array, the scalar right operand."""
        s = b[0]
        for i in prange(out.size):
            out[i] = scalar(op, a[i], s)  # noqa: F821 - with_scalar binds it

    def strided(a, b, out):
        """a, b, out: MAX_DIMS-D arrays of one shape, any strides (0 for broadcast dims)."""
        d0, d1, d2, n = out.shape
        tasks = (n + CHUNK - 1) // CHUNK
        for t in prange(d0 * d1 * d2 * tasks):
            i0, i1, i2, c = unravel(t, d1, d2, tasks)
            ar, br, orow = a[i0, i1, i2], b[i0, i1, i2], out[i0, i1, i2]
            for j in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
                orow[j] = scalar(op, ar[j], br[j])  # noqa: F821 - with_scalar binds it

    contiguous, strided, scalar_right = (
        with_scalar(f, binary_scalar(op)) for f in (contiguous, strided, scalar_right)
    )
    serial, parallel, strided_kernel = _compile_family(contiguous, strided)
    right, right_parallel = twins(scalar_right, fastmath=FASTMATH, error_model="numpy")
    return serial, parallel, strided_kernel, right, right_parallel


def _compile_family(contiguous, strided):
    serial, parallel = twins(contiguous, fastmath=FASTMATH, error_model="numpy")
    return serial, parallel, njit(parallel=True, cache=True, fastmath=FASTMATH,
                                  error_model="numpy")(strided)  # fmt: skip


_UNARY = Lazy(_unary_family)
_BINARY = Lazy(_binary_family)


@njit(parallel=True, cache=True)
def _where_strided(cond, a, b, out):
    """cond (bool), a, b, out: MAX_DIMS-D arrays of one shape, any strides."""
    d0, d1, d2, n = out.shape
    for row in prange(d0 * d1 * d2):
        i0, i1, i2, _ = unravel(row, d1, d2, 1)
        cr, ar, br, orow = cond[i0, i1, i2], a[i0, i1, i2], b[i0, i1, i2], out[i0, i1, i2]
        for j in range(n):
            orow[j] = ar[j] if cr[j] else br[j]


def _copy_contiguous(x, out):
    """x, out: 1-D contiguous; converts to out's dtype (the cast kernel)."""
    for i in prange(out.size):
        out[i] = x[i]


def _copy_strided(x, out):
    """x, out: MAX_DIMS-D arrays of one shape, any strides; converts to out's dtype."""
    d0, d1, d2, n = out.shape
    for row in prange(d0 * d1 * d2):
        i0, i1, i2, _ = unravel(row, d1, d2, 1)
        xr, orow = x[i0, i1, i2], out[i0, i1, i2]
        for j in range(n):
            orow[j] = xr[j]


def _fill_contiguous(out, value):
    for i in prange(out.size):
        out[i] = value


_copy_serial, _copy_parallel = twins(_copy_contiguous)
_copy_strided_kernel = njit(parallel=True, cache=True)(_copy_strided)
_fill_serial, _fill_parallel = twins(_fill_contiguous)


# --- launchers -----------------------------------------------------------------------------


_HALF = np.dtype(np.float16)


def _flat(x: np.ndarray) -> np.ndarray | None:
    """A 1-D view of a C-contiguous array, or None when it is not contiguous."""
    return x.reshape(-1) if x.flags.c_contiguous else None


def unary(op: int, x: np.ndarray, out: np.ndarray, p0: float = 0.0, p1: float = 0.0) -> None:
    """out = op(x); x and out have one shape (x may be a broadcast view)."""
    serial, parallel, strided = _UNARY[op]
    fx, fo = _flat(x), _flat(out)
    if fx is not None and fo is not None:
        (parallel if parallel_for(out.size) else serial)(fx, fo, p0, p1)
    else:
        call_strided(strided, x, out, extra=(p0, p1))


def binary(op: int, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """out = op(a, b); a and b have out's shape (broadcast views with stride 0 welcome)
    or are 1-element arrays. a and b share a dtype; out has it too, or bool for
    comparisons."""
    serial, parallel, strided, scalar, scalar_parallel = _BINARY[op]
    fa, fb, fo = _flat(a), _flat(b), _flat(out)
    if fo is not None and fa is not None and fb is not None and a.size == b.size == out.size:
        (parallel if parallel_for(out.size) else serial)(fa, fb, fo)
    elif fo is not None and fa is not None and a.size == out.size and b.size == 1:
        (scalar_parallel if parallel_for(out.size) else scalar)(fa, b.reshape(1), fo)
    else:
        call_strided(strided, a, b, out)


def flat_kernels(op: int, arity: int) -> tuple:
    """The kernels of `op` on 1-D contiguous arrays of one size, for callers that have
    checked that layout themselves (the eager fast lane, numbatorch/ops/_lane.py):
    (serial, parallel, parallel_for) for a unary op, called (x, out, p0, p1); for a binary
    op also (scalar, scalar_parallel), called (a, b, out) with b a 1-element array."""
    if arity == 1:
        serial, parallel, _ = _UNARY[op]
        return serial, parallel, parallel_for
    serial, parallel, _, scalar, scalar_parallel = _BINARY[op]
    return serial, parallel, parallel_for, scalar, scalar_parallel


def where(cond: np.ndarray, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """out = a where cond else b; all of one shape (broadcast views welcome)."""
    call_strided(_where_strided, cond, a, b, out)


def copy(x: np.ndarray, out: np.ndarray) -> None:
    """out[...] = x, converting dtype; x may be a broadcast view of out's shape."""
    if x.dtype != out.dtype and bfloat16.BITS in (x.dtype, out.dtype):
        bfloat16.convert(x, out, empty=np.empty, copy=copy,
                         round_kernel=round_to_bfloat16, widen_kernel=widen_bfloat16)  # fmt: skip
        return
    if _HALF in (x.dtype, out.dtype):
        # Numba has no float16 type on the CPU: half tensors are stored and converted,
        # and this conversion is the one place numpy does the work
        np.copyto(out, x, casting="unsafe")
        return
    fx, fo = _flat(x), _flat(out)
    if fx is not None and fo is not None:
        (_copy_parallel if parallel_for(out.size) else _copy_serial)(fx, fo)
    elif fo is None or not copy_to_contiguous(x, out):
        call_strided(_copy_strided_kernel, x, out)


def fill(out: np.ndarray, value) -> None:
    """out[...] = value."""
    if out.dtype == bfloat16.BITS:
        value = bfloat16.bits_of(value)
    fo = _flat(out)
    if fo is None or out.dtype == _HALF:
        copy(np.full(1, value, out.dtype).reshape((1,) * out.ndim), out)
        return
    value = scalars.element(value, out.dtype)
    (_fill_parallel if parallel_for(out.size) else _fill_serial)(fo, value)


__all__ = ["binary", "copy", "fill", "range_fill", "unary", "where"]


def _range_fill(out, start, step):
    """out[i] = start + i * step (arange, linspace)."""
    for i in prange(out.size):
        out[i] = start + i * step


_range_serial, _range_parallel = twins(_range_fill)


def range_fill(out: np.ndarray, start: float, step: float) -> None:
    """Fill contiguous 1-D out with start, start + step, ..."""
    (_range_parallel if parallel_for(out.size) else _range_serial)(out, start, step)
