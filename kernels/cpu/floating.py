"""frexp's kernel: `kernels/common/floating.py`'s rule over every element."""

from __future__ import annotations

from numba import prange

from ..common.floating import frexp_at
from ._launch import parallel_for, twins


def _frexp(x, mantissa, exponent):
    for i in prange(x.size):
        frexp_at(x, mantissa, exponent, i)


_frexp_serial, _frexp_parallel = twins(_frexp)


def frexp(x, mantissa, exponent) -> None:
    """mantissa (x's float dtype) and exponent (int32) of C-contiguous float x, all of
    one shape: x = mantissa * 2**exponent, 0.5 <= |mantissa| < 1."""
    if x.size:
        kernel = _frexp_parallel if parallel_for(x.size) else _frexp_serial
        kernel(x.reshape(-1), mantissa.reshape(-1), exponent.reshape(-1))


__all__ = ["frexp"]
