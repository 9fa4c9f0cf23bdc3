"""bfloat16 conversions both backends share. numbatorch stores a bfloat16 tensor as the
upper 16 bits of the float32 of each value, in a uint16 array; the two rules below convert
float32 bit patterns to them and back (the CPU compiles them as they are, CUDA runs them
a thread per element), and `convert` builds every other conversion on a backend's
kernels of them (through float32, as PyTorch's converts a double to bfloat16 through
float).

float32 -> bfloat16 rounds to nearest, ties to even, and turns every NaN into the quiet
NaN 0x7FC0 (c10::detail::round_to_nearest_even); bfloat16 -> float32 is exact.
"""

from __future__ import annotations

import numpy as np
from numba import prange

BITS = np.dtype(np.uint16)  # the storage type of bfloat16


_FLOAT32 = np.dtype(np.float32)


def round_bits(x, out):
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


def widen_bits(x, out):
    """x: bfloat16 bits (uint16, 1-D); out: the uint32 bit patterns of their float32s, of
    x's size (check_sizes, before every launch, keeps each out[i] in bounds)."""
    for i in prange(x.size):
        out[i] = np.uint32(x[i]) << np.uint32(16)


def check_sizes(x, out) -> None:
    """The conversion kernels write out[i] for every i < x.size: out must be as long."""
    if x.size != out.size:
        raise ValueError(f"bfloat16 conversion of {x.size} values into {out.size}")


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
    """The bfloat16 bits of one Python number (a fill value, which stays on the host):
    `round_bits` run as Python on one element, integer arithmetic that gives the
    kernels' bits exactly."""
    bits = np.empty(1, BITS)
    round_bits(np.full(1, value, _FLOAT32).view(np.uint32), bits)
    return int(bits[0])
