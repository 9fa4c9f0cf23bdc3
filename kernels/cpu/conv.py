"""2-D convolution (NCHW) on numpy arrays: im2col/col2im and the forward and backward
passes built from them and the packed GEMM of matmul.py, groups and depthwise included;
3x3 stride-1 convolutions with enough channels and pixels run as Winograd F(4x4, 3x3).

The batch runs in chunks whose column buffer stays in the last-level cache, so the
columns that im2col writes are still cached when the GEMM packs them.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange, uint64

from ..common import conv as common
from ..common.conv import conv_output_size, offset_table
from . import winograd
from .matmul import flat_view, gemm_batched

COLS_BUDGET = 8 << 20  # bytes of column buffer per chunk: a quarter of the 32 MB L3
# When a 3x3 stride-1 convolution runs as Winograd F(4x4, 3x3) (winograd.py) rather than
# im2col + GEMM (forward + backward speed against im2col's, 2 threads, in brackets):
# - at least this many input and output channels (with fewer, its transforms cost more
#   than its 4x fewer multiplies save);
# - this many 4x4 output blocks per image (64x16x8x8 -> 32: 0.8x, 64x16x12x12: 0.96x,
#   64x16x14x14 -> 32: 1.13x, 64x16x16x16 -> 16: 1.7x);
# - this many blocks per thread in the batch (batch 2 of 32x32: 0.84x, 4: 1.19x);
# - a transformed weight (36 x C x K) of at most this many bytes, which every task
#   streams through once (C = K = 256 on 16x16 images: 9.4 MB, 0.88x; C = K = 128: 1.6x).
WINOGRAD_CHANNELS = 16
WINOGRAD_IMAGE_BLOCKS = 16
WINOGRAD_THREAD_BLOCKS = 128
WINOGRAD_WEIGHT_BYTES = 4 << 20


_im2col = njit(parallel=True, cache=True)(common.im2col_planes)


_col2im = njit(parallel=True, cache=True)(common.col2im_planes)


@njit(parallel=True, fastmath={"reassoc", "contract", "arcp", "nsz"}, cache=True)
def _sum_over_batch_and_space(grad_out, n, c, size, grad_b):
    """grad_b[ch] = sum over b, t of grad_out[b, ch, t]; grad_out flat C-contiguous
    (n, c, size). Accumulates in float64 so float32 sums keep their accuracy; `reassoc`
    lets the sum vectorize."""
    for task in prange(c):
        ch = uint64(task)
        total = 0.0
        for b in range(uint64(n)):
            at = (b * uint64(c) + ch) * uint64(size)
            for t in range(uint64(size)):
                total += grad_out[at + t]
        grad_b[ch] = total


def im2col(
    x: np.ndarray,
    kh: int,
    kw: int,
    sh: int,
    sw: int,
    ph: int,
    pw: int,
    dh: int,
    dw: int,
    cols: np.ndarray,
) -> None:
    """cols (N, C*kh*kw, OH*OW) C-contiguous = the patches of x (N, C, H, W) C-contiguous,
    row (c*kh + i)*kw + j holding kernel tap (i, j) of channel c; zero in the padding."""
    n, c, h, w = x.shape
    oh = conv_output_size(h, kh, sh, ph, dh)
    ow = conv_output_size(w, kw, sw, pw, dw)
    if cols.size == 0:
        return
    _im2col(flat_view(x)[0], n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow,
            cols.reshape(-1))  # fmt: skip


def col2im(
    cols: np.ndarray,
    kh: int,
    kw: int,
    sh: int,
    sw: int,
    ph: int,
    pw: int,
    dh: int,
    dw: int,
    out: np.ndarray,
) -> None:
    """The adjoint of `im2col`: out (N, C, H, W) C-contiguous is zeroed, then every entry
    of cols (N, C*kh*kw, OH*OW) C-contiguous is added to the pixel it came from."""
    n, c, h, w = out.shape
    oh = conv_output_size(h, kh, sh, ph, dh)
    ow = conv_output_size(w, kw, sw, pw, dw)
    if out.size == 0:
        return
    _col2im(flat_view(cols)[0], n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow,
            out.reshape(-1))  # fmt: skip


def _winograd(x, w, stride, padding, dilation, groups) -> bool:
    """Whether this convolution runs as Winograd F(4x4, 3x3) rather than as im2col + GEMM."""
    if not winograd.supported(x, w, stride, padding, dilation, groups):
        return False
    oh, ow = (conv_output_size(x.shape[2 + i], 3, 1, padding[i], 1) for i in range(2))
    blocks = -(-oh // 4) * -(-ow // 4)
    return (
        min(w.shape[:2]) >= WINOGRAD_CHANNELS
        and winograd.PLANES * w.shape[0] * w.shape[1] * w.itemsize <= WINOGRAD_WEIGHT_BYTES
        and blocks >= WINOGRAD_IMAGE_BLOCKS
        and x.shape[0] * blocks >= WINOGRAD_THREAD_BLOCKS * numba.get_num_threads()
    )


class _Conv(common.Conv):
    """A convolution's sizes and batch chunks, with the CPU's pieces."""

    cols_budget = COLS_BUDGET

    def im2col(self, x_chunk, cols):
        im2col(x_chunk, self.kh, self.kw, self.sh, self.sw, self.ph, self.pw, self.dh,
               self.dw, cols)  # fmt: skip

    @staticmethod
    def flat(a):
        return flat_view(a)[0]

    @staticmethod
    def empty(shape, dtype):
        return np.empty(shape, dtype)


def conv2d_forward(
    x: np.ndarray,
    w: np.ndarray,
    bias: np.ndarray | None,
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
    groups: int,
    out: np.ndarray,
    keep_columns: bool = False,
) -> np.ndarray | None:
    """out (N, OC, OH, OW) C-contiguous = conv2d(x (N, C, H, W), w (OC, C/groups, KH, KW))
    (+ bias (OC,)): per sample and group, out[b, g] = w[g] @ im2col(x[b, g]).
    With `keep_columns`, returns the im2col columns of the whole batch when they were
    made in one piece (for `conv2d_backward`'s weight gradient), else None."""
    if out.size == 0:
        return None
    x = np.ascontiguousarray(x)
    w = np.ascontiguousarray(w)
    if _winograd(x, w, stride, padding, dilation, groups):
        winograd.forward(x, w, bias, padding, out)
        return None
    g = _Conv(x, w, stride, padding, dilation, groups)
    cols_buffer = g.buffer(out.dtype)
    w_flat = flat_view(w)[0]
    bias_flat = None if bias is None else flat_view(np.ascontiguousarray(bias))[0]
    if g.ckk == 0:  # no input channels: only the bias is left
        out[...] = 0 if bias is None else bias[:, None, None]
        return None
    out_flat = out.reshape(-1)
    sample = g.oc * g.spatial
    cols_sample = groups * g.ckk * g.spatial
    # one product per (sample b, group j), numbered b*groups + j: out[b, j] = w[j] @ cols[b, j]
    for b0, b1 in g.chunks():
        cols = g.columns(x[b0:b1], cols_buffer)
        count = b1 - b0
        w_at = offset_table(count, 0, groups, g.ocg * g.ckk)[:, None]
        cols_at = offset_table(count, cols_sample, groups, g.ckk * g.spatial)[:, None]
        out_at = offset_table(count, sample, groups, g.ocg * g.spatial) + b0 * sample
        bias_at = offset_table(count, 0, groups, g.ocg)
        gemm_batched(w_flat, w_at, g.ckk, 1, cols, cols_at, g.spatial, 1, out_flat, out_at,
                     g.ocg, g.spatial, g.ckk, bias_flat, bias_at, 1, 0)  # fmt: skip
    return cols_buffer if keep_columns and g.whole_batch else None


def conv2d_backward(
    x: np.ndarray,
    w: np.ndarray,
    grad_out: np.ndarray,
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
    groups: int,
    grad_x: np.ndarray | None,
    grad_w: np.ndarray | None,
    grad_b: np.ndarray | None,
    columns: np.ndarray | None = None,
) -> None:
    """Gradients of `conv2d_forward` given grad_out (N, OC, OH, OW); each of grad_x
    (N, C, H, W), grad_w (OC, C/groups, KH, KW) and grad_b (OC,) that is not None is a
    C-contiguous array to overwrite. Per group: grad_w[g] = sum_b grad_out[b, g] @
    im2col(x[b, g])^T, grad_x[b, g] = col2im(w[g]^T @ grad_out[b, g]). `columns`: what
    `conv2d_forward` kept of x's columns, read (never written) instead of made again."""
    x = np.ascontiguousarray(x)
    w = np.ascontiguousarray(w)
    grad_out = np.ascontiguousarray(grad_out)
    g = _Conv(x, w, stride, padding, dilation, groups)
    if grad_b is not None:
        if grad_out.size == 0:
            grad_b[...] = 0
        else:
            _sum_over_batch_and_space(flat_view(grad_out)[0], g.n, g.oc, g.spatial, grad_b)
    if grad_w is not None and (grad_out.size == 0 or g.spatial == 0):
        grad_w[...] = 0
        grad_w = None
    if grad_x is not None and (grad_out.size == 0 or g.ckk == 0):
        grad_x[...] = 0
        grad_x = None
    if grad_w is None and grad_x is None:
        return
    if _winograd(x, w, stride, padding, dilation, groups):
        if grad_x is not None:
            winograd.input_grad(grad_out, w, padding, grad_x)
        if grad_w is not None:
            winograd.weight_grad(x, grad_out, padding, grad_w)
        return
    # the columns of x are dead once grad_w has them, so dcols reuses their buffer (a new
    # one when the forward's columns are read: a retained graph may read them again)
    cols_buffer = g.buffer(x.dtype)
    w_flat = flat_view(w)[0]
    go_flat = flat_view(grad_out)[0]
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
            grad_out_at = offset_table(groups, g.ocg * g.spatial, count, sample) + b0 * sample
            cols_at = offset_table(groups, g.ckk * g.spatial, count, cols_sample)
            grad_w_at = offset_table(groups, g.ocg * g.ckk, 1, 0)
            gemm_batched(go_flat, grad_out_at.reshape(groups, count), g.spatial, 1,
                         cols, cols_at.reshape(groups, count), 1, g.spatial,
                         grad_w.reshape(-1), grad_w_at, g.ocg, g.ckk, g.spatial,
                         accumulate=b0 > 0)  # fmt: skip
        if grad_x is not None:
            # one product per (sample b, group j): dcols[b, j] = w[j]^T @ grad_out[b, j]
            dcols = grad_x[b0:b1] if g.pointwise else cols_buffer[:count]
            w_at = offset_table(count, 0, groups, g.ocg * g.ckk)[:, None]
            grad_out_at = offset_table(count, sample, groups, g.ocg * g.spatial) + b0 * sample
            dcols_at = offset_table(count, cols_sample, groups, g.ckk * g.spatial)
            gemm_batched(w_flat, w_at, 1, g.ckk, go_flat, grad_out_at[:, None], g.spatial, 1,
                         dcols.reshape(-1), dcols_at, g.ckk, g.spatial, g.ocg)  # fmt: skip
            if not g.pointwise:
                col2im(dcols, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw,
                       grad_x[b0:b1])  # fmt: skip
