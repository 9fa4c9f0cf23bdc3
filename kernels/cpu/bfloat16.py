"""bfloat16 conversions. numbatorch stores a bfloat16 tensor as the upper 16 bits of the
float32 of each value, in a uint16 array; these kernels convert float32 bit patterns to
them and back, and `convert` builds every other conversion on them (through float32, as
PyTorch's converts a double to bfloat16 through float).

float32 -> bfloat16 rounds to nearest, ties to even, and turns every NaN into the quiet
NaN 0x7FC0 (c10::detail::round_to_nearest_even); bfloat16 -> float32 is exact.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._launch import parallel_for, twins

BITS = np.dtype(np.uint16)  # the storage type of bfloat16
_FLOAT32 = np.dtype(np.float32)


def _round_to_bfloat16(x, out):
    """x: the uint32 bit patterns of float32 values (1-D); out: uint16 of x's size
    (check_sizes, before every launch, keeps each out[i] in bounds)."""
    for i in prange(x.size):
        bits = np.uint32(x[i])
        if (bits & np.uint32(0x7FFFFFFF)) > np.uint32(0x7F800000):  # NaN
            out[i] = np.uint16(0x7FC0)
        else:
            # adding 0x7FFF (+1 when the kept part is odd) carries into the upper half
            # exactly when the dropped half is above (or at, for odd) the midpoint; the sum
            # stays below 2^32 for every non-NaN pattern
            tie = (bits >> np.uint32(16)) & np.uint32(1)
            out[i] = np.uint16((bits + np.uint32(0x7FFF) + tie) >> np.uint32(16))


def _widen_bfloat16(x, out):
    """x: bfloat16 bits (uint16, 1-D); out: the uint32 bit patterns of their float32s, of
    x's size (check_sizes, before every launch, keeps each out[i] in bounds)."""
    for i in prange(x.size):
        out[i] = np.uint32(x[i]) << np.uint32(16)


_ROUND = twins(_round_to_bfloat16)
_WIDEN = twins(_widen_bfloat16)


def check_sizes(x, out) -> None:
    """The conversion kernels write out[i] for every i < x.size: out must be as long."""
    if x.size != out.size:
        raise ValueError(f"bfloat16 conversion of {x.size} values into {out.size}")


def round_to_bfloat16(x, out) -> None:
    """out = bfloat16 bits of float32 x; both 1-D contiguous of one size."""
    check_sizes(x, out)
    serial, parallel = _ROUND
    (parallel if parallel_for(x.size) else serial)(x.view(np.uint32), out)


def widen_bfloat16(x, out) -> None:
    """out = float32 of bfloat16 bits x; both 1-D contiguous of one size."""
    check_sizes(x, out)
    serial, parallel = _WIDEN
    (parallel if parallel_for(x.size) else serial)(x, out.view(np.uint32))


def _contiguous(array) -> bool:
    return bool(array.flags["C_CONTIGUOUS"])  # numpy and device arrays alike


def convert(x, out, *, empty, copy, round_kernel, widen_kernel) -> None:
    """out[...] = x where exactly one of them holds bfloat16 bits, for a backend given by
    its `empty`, `copy` (same-dtype and non-bfloat16 conversions, any strides and
    broadcasts) and the two 1-D kernels above. Non-contiguous operands and other dtypes
    go through contiguous temporaries of out's shape."""
    if out.dtype == BITS:
        wide = x
        if x.dtype != _FLOAT32 or not _contiguous(x) or x.shape != out.shape:
            wide = empty(out.shape, _FLOAT32)
            copy(x, wide)
        bits = out if _contiguous(out) else empty(out.shape, BITS)
        if out.size:
            round_kernel(wide.reshape(-1), bits.reshape(-1))
        if bits is not out:
            copy(bits, out)
        return
    bits = x
    if not _contiguous(x) or x.shape != out.shape:
        bits = empty(out.shape, BITS)
        copy(x, bits)
    wide = out if out.dtype == _FLOAT32 and _contiguous(out) else empty(out.shape, _FLOAT32)
    if out.size:
        widen_kernel(bits.reshape(-1), wide.reshape(-1))
    if wide is not out:
        copy(wide, out)


def bits_of(value: float) -> int:
    """The bfloat16 bits of one Python number (a fill value, which stays on the host)."""
    bits = np.empty(1, BITS)
    round_to_bfloat16(np.full(1, value, _FLOAT32), bits)
    return int(bits[0])
