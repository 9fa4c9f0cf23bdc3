"""frexp's kernel on device arrays: a thread per element runs `kernels/common/floating.py`'s
rule."""

from __future__ import annotations

from numba import cuda

from ..common.floating import frexp_at
from ._launch import device_function, launch

_frexp_at = device_function(frexp_at)


@cuda.jit(cache=True)
def _frexp(x, mantissa, exponent):
    for i in range(cuda.grid(1), x.size, cuda.gridsize(1)):
        _frexp_at(x, mantissa, exponent, i)


def frexp(x, mantissa, exponent) -> None:
    """mantissa and exponent (int32) of C-contiguous float x (see the CPU launcher)."""
    if x.size:
        _frexp[launch(x.size)](x.reshape(-1), mantissa.reshape(-1), exponent.reshape(-1))


__all__ = ["frexp"]
