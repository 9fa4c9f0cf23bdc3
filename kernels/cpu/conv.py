"""2-D and 3-D convolution (NCHW, NCDHW) on numpy arrays: im2col/col2im and the forward
and backward passes built from them and the packed GEMM of matmul.py, groups and
depthwise included;
3x3 stride-1 convolutions with enough channels and pixels run as Winograd F(4x4, 3x3).

The batch runs in chunks whose column buffer stays in the last-level cache, so the
columns that im2col writes are still cached when the GEMM packs them.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange, uint64

from ..common import conv as common
from ..common.conv import conv_output_size
from ..contract import Window, Window3d
from . import winograd
from ._launch import optimize_at
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
# im2col at -O3 costs 3.6 s more CPU to compile and runs slower; col2im runs 1.3x
# faster at -O3 (LeNet's second conv backward, AVX-512), so it keeps it
optimize_at(1, _im2col)


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


def im2col(x: np.ndarray, window: Window | Window3d, cols: np.ndarray) -> None:
    """cols (N, C*kh*kw, OH*OW) C-contiguous = the patches of x (N, C, H, W) C-contiguous,
    row (c*kh + i)*kw + j holding kernel tap (i, j) of channel c; zero in the padding.
    With a `Window3d`, x is (N, C, D, H, W) and cols (N, C*kd*kh*kw, OD*OH*OW)."""
    sizes, window, out = common.volume(x.shape, window)
    if cols.size:
        _im2col(flat_view(x)[0], *x.shape[:2], *sizes, *window, *out, cols.reshape(-1))


def col2im(cols: np.ndarray, window: Window | Window3d, out: np.ndarray) -> None:
    """The adjoint of `im2col`: out (N, C, H, W) (or (N, C, D, H, W) with a `Window3d`)
    C-contiguous is zeroed, then every entry of cols (N, C*kh*kw, OH*OW) C-contiguous is
    added to the pixel it came from."""
    sizes, window, out_sizes = common.volume(out.shape, window)
    if out.size:
        _col2im(flat_view(cols)[0], *out.shape[:2], *sizes, *window, *out_sizes, out.reshape(-1))


def _winograd(x, w, stride, padding, dilation, groups) -> bool:
    """Whether this convolution runs as Winograd F(4x4, 3x3) rather than as im2col + GEMM."""
    if x.ndim != 4 or not winograd.supported(x, w, stride, padding, dilation, groups):
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
    """A convolution on the CPU: numpy arrays, the packed GEMM, Winograd where it pays."""

    im2col = staticmethod(im2col)
    col2im = staticmethod(col2im)
    gemm_batched = staticmethod(gemm_batched)
    contiguous = staticmethod(np.ascontiguousarray)
    empty = staticmethod(np.empty)

    @property
    def cols_budget(self) -> int:
        return COLS_BUDGET

    @staticmethod
    def flat(a):
        return flat_view(a)[0]

    @staticmethod
    def zero(a):
        a[...] = 0

    @staticmethod
    def table(key, build):
        return build()  # offset_table keeps the few a training loop asks for

    @staticmethod
    def fill_bias(out, bias):
        out[...] = 0 if bias is None else bias.reshape(-1, *(1,) * (out.ndim - 2))

    @staticmethod
    def bias_gradient(grad_out, grad_b):
        n, oc = grad_out.shape[:2]
        spatial = grad_out.size // (n * oc)
        _sum_over_batch_and_space(flat_view(grad_out)[0], n, oc, spatial, grad_b)

    @staticmethod
    def fast_forward(x, w, bias, stride, padding, dilation, groups, out) -> bool:
        if not _winograd(x, w, stride, padding, dilation, groups):
            return False
        winograd.forward(x, w, bias, padding, out)
        return True

    @staticmethod
    def fast_backward(x, w, grad_out, stride, padding, dilation, groups, grad_x, grad_w) -> bool:
        if not _winograd(x, w, stride, padding, dilation, groups):
            return False
        if grad_x is not None:
            winograd.input_grad(grad_out, w, padding, grad_x)
        if grad_w is not None:
            winograd.weight_grad(x, grad_out, padding, grad_w)
        return True


def conv2d_forward(
    x: np.ndarray,
    w: np.ndarray,
    bias: np.ndarray | None,
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    dilation: tuple[int, ...],
    groups: int,
    out: np.ndarray,
    keep_columns: bool = False,
) -> np.ndarray | None:
    """`common.conv2d_forward` (kernels/common/conv.py) on numpy arrays."""
    return common.conv2d_forward(
        _Conv, x, w, bias, stride, padding, dilation, groups, out, keep_columns
    )


def conv2d_backward(
    x: np.ndarray,
    w: np.ndarray,
    grad_out: np.ndarray,
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    dilation: tuple[int, ...],
    groups: int,
    grad_x: np.ndarray | None,
    grad_w: np.ndarray | None,
    grad_b: np.ndarray | None,
    columns: np.ndarray | None = None,
) -> None:
    """`common.conv2d_backward` (kernels/common/conv.py) on numpy arrays."""
    common.conv2d_backward(
        _Conv, x, w, grad_out, stride, padding, dilation, groups, grad_x, grad_w, grad_b, columns
    )
