"""2-D and 3-D convolution (NCHW, NCDHW) on device arrays: im2col/col2im and the forward
and backward passes built from them and the tiled GEMM of matmul.py, groups and depthwise
included.

The same scheme as kernels/cpu/conv.py: the im2col/col2im rules of kernels/common/conv.py
run here a thread per (sample, channel) plane (`per_slice`), and its offset tables number
the GEMM's products. The batch runs in chunks so the column buffer stays within COLS_BUDGET.
"""

from __future__ import annotations

import numpy as np
from numba import cuda

from ..common import conv as common
from ..common.conv import conv_output_size
from ..common.reduction import SUM
from ..contract import Window, Window3d
from ._launch import empty, flat_memory, from_host_cached, launch, per_slice, restride
from .elementwise import contiguous, copy, fill
from .matmul import gemm_batched
from .reduction import reduce

COLS_BUDGET = 256 << 20  # bytes of column buffer per chunk of the batch

_im2col_plane = per_slice(common.im2col_planes)
_col2im_plane = per_slice(common.col2im_planes)


@cuda.jit(cache=True)
def _im2col(x, d, h, w, kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw, od, oh, ow, cols):
    """x: flat (planes, d, h, w), cols: flat (planes, kd*kh*kw, od*oh*ow); a thread per
    plane."""
    size, taps = d * h * w, kd * kh * kw * od * oh * ow
    for p in range(cuda.grid(1), x.size // size, cuda.gridsize(1)):
        _im2col_plane(x[p * size:(p + 1) * size], 1, 1, d, h, w, kd, kh, kw, sd, sh, sw, pd,
                      ph, pw, dd, dh, dw, od, oh, ow, cols[p * taps:(p + 1) * taps])  # fmt: skip


@cuda.jit(cache=True)
def _col2im(cols, d, h, w, kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw, od, oh, ow, out):
    """The adjoint of `_im2col`; a thread per plane, whose pixels no other thread writes."""
    size, taps = d * h * w, kd * kh * kw * od * oh * ow
    for p in range(cuda.grid(1), out.size // size, cuda.gridsize(1)):
        _col2im_plane(cols[p * taps:(p + 1) * taps], 1, 1, d, h, w, kd, kh, kw, sd, sh, sw,
                      pd, ph, pw, dd, dh, dw, od, oh, ow,
                      out[p * size:(p + 1) * size])  # fmt: skip


def im2col(x, window: Window | Window3d, cols) -> None:
    """cols (N, C*kh*kw, OH*OW) C-contiguous = the patches of x (N, C, H, W) C-contiguous,
    row (c*kh + i)*kw + j holding kernel tap (i, j) of channel c; zero in the padding.
    With a `Window3d`, x is (N, C, D, H, W) and cols (N, C*kd*kh*kw, OD*OH*OW)."""
    sizes, window, out = common.volume(x.shape, window)
    if cols.size:
        n, c = x.shape[:2]
        _im2col[launch(n * c)](x.reshape(-1), *sizes, *window, *out, cols.reshape(-1))


def col2im(cols, window: Window | Window3d, out) -> None:
    """The adjoint of `im2col`: out (N, C, H, W) (or (N, C, D, H, W) with a `Window3d`)
    C-contiguous is zeroed, then every entry of cols (N, C*kh*kw, OH*OW) C-contiguous is
    added to the pixel it came from."""
    sizes, window, out_sizes = common.volume(out.shape, window)
    if out.size:
        n, c = out.shape[:2]
        _col2im[launch(n * c)](cols.reshape(-1), *sizes, *window, *out_sizes, out.reshape(-1))


def _fill_bias(out, bias) -> None:
    """out (N, OC, ...) = bias[oc] (0 without a bias): a convolution over no channels."""
    if bias is None:
        fill(out, 0)
    else:
        strides = (0, bias.strides[0]) + (0,) * (out.ndim - 2)
        copy(restride(flat_memory(bias), out.shape, strides), out)


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


class _Conv(common.Conv):
    """A convolution on the device: device arrays, the tiled GEMM, and its offset tables
    copied to the device once per convolution."""

    cols_budget = COLS_BUDGET
    im2col = staticmethod(im2col)
    col2im = staticmethod(col2im)
    gemm_batched = staticmethod(gemm_batched)
    contiguous = staticmethod(contiguous)
    empty = staticmethod(empty)
    table = staticmethod(from_host_cached)
    fill_bias = staticmethod(_fill_bias)
    bias_gradient = staticmethod(_bias_gradient)

    @staticmethod
    def flat(a):
        return a.reshape(-1)

    @staticmethod
    def zero(a):
        fill(a, 0)


def conv2d_forward(x, w, bias, stride, padding, dilation, groups, out, keep_columns=False):
    """`common.conv2d_forward` (kernels/common/conv.py) on device arrays."""
    return common.conv2d_forward(
        _Conv, x, w, bias, stride, padding, dilation, groups, out, keep_columns
    )


def conv2d_backward(
    x, w, grad_out, stride, padding, dilation, groups, grad_x, grad_w, grad_b, columns=None
) -> None:
    """`common.conv2d_backward` (kernels/common/conv.py) on device arrays."""
    common.conv2d_backward(
        _Conv, x, w, grad_out, stride, padding, dilation, groups, grad_x, grad_w, grad_b, columns
    )


__all__ = ["col2im", "conv2d_backward", "conv2d_forward", "conv_output_size", "im2col"]
