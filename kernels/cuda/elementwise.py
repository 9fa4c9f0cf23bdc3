"""Elementwise CUDA kernels: unary and binary maps, where, copy/cast, fill and range fill,
on numba device arrays.

The scalar math of every opcode is the CPU's (`unary_scalar`/`binary_scalar` in
kernels/common/elementwise.py: `apply_unary`/`apply_binary`, or the op's fastmath function);
a factory closes over the opcode and binds that function, so each op compiles its own
kernels with the other ops' branches pruned. Each family has a 1-D contiguous kernel
and one `MAX_DIMS`-D strided kernel (broadcast dims have stride 0); each thread walks a
grid-stride loop over flat element numbers.
"""

from __future__ import annotations

import numpy as np
from numba import cuda

from ..common import bfloat16, scalars
from ..common.elementwise import Lazy, binary_scalar, unary_scalar, with_scalar
from ..common.strided import unravel
from ._launch import empty, flat, launch, launch_strided, per_opcode, per_slice


def _unary_family(op):

    def contiguous(x, out, p0, p1):
        """x, out: 1-D contiguous of one size."""
        for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
            out[i] = scalar(op, x[i], p0, p1)  # noqa: F821 - with_scalar binds it

    def strided(x, out, p0, p1):
        """x, out: MAX_DIMS-D of one shape, any strides (0 for broadcast dims)."""
        _, d1, d2, d3 = out.shape
        for t in range(cuda.grid(1), out.size, cuda.gridsize(1)):
            i0, i1, i2, i3 = unravel(t, d1, d2, d3)
            out[i0, i1, i2, i3] = scalar(op, x[i0, i1, i2, i3], p0, p1)  # noqa: F821

    math = per_opcode(unary_scalar(op))
    return tuple(cuda.jit(cache=True)(with_scalar(f, math)) for f in (contiguous, strided))


def _binary_family(op):

    def contiguous(a, b, out):
        """a, b, out: 1-D contiguous of one size."""
        for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
            out[i] = scalar(op, a[i], b[i])  # noqa: F821 - with_scalar binds it

    def strided(a, b, out):
        """a, b, out: MAX_DIMS-D of one shape, any strides (0 for broadcast dims)."""
        _, d1, d2, d3 = out.shape
        for t in range(cuda.grid(1), out.size, cuda.gridsize(1)):
            i0, i1, i2, i3 = unravel(t, d1, d2, d3)
            out[i0, i1, i2, i3] = scalar(op, a[i0, i1, i2, i3], b[i0, i1, i2, i3])  # noqa: F821

    def scalar_operand(a, out, s, s_left):
        """a, out: 1-D contiguous; s: the other operand, a scalar (left when s_left)."""
        for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
            out[i] = scalar(op, s, a[i]) if s_left else scalar(op, a[i], s)  # noqa: F821

    def scalar_operand_strided(a, out, s, s_left):
        """`scalar_operand` on MAX_DIMS-D a and out of one shape, any strides."""
        _, d1, d2, d3 = out.shape
        for t in range(cuda.grid(1), out.size, cuda.gridsize(1)):
            i0, i1, i2, i3 = unravel(t, d1, d2, d3)
            x = a[i0, i1, i2, i3]
            out[i0, i1, i2, i3] = scalar(op, s, x) if s_left else scalar(op, x, s)  # noqa: F821

    math = per_opcode(binary_scalar(op))
    kernels = (contiguous, strided, scalar_operand, scalar_operand_strided)
    return tuple(cuda.jit(cache=True)(with_scalar(f, math)) for f in kernels)


_UNARY = Lazy(_unary_family)
_BINARY = Lazy(_binary_family)


@cuda.jit(cache=True)
def _where_contiguous(cond, a, b, out):
    """cond (bool), a, b, out: 1-D contiguous of one size."""
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        out[i] = a[i] if cond[i] else b[i]


@cuda.jit(cache=True)
def _where_strided(cond, a, b, out):
    """cond (bool), a, b, out: MAX_DIMS-D of one shape, any strides."""
    _, d1, d2, d3 = out.shape
    for t in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        i0, i1, i2, i3 = unravel(t, d1, d2, d3)
        if cond[i0, i1, i2, i3]:
            out[i0, i1, i2, i3] = a[i0, i1, i2, i3]
        else:
            out[i0, i1, i2, i3] = b[i0, i1, i2, i3]


@cuda.jit(cache=True)
def _copy_contiguous(x, out):
    """x, out: 1-D contiguous; converts to out's dtype (the cast kernel)."""
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        out[i] = x[i]


@cuda.jit(cache=True)
def _copy_strided(x, out):
    """x, out: MAX_DIMS-D of one shape, any strides; converts to out's dtype."""
    _, d1, d2, d3 = out.shape
    for t in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        i0, i1, i2, i3 = unravel(t, d1, d2, d3)
        out[i0, i1, i2, i3] = x[i0, i1, i2, i3]


@cuda.jit(cache=True)
def _fill_contiguous(out, value):
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        out[i] = value


@cuda.jit(cache=True)
def _fill_strided(out, value):
    """out: MAX_DIMS-D, any strides."""
    _, d1, d2, d3 = out.shape
    for t in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        i0, i1, i2, i3 = unravel(t, d1, d2, d3)
        out[i0, i1, i2, i3] = value


@cuda.jit(cache=True)
def _range_fill(out, start, step):
    """out[i] = start + i * step (arange, linspace)."""
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        out[i] = start + i * step


# --- launchers -----------------------------------------------------------------------------


def _all_flat(*arrays):
    """1-D views of `arrays` when all are C-contiguous of one shape, else None."""
    shape = arrays[-1].shape
    if any(a.shape != shape for a in arrays):
        return None
    views = [flat(a) for a in arrays]
    return None if any(v is None for v in views) else views


def unary(op: int, x, out, p0: float = 0.0, p1: float = 0.0) -> None:
    """out = op(x); x has out's shape or broadcasts to it."""
    if out.size == 0:
        return
    contiguous, strided = _UNARY[op]
    views = _all_flat(x, out)
    if views is not None:
        contiguous[launch(out.size)](*views, p0, p1)
    else:
        launch_strided(strided, [x], out, (p0, p1))


def binary(op: int, a, b, out) -> None:
    """out = op(a, b); a and b are device arrays of out's shape or broadcasting to it, or
    one of them is a 1-element host numpy array: a Python scalar, passed to the kernel as a
    scalar argument. a and b share a dtype; out has it too, or bool for comparisons."""
    if out.size == 0:
        return
    contiguous, strided, scalar, scalar_strided = _BINARY[op]
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        s_left = isinstance(a, np.ndarray)
        array, value = (b, a[0]) if s_left else (a, b[0])
        views = _all_flat(array, out)
        if views is not None:
            scalar[launch(out.size)](*views, value, s_left)
        else:
            launch_strided(scalar_strided, [array], out, (value, s_left))
        return
    views = _all_flat(a, b, out)
    if views is not None:
        contiguous[launch(out.size)](*views)
    else:
        launch_strided(strided, [a, b], out)


def where(cond, a, b, out) -> None:
    """out = a where cond else b; cond, a and b broadcast to out's shape."""
    views = _all_flat(cond, a, b, out)
    if views is not None:
        if out.size:
            _where_contiguous[launch(out.size)](*views)
    else:
        launch_strided(_where_strided, [cond, a, b], out)


def copy(x, out) -> None:
    """out[...] = x, converting dtype; x has out's shape or broadcasts to it."""
    if x.dtype != out.dtype and bfloat16.BITS in (x.dtype, out.dtype):
        bfloat16.convert(x, out, empty=empty, copy=copy, round_kernel=_round_to_bfloat16,
                         widen_kernel=_widen_bfloat16)  # fmt: skip
        return
    views = _all_flat(x, out)
    if views is not None:
        if out.size:
            _copy_contiguous[launch(out.size)](*views)
    else:
        launch_strided(_copy_strided, [x], out)


def fill(out, value) -> None:
    """out[...] = value; out any strides."""
    if out.size == 0:
        return
    if out.dtype == bfloat16.BITS:
        value = bfloat16.bits_of(value)
    value = scalars.element(value, out.dtype)
    fo = flat(out)
    if fo is not None:
        _fill_contiguous[launch(out.size)](fo, value)
    else:
        launch_strided(_fill_strided, [], out, (value,))


_round_bits = per_slice(bfloat16.round_bits)
_widen_bits = per_slice(bfloat16.widen_bits)


@cuda.jit(cache=True)
def _round_kernel(x, out):
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        _round_bits(x[i : i + 1], out[i : i + 1])


@cuda.jit(cache=True)
def _widen_kernel(x, out):
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        _widen_bits(x[i : i + 1], out[i : i + 1])


def _round_to_bfloat16(x, out) -> None:
    """out = bfloat16 bits of float32 x; both 1-D contiguous of one size."""
    bfloat16.check_sizes(x, out)
    _round_kernel[launch(out.size)](x.view(np.uint32), out)


def _widen_bfloat16(x, out) -> None:
    """out = float32 of bfloat16 bits x; both 1-D contiguous of one size."""
    bfloat16.check_sizes(x, out)
    _widen_kernel[launch(out.size)](x, out.view(np.uint32))


def contiguous(x):
    """x itself when C-contiguous, else a C-contiguous device copy."""
    if x.is_c_contiguous():
        return x
    out = empty(x.shape, x.dtype)
    copy(x, out)
    return out


def range_fill(out, start: float, step: float) -> None:
    """Fill contiguous 1-D out with start, start + step, ..."""
    if out.size:
        _range_fill[launch(out.size)](out, start, step)


__all__ = ["binary", "copy", "fill", "range_fill", "unary", "where"]
