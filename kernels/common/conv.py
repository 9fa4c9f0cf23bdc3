"""Convolution pieces both backends share: output sizes, the im2col/col2im rules (a
`prange` over (sample, channel) planes that the CPU compiles as is and CUDA runs a
plane per thread), and the offset tables that number a batched GEMM's products."""

from __future__ import annotations

import functools

import numpy as np
from numba import njit, prange, uint64


def conv_output_size(size: int, k: int, s: int, p: int, d: int) -> int:
    """Output length of a convolution over `size` with kernel k, stride s, padding p and
    dilation d."""
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


@njit(cache=True)
def _valid_range(size, out_size, offset, step):
    """The outputs o in [lo, hi) whose input o*step + offset lies in [0, size)."""
    lo = 0 if offset >= 0 else (-offset + step - 1) // step
    hi = (size - offset + step - 1) // step if size > offset else 0
    return min(lo, out_size), max(min(hi, out_size), min(lo, out_size))


def im2col_planes(x, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, cols):
    """x: flat C-contiguous (n, c, h, w). cols: flat C-contiguous (n, c*kh*kw, oh*ow),
    cols[b, (ch*kh + i)*kw + j, y*ow + z] = x[b, ch, y*sh - ph + i*dh, z*sw - pw + j*dw],
    0 where that falls in the padding. Parallel over the (n, c) planes."""
    for task in prange(n * c):
        plane = uint64(task)
        src = plane * uint64(h * w)
        for i in range(kh):
            y_lo, y_hi = _valid_range(h, oh, i * dh - ph, sh)
            for j in range(kw):
                z_lo, z_hi = _valid_range(w, ow, j * dw - pw, sw)
                dst = (plane * uint64(kh * kw) + uint64(i * kw + j)) * uint64(oh * ow)
                # rows wholly in the padding as two runs, not row by row
                for t in range(uint64(y_lo * ow)):
                    cols[dst + t] = 0
                for t in range(uint64(y_hi * ow), uint64(oh * ow)):
                    cols[dst + t] = 0
                count = uint64(z_hi - z_lo)
                for y in range(y_lo, y_hi):
                    row = dst + uint64(y * ow)
                    line = src + uint64((y * sh - ph + i * dh) * w + z_lo * sw - pw + j * dw)
                    for z in range(uint64(z_lo)):
                        cols[row + z] = 0
                    start = row + uint64(z_lo)
                    if sw == 1:  # a contiguous copy, which vectorizes (LeNet conv1: 180 -> 115 us)
                        for z in range(count):
                            cols[start + z] = x[line + z]
                    else:
                        for z in range(count):
                            cols[start + z] = x[line + z * uint64(sw)]
                    for z in range(uint64(z_hi), uint64(ow)):
                        cols[row + z] = 0


def col2im_planes(cols, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, out):
    """The adjoint of `im2col_planes`: out (flat C-contiguous (n, c, h, w)) is zeroed, then
    each column entry is added to the input pixel it was copied from. Parallel over the
    (n, c) planes, which no two tasks share."""
    for task in prange(n * c):
        plane = uint64(task)
        dst = plane * uint64(h * w)
        for t in range(uint64(h * w)):
            out[dst + t] = 0
        for i in range(kh):
            y_lo, y_hi = _valid_range(h, oh, i * dh - ph, sh)
            for j in range(kw):
                z_lo, z_hi = _valid_range(w, ow, j * dw - pw, sw)
                src = (plane * uint64(kh * kw) + uint64(i * kw + j)) * uint64(oh * ow)
                for y in range(y_lo, y_hi):
                    row = src + uint64(y * ow + z_lo)
                    line = dst + uint64((y * sh - ph + i * dh) * w + z_lo * sw - pw + j * dw)
                    if sw == 1:  # contiguous, as in `im2col_planes`
                        for z in range(uint64(z_hi - z_lo)):
                            out[line + z] += cols[row + z]
                    else:
                        for z in range(uint64(z_hi - z_lo)):
                            out[line + z * uint64(sw)] += cols[row + z]


@functools.lru_cache(maxsize=256)
def offset_table(outer: int, outer_stride: int, inner: int, inner_stride: int) -> np.ndarray:
    """Offsets o*outer_stride + i*inner_stride for (o, i) in (outer, inner), o-major.
    Cached (a training loop asks for the same few every step): never write into one."""
    o = np.arange(outer, dtype=np.int64)[:, None]
    i = np.arange(inner, dtype=np.int64)[None, :]
    return (o * outer_stride + i * inner_stride).reshape(-1)


class Conv:
    """Sizes of one convolution, and the batch chunks its column buffer is cut into. A
    backend's subclass gives its pieces: `cols_budget`, `im2col(x_chunk, cols)`,
    `flat(array)` (a 1-D view) and `empty(shape, dtype)`."""

    cols_budget: int  # bytes of column buffer per chunk of the batch

    def __init__(self, x, w, stride, padding, dilation, groups):
        self.n, self.c, self.h, self.w = x.shape
        self.oc, cg, self.kh, self.kw = w.shape
        self.sh, self.sw = stride
        self.ph, self.pw = padding
        self.dh, self.dw = dilation
        self.groups = groups
        self.oh = conv_output_size(self.h, self.kh, self.sh, self.ph, self.dh)
        self.ow = conv_output_size(self.w, self.kw, self.sw, self.pw, self.dw)
        self.spatial = self.oh * self.ow
        self.ocg = self.oc // groups
        self.ckk = cg * self.kh * self.kw  # GEMM depth per group
        # a 1x1 kernel with unit stride and no padding needs no im2col: x is its columns
        self.pointwise = self.kh == self.kw == self.sh == self.sw == 1 and self.ph == self.pw == 0
        per_sample = self.c * self.kh * self.kw * self.spatial * x.dtype.itemsize
        self.chunk = self.n if self.pointwise else max(1, self.cols_budget // max(per_sample, 1))

    def chunks(self):
        return [(b, min(b + self.chunk, self.n)) for b in range(0, self.n, self.chunk)]

    @property
    def whole_batch(self) -> bool:
        """The columns of the whole batch are made in one buffer (one chunk, not 1x1)."""
        return not self.pointwise and self.chunk >= self.n

    def columns(self, x_chunk, cols_buffer):
        """The im2col columns of x_chunk (or x_chunk itself when pointwise), flat."""
        if self.pointwise:
            return self.flat(x_chunk)
        cols = cols_buffer[: x_chunk.shape[0]]
        self.im2col(x_chunk, cols)
        return self.flat(cols)

    def buffer(self, dtype):
        if self.pointwise:
            return None
        return self.empty((min(self.chunk, self.n), self.c * self.kh * self.kw, self.spatial),
                          dtype)  # fmt: skip
