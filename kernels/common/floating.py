"""The decomposition of floating-point numbers into mantissa and exponent (frexp), written
once for both backends: the CPU runs `frexp_at` in a `prange` loop
(kernels/cpu/floating.py), CUDA a thread per element (kernels/cuda/floating.py)."""

from __future__ import annotations

import math

from numba import njit


@njit(inline="always")
def frexp_at(x, mantissa, exponent, i):
    """x[i] = mantissa[i] * 2**exponent[i] with 0.5 <= |mantissa[i]| < 1; 0, inf and NaN
    give themselves and exponent 0 (C's frexp, subnormals included). i < x.size, the size
    of all three 1-D arrays."""
    m, e = math.frexp(x[i])
    mantissa[i] = m
    exponent[i] = e
