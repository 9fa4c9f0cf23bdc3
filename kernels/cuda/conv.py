"""2-D convolution (NCHW) on device arrays: im2col/col2im and the forward and backward
passes built from them and the tiled GEMM of matmul.py, groups and depthwise included.

The same scheme as kernels/cpu/conv.py: the im2col/col2im rules of kernels/common/conv.py
run here a thread per (sample, channel) plane (`per_slice`), and its offset tables number
the GEMM's products. The batch runs in chunks so the column buffer stays within COLS_BUDGET.
"""

from __future__ import annotations

import numpy as np
from numba import cuda

from ..common import conv as common
from ..common.conv import conv_output_size, offset_table
from ..common.reduction import SUM
from ._launch import empty, flat_memory, from_host_cached, launch, per_slice, restride
from .elementwise import contiguous, copy, fill
from .matmul import gemm_batched
from .reduction import reduce

COLS_BUDGET = 256 << 20  # bytes of column buffer per chunk of the batch

_im2col_plane = per_slice(common.im2col_planes)
_col2im_plane = per_slice(common.col2im_planes)


@cuda.jit(cache=True)
def _im2col(x, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, cols):
    """x: flat (planes, h, w), cols: flat (planes, kh*kw, oh*ow); a thread per plane."""
    size, taps = h * w, kh * kw * oh * ow
    for p in range(cuda.grid(1), x.size // size, cuda.gridsize(1)):
        _im2col_plane(x[p * size:(p + 1) * size], 1, 1, h, w, kh, kw, sh, sw, ph, pw, dh, dw,
                      oh, ow, cols[p * taps:(p + 1) * taps])  # fmt: skip


@cuda.jit(cache=True)
def _col2im(cols, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, out):
    """The adjoint of `_im2col`; a thread per plane, whose pixels no other thread writes."""
    size, taps = h * w, kh * kw * oh * ow
    for p in range(cuda.grid(1), out.size // size, cuda.gridsize(1)):
        _col2im_plane(cols[p * taps:(p + 1) * taps], 1, 1, h, w, kh, kw, sh, sw, ph, pw, dh,
                      dw, oh, ow, out[p * size:(p + 1) * size])  # fmt: skip


def im2col(x, kh, kw, sh, sw, ph, pw, dh, dw, cols) -> None:
    """cols (N, C*kh*kw, OH*OW) C-contiguous = the patches of x (N, C, H, W) C-contiguous,
    row (c*kh + i)*kw + j holding kernel tap (i, j) of channel c; zero in the padding."""
    n, c, h, w = x.shape
    oh, ow = conv_output_size(h, kh, sh, ph, dh), conv_output_size(w, kw, sw, pw, dw)
    if cols.size:
        _im2col[launch(n * c)](x.reshape(-1), c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow,
                               cols.reshape(-1))  # fmt: skip


def col2im(cols, kh, kw, sh, sw, ph, pw, dh, dw, out) -> None:
    """The adjoint of `im2col`: out (N, C, H, W) C-contiguous is zeroed, then every entry
    of cols (N, C*kh*kw, OH*OW) C-contiguous is added to the pixel it came from."""
    n, c, h, w = out.shape
    oh, ow = conv_output_size(h, kh, sh, ph, dh), conv_output_size(w, kw, sw, pw, dw)
    if out.size:
        _col2im[launch(n * c)](cols.reshape(-1), c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh,
                               ow, out.reshape(-1))  # fmt: skip


class _Conv(common.Conv):
    """A convolution's sizes and batch chunks, with the device's pieces, and the GEMM's
    offset tables cached on the device per convolution."""

    cols_budget = COLS_BUDGET

    def __init__(self, x, w, stride, padding, dilation, groups):
        super().__init__(x, w, stride, padding, dilation, groups)
        self.key = (x.shape, w.shape, tuple(stride), tuple(padding), tuple(dilation), groups)

    def im2col(self, x_chunk, cols):
        im2col(x_chunk, self.kh, self.kw, self.sh, self.sw, self.ph, self.pw, self.dh,
               self.dw, cols)  # fmt: skip

    @staticmethod
    def flat(a):
        return a.reshape(-1)

    @staticmethod
    def empty(shape, dtype):
        return empty(shape, dtype)

    def table(self, name, *args, shape=None):
        """`offset_table(*args)` (reshaped to `shape`) on the device, cached per convolution."""
        return from_host_cached(
            (self.key, name, args, shape),
            lambda: offset_table(*args) if shape is None else offset_table(*args).reshape(shape),
        )


def _fill_bias(out, bias) -> None:
    """out (N, OC, OH, OW) = bias[oc] (0 without a bias): a convolution over no channels."""
    if bias is None:
        fill(out, 0)
    else:
        copy(restride(flat_memory(bias), out.shape, (0, bias.strides[0], 0, 0)), out)


def conv2d_forward(x, w, bias, stride, padding, dilation, groups, out, keep_columns=False):
    """out (N, OC, OH, OW) C-contiguous = conv2d(x (N, C, H, W), w (OC, C/groups, KH, KW))
    (+ bias (OC,)): per sample and group, out[b, g] = w[g] @ im2col(x[b, g]).
    With `keep_columns`, returns the im2col columns of the whole batch when they were
    made in one piece (for `conv2d_backward`'s weight gradient), else None."""
    if out.size == 0:
        return None
    x, w = contiguous(x), contiguous(w)
    g = _Conv(x, w, stride, padding, dilation, groups)
    if g.ckk == 0:  # no input channels: only the bias is left
        _fill_bias(out, bias)
        return None
    cols_buffer = g.buffer(out.dtype)
    bias_flat = None if bias is None else flat_memory(contiguous(bias))
    out_flat = out.reshape(-1)
    sample = g.oc * g.spatial
    cols_sample = groups * g.ckk * g.spatial
    # one product per (sample b, group j), numbered b*groups + j: out[b, j] = w[j] @ cols[b, j]
    for b0, b1 in g.chunks():
        cols = g.columns(x[b0:b1], cols_buffer)
        count = b1 - b0
        w_at = g.table("w", count, 0, groups, g.ocg * g.ckk, shape=(-1, 1))
        cols_at = g.table("cols", count, cols_sample, groups, g.ckk * g.spatial, shape=(-1, 1))
        out_at = from_host_cached(
            (g.key, "out", b0, count),
            lambda b0=b0, count=count: (
                offset_table(count, sample, groups, g.ocg * g.spatial) + b0 * sample
            ),
        )
        bias_at = g.table("bias", count, 0, groups, g.ocg)
        gemm_batched(w.reshape(-1), w_at, g.ckk, 1, cols, cols_at, g.spatial, 1, out_flat,
                     out_at, g.ocg, g.spatial, g.ckk, bias_flat, bias_at, 1, 0)  # fmt: skip
    return cols_buffer if keep_columns and g.whole_batch else None


def _bias_gradient(grad_out, grad_b) -> None:
    """grad_b[oc] = sum over samples and pixels of grad_out (N, OC, OH, OW), in float64:
    the reduction kernels over the pixels, then over the samples."""
    n, oc = grad_out.shape[:2]
    spatial = grad_out.size // max(n * oc, 1)
    per_sample = empty((n, oc), np.dtype(np.float64))
    reduce(SUM, grad_out.reshape(-1), per_sample, spatial, 1)
    total = empty((oc,), np.dtype(np.float64))
    reduce(SUM, per_sample, total, n, oc)
    copy(total, grad_b)


def conv2d_backward(x, w, grad_out, stride, padding, dilation, groups, grad_x, grad_w,
                    grad_b, columns=None) -> None:  # fmt: skip
    """Gradients of `conv2d_forward` given grad_out (N, OC, OH, OW); each of grad_x
    (N, C, H, W), grad_w (OC, C/groups, KH, KW) and grad_b (OC,) that is not None is a
    C-contiguous device array to overwrite. Per group: grad_w[g] = sum_b grad_out[b, g] @
    im2col(x[b, g])^T, grad_x[b, g] = col2im(w[g]^T @ grad_out[b, g]). `columns`: what
    `conv2d_forward` kept of x's columns, read (never written) instead of made again."""
    x, w, grad_out = contiguous(x), contiguous(w), contiguous(grad_out)
    g = _Conv(x, w, stride, padding, dilation, groups)
    if grad_b is not None:
        if grad_out.size == 0:
            fill(grad_b, 0)
        else:
            _bias_gradient(grad_out, grad_b)
    if grad_w is not None and (grad_out.size == 0 or g.spatial == 0):
        fill(grad_w, 0)
        grad_w = None
    if grad_x is not None and (grad_out.size == 0 or g.ckk == 0):
        fill(grad_x, 0)
        grad_x = None
    if grad_w is None and grad_x is None:
        return
    # the columns of x are dead once grad_w has them, so dcols reuses their buffer (a new
    # one when the forward's columns are read: a retained graph may read them again)
    cols_buffer = g.buffer(x.dtype)
    go_flat = grad_out.reshape(-1)
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
            grad_out_at = from_host_cached(
                (g.key, "grad_out_w", b0, count),
                lambda b0=b0, count=count: (
                    offset_table(groups, g.ocg * g.spatial, count, sample) + b0 * sample
                ).reshape(groups, count),
            )
            cols_at = g.table("cols_w", groups, g.ckk * g.spatial, count, cols_sample,
                              shape=(groups, count))  # fmt: skip
            grad_w_at = g.table("grad_w", groups, g.ocg * g.ckk, 1, 0)
            gemm_batched(go_flat, grad_out_at, g.spatial, 1, cols, cols_at, 1, g.spatial,
                         grad_w.reshape(-1), grad_w_at, g.ocg, g.ckk, g.spatial,
                         accumulate=b0 > 0)  # fmt: skip
        if grad_x is not None:
            # one product per (sample b, group j): dcols[b, j] = w[j]^T @ grad_out[b, j]
            dcols = grad_x[b0:b1] if g.pointwise else cols_buffer[:count]
            w_at = g.table("w", count, 0, groups, g.ocg * g.ckk, shape=(-1, 1))
            grad_out_at = from_host_cached(
                (g.key, "grad_out_x", b0, count),
                lambda b0=b0, count=count: (
                    offset_table(count, sample, groups, g.ocg * g.spatial) + b0 * sample
                ).reshape(-1, 1),
            )
            dcols_at = g.table("dcols", count, cols_sample, groups, g.ckk * g.spatial)
            gemm_batched(w.reshape(-1), w_at, 1, g.ckk, go_flat, grad_out_at, g.spatial, 1,
                         dcols.reshape(-1), dcols_at, g.ckk, g.spatial, g.ocg)  # fmt: skip
            if not g.pointwise:
                col2im(dcols, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, grad_x[b0:b1])


__all__ = ["col2im", "conv2d_backward", "conv2d_forward", "conv_output_size", "im2col"]
