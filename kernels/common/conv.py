"""Convolution pieces both backends share: output sizes, the im2col/col2im rules (a
`prange` over (sample, channel) planes that the CPU compiles as is and CUDA runs a
plane per thread), and the offset tables that number a batched GEMM's products."""

from __future__ import annotations

import functools
import math

import numpy as np
from numba import njit, prange, uint64

from ..contract import Operand, Window, Window3d


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


def volume(shape, window) -> tuple:
    """The (D, H, W) sizes of an (N, C, H, W) or (N, C, D, H, W) array's planes, its
    window as a `Window3d` (a 2-D one has depth 1) and the (OD, OH, OW) output sizes."""
    sizes = (1,) * (5 - len(shape)) + tuple(shape[2:])
    window = Window3d.lift(window)
    out = tuple(conv_output_size(sizes[i], *window[i::3]) for i in range(3))
    return sizes, window, out


def im2col_planes(x, n, c, d, h, w, kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw, od, oh, ow,
                  cols):  # fmt: skip
    """x: flat C-contiguous (n, c, d, h, w). cols: flat C-contiguous
    (n, c*kd*kh*kw, od*oh*ow), cols[b, ((ch*kd + q)*kh + i)*kw + j, (t*oh + y)*ow + z] =
    x[b, ch, t*sd - pd + q*dd, y*sh - ph + i*dh, z*sw - pw + j*dw], 0 where that falls in
    the padding. A 2-D convolution is the case d = kd = od = 1. Parallel over the (n, c)
    planes."""
    area = uint64(oh * ow)
    for task in prange(n * c):
        plane = uint64(task)
        for q in range(kd):
            t_lo, t_hi = _valid_range(d, od, q * dd - pd, sd)
            for i in range(kh):
                y_lo, y_hi = _valid_range(h, oh, i * dh - ph, sh)
                for j in range(kw):
                    z_lo, z_hi = _valid_range(w, ow, j * dw - pw, sw)
                    tap = uint64((q * kh + i) * kw + j)
                    base = (plane * uint64(kd * kh * kw) + tap) * uint64(od) * area
                    # depth slices wholly in the padding as two runs
                    for t in range(uint64(t_lo) * area):
                        cols[base + t] = 0
                    for t in range(uint64(t_hi) * area, uint64(od) * area):
                        cols[base + t] = 0
                    count = uint64(z_hi - z_lo)
                    for t in range(t_lo, t_hi):
                        dst = base + uint64(t) * area
                        # t_lo <= t < t_hi keeps this depth inside [0, d)
                        src = (plane * uint64(d) + uint64(t * sd - pd + q * dd)) * uint64(h * w)
                        # rows wholly in the padding as two runs, not row by row
                        for u in range(uint64(y_lo * ow)):
                            cols[dst + u] = 0
                        for u in range(uint64(y_hi * ow), area):
                            cols[dst + u] = 0
                        for y in range(y_lo, y_hi):
                            row = dst + uint64(y * ow)
                            line = src + uint64(
                                (y * sh - ph + i * dh) * w + z_lo * sw - pw + j * dw
                            )
                            for z in range(uint64(z_lo)):
                                cols[row + z] = 0
                            start = row + uint64(z_lo)
                            # a contiguous copy, which vectorizes (LeNet conv1: 180 -> 115 us)
                            if sw == 1:
                                for z in range(count):
                                    cols[start + z] = x[line + z]
                            else:
                                for z in range(count):
                                    cols[start + z] = x[line + z * uint64(sw)]
                            for z in range(uint64(z_hi), uint64(ow)):
                                cols[row + z] = 0


def col2im_planes(cols, n, c, d, h, w, kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw, od, oh,
                  ow, out):  # fmt: skip
    """The adjoint of `im2col_planes`: out (flat C-contiguous (n, c, d, h, w)) is zeroed,
    then each column entry is added to the input pixel it was copied from. Parallel over
    the (n, c) planes, which no two tasks share."""
    area = uint64(oh * ow)
    for task in prange(n * c):
        plane = uint64(task)
        for t in range(plane * uint64(d * h * w), (plane + 1) * uint64(d * h * w)):
            out[t] = 0
        for q in range(kd):
            t_lo, t_hi = _valid_range(d, od, q * dd - pd, sd)
            for i in range(kh):
                y_lo, y_hi = _valid_range(h, oh, i * dh - ph, sh)
                for j in range(kw):
                    z_lo, z_hi = _valid_range(w, ow, j * dw - pw, sw)
                    tap = uint64((q * kh + i) * kw + j)
                    base = (plane * uint64(kd * kh * kw) + tap) * uint64(od) * area
                    for t in range(t_lo, t_hi):
                        src = base + uint64(t) * area
                        # t_lo <= t < t_hi keeps this depth inside [0, d)
                        dst = (plane * uint64(d) + uint64(t * sd - pd + q * dd)) * uint64(h * w)
                        for y in range(y_lo, y_hi):
                            row = src + uint64(y * ow + z_lo)
                            line = dst + uint64(
                                (y * sh - ph + i * dh) * w + z_lo * sw - pw + j * dw
                            )
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
    """One convolution's sizes, the batch chunks its column buffer is cut into, and the
    host side of its forward and backward passes (`conv2d_forward`, `conv2d_backward`
    below), written once. A backend's subclass gives its pieces as static methods:
    `contiguous(a)`, `flat(a)` (a 1-D view of a contiguous array), `empty(shape, dtype)`,
    `zero(a)`, `im2col(x, window, cols)` and `col2im(cols, window, out)` (its launchers),
    `gemm_batched`, `fill_bias(out, bias)` (out[b, oc] = bias[oc], 0 without a bias),
    `bias_gradient(grad_out, grad_b)`, and `table(key, build)`, an offset table as the
    backend's GEMM reads it; and as attribute `cols_budget`, the bytes of column
    buffer per chunk of the batch. `fast_forward` and `fast_backward` may take a
    convolution over (Winograd on the CPU) by returning True."""

    cols_budget: int

    def __init__(self, x, w, stride, padding, dilation, groups):
        self.n, self.c = x.shape[:2]
        self.oc, cg = w.shape[:2]
        kernel = tuple(w.shape[2:])
        # 2-D convolutions keep the 2-D window that Winograd and Unfold speak
        record = Window if len(kernel) == 2 else Window3d
        self.window = record.of(kernel, stride, padding, dilation)
        self.groups = groups
        self.out_sizes = tuple(
            conv_output_size(x.shape[2 + i], kernel[i], stride[i], padding[i], dilation[i])
            for i in range(len(kernel))
        )
        self.spatial = math.prod(self.out_sizes)
        self.ocg = self.oc // groups
        self.taps = math.prod(kernel)
        self.ckk = cg * self.taps  # GEMM depth per group
        # a 1x1 kernel with unit stride and no padding needs no im2col: x is its columns
        self.pointwise = self.taps == 1 and all(s == 1 for s in stride) and not any(padding)
        per_sample = self.c * self.taps * self.spatial * x.dtype.itemsize
        self.chunk = self.n if self.pointwise else max(1, self.cols_budget // max(per_sample, 1))
        self.key = (x.shape, w.shape, self.window, groups)

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
        self.im2col(x_chunk, self.window, cols)
        return self.flat(cols)

    def buffer(self, dtype):
        if self.pointwise:
            return None
        rows = self.c * self.taps
        return self.empty((min(self.chunk, self.n), rows, self.spatial), dtype)

    def offsets(
        self,
        name: str,
        outer: int,
        outer_stride: int,
        inner: int,
        inner_stride: int,
        shape: tuple = (-1,),
        start: int = 0,
    ):
        """`offset_table(outer, outer_stride, inner, inner_stride) + start`, reshaped, as
        the backend's GEMM reads it (kept per convolution, chunk and name)."""

        def build():
            table = offset_table(outer, outer_stride, inner, inner_stride)
            return (table + start if start else table).reshape(shape)

        return self.table((self.key, name, outer, inner, start), build)

    @staticmethod
    def fast_forward(x, w, bias, stride, padding, dilation, groups, out) -> bool:
        return False

    @staticmethod
    def fast_backward(x, w, grad_out, stride, padding, dilation, groups, grad_x, grad_w) -> bool:
        return False


def conv2d_forward(
    kind: type[Conv],
    x,
    w,
    bias,
    stride,
    padding,
    dilation,
    groups: int,
    out,
    keep_columns: bool = False,
):
    """out (N, OC, OH, OW) C-contiguous = conv2d(x (N, C, H, W), w (OC, C/groups, KH, KW))
    (+ bias (OC,)), or conv3d of (N, C, D, H, W) arrays with (depth, height, width)
    geometry, on the backend whose pieces `kind` gives: per sample and group,
    out[b, g] = w[g] @ im2col(x[b, g]). With `keep_columns`, returns the im2col columns
    of the whole batch when they were made in one piece (for `conv2d_backward`'s weight
    gradient), else None."""
    if out.size == 0:
        return None
    x, w = kind.contiguous(x), kind.contiguous(w)
    if kind.fast_forward(x, w, bias, stride, padding, dilation, groups, out):
        return None
    g = kind(x, w, stride, padding, dilation, groups)
    if g.ckk == 0:  # no input channels: only the bias is left
        g.fill_bias(out, bias)
        return None
    cols_buffer = g.buffer(out.dtype)
    w_flat = g.flat(w)
    bias_flat = None if bias is None else g.flat(g.contiguous(bias))
    out_flat = out.reshape(-1)
    sample = g.oc * g.spatial
    cols_sample = groups * g.ckk * g.spatial
    # one product per (sample b, group j), numbered b*groups + j: out[b, j] = w[j] @ cols[b, j]
    for b0, b1 in g.chunks():
        cols = g.columns(x[b0:b1], cols_buffer)
        count = b1 - b0
        w_at = g.offsets("w", count, 0, groups, g.ocg * g.ckk, (-1, 1))
        cols_at = g.offsets("cols", count, cols_sample, groups, g.ckk * g.spatial, (-1, 1))
        out_at = g.offsets("out", count, sample, groups, g.ocg * g.spatial, start=b0 * sample)
        bias_at = g.offsets("bias", count, 0, groups, g.ocg)
        g.gemm_batched(
            Operand(w_flat, w_at, g.ckk, 1),
            Operand(cols, cols_at, g.spatial, 1),
            out_flat,
            out_at,
            g.ocg,
            g.spatial,
            g.ckk,
            None if bias is None else Operand(bias_flat, bias_at, 1, 0),
        )
    return cols_buffer if keep_columns and g.whole_batch else None


def conv2d_backward(
    kind: type[Conv],
    x,
    w,
    grad_out,
    stride,
    padding,
    dilation,
    groups: int,
    grad_x,
    grad_w,
    grad_b,
    columns=None,
) -> None:
    """Gradients of `conv2d_forward` given grad_out (N, OC, OH, OW); each of grad_x
    (N, C, H, W), grad_w (OC, C/groups, KH, KW) and grad_b (OC,) that is not None is a
    C-contiguous array to overwrite. Per group: grad_w[g] = sum_b grad_out[b, g] @
    im2col(x[b, g])^T, grad_x[b, g] = col2im(w[g]^T @ grad_out[b, g]). `columns`: what
    `conv2d_forward` kept of x's columns, read (never written) instead of made again."""
    x, w, grad_out = kind.contiguous(x), kind.contiguous(w), kind.contiguous(grad_out)
    g = kind(x, w, stride, padding, dilation, groups)
    if grad_b is not None:
        if grad_out.size == 0:
            g.zero(grad_b)
        else:
            g.bias_gradient(grad_out, grad_b)
    if grad_w is not None and (grad_out.size == 0 or g.spatial == 0):
        g.zero(grad_w)
        grad_w = None
    if grad_x is not None and (grad_out.size == 0 or g.ckk == 0):
        g.zero(grad_x)
        grad_x = None
    if grad_w is None and grad_x is None:
        return
    if kind.fast_backward(x, w, grad_out, stride, padding, dilation, groups, grad_x, grad_w):
        return
    # the columns of x are dead once grad_w has them, so dcols reuses their buffer (a new
    # one when the forward's columns are read: a retained graph may read them again)
    cols_buffer = g.buffer(x.dtype)
    w_flat = g.flat(w)
    go_flat = g.flat(grad_out)
    sample = g.oc * g.spatial
    cols_sample = groups * g.ckk * g.spatial
    for b0, b1 in g.chunks():
        count = b1 - b0
        if grad_w is not None:
            if columns is not None and g.whole_batch:
                cols = g.flat(columns)
            else:
                cols = g.columns(x[b0:b1], cols_buffer)
            # one product per group j, summed over the chunk's samples b (columns R):
            # grad_w[j] += grad_out[b, j] @ cols[b, j]^T
            grad_out_at = g.offsets(
                "grad_out_w",
                groups,
                g.ocg * g.spatial,
                count,
                sample,
                (groups, count),
                start=b0 * sample,
            )
            cols_at = g.offsets(
                "cols_w", groups, g.ckk * g.spatial, count, cols_sample, (groups, count)
            )
            grad_w_at = g.offsets("grad_w", groups, g.ocg * g.ckk, 1, 0)
            g.gemm_batched(
                Operand(go_flat, grad_out_at, g.spatial, 1),
                Operand(cols, cols_at, 1, g.spatial),
                grad_w.reshape(-1),
                grad_w_at,
                g.ocg,
                g.ckk,
                g.spatial,
                accumulate=b0 > 0,
            )
        if grad_x is not None:
            # one product per (sample b, group j): dcols[b, j] = w[j]^T @ grad_out[b, j]
            dcols = grad_x[b0:b1] if g.pointwise else cols_buffer[:count]
            w_at = g.offsets("w", count, 0, groups, g.ocg * g.ckk, (-1, 1))
            grad_out_at = g.offsets(
                "grad_out_x", count, sample, groups, g.ocg * g.spatial, (-1, 1), start=b0 * sample
            )
            dcols_at = g.offsets("dcols", count, cols_sample, groups, g.ckk * g.spatial)
            g.gemm_batched(
                Operand(w_flat, w_at, 1, g.ckk),
                Operand(go_flat, grad_out_at, g.spatial, 1),
                dcols.reshape(-1),
                dcols_at,
                g.ckk,
                g.spatial,
                g.ocg,
            )
            if not g.pointwise:
                g.col2im(dcols, g.window, grad_x[b0:b1])
