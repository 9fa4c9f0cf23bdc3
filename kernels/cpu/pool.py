"""2-D pooling (NCHW) on numpy arrays: max (with PyTorch's flat indices), average and
adaptive average, forward and backward: the rules of kernels/common/pool.py compiled to
run in parallel over the (N*C, H, W) planes of C-contiguous arrays.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..common import pool as common
from ..common.pool import pool_output_size as pool_output_size  # re-exported


def _planes(x: np.ndarray, readonly: bool = False) -> np.ndarray:
    """x (N, C, H, W) C-contiguous as (N*C, H, W); inputs are passed read-only always, so
    writable and read-only arrays share one compiled kernel."""
    planes = x.reshape(-1, x.shape[-2], x.shape[-1])
    if readonly:
        planes = planes.view()
        planes.flags.writeable = False
    return planes


def _flat_planes(x: np.ndarray, readonly: bool = False) -> np.ndarray:
    """x (N, C, H, W) C-contiguous as (N*C, H*W): a flat index h*W + w needs no division."""
    planes = _planes(x, readonly)
    return planes.reshape(planes.shape[0], -1)


_max_pool_forward = njit(parallel=True, cache=True)(common.max_pool_forward)


_scatter_planes = njit(parallel=True, cache=True)(common.scatter_planes)


_max_unpool_backward = njit(parallel=True, cache=True)(common.max_unpool_backward)


_avg_pool_forward = njit(parallel=True, cache=True)(common.avg_pool_forward)


_avg_pool_backward = njit(parallel=True, cache=True)(common.avg_pool_backward)


_adaptive_avg_pool_forward = njit(parallel=True, cache=True)(common.adaptive_avg_pool_forward)


_adaptive_avg_pool_backward = njit(parallel=True, cache=True)(common.adaptive_avg_pool_backward)


def max_pool2d_forward(
    x: np.ndarray,
    kh: int,
    kw: int,
    sh: int,
    sw: int,
    ph: int,
    pw: int,
    dh: int,
    dw: int,
    out: np.ndarray,
    indices: np.ndarray,
) -> None:
    """out (N, C, OH, OW) = max pooling of x (N, C, H, W), padding counting as -inf;
    indices (N, C, OH, OW) int64 = the flat index h*W + w of each maximum in its input
    plane (PyTorch's return_indices). All C-contiguous."""
    if out.size == 0:
        return
    _max_pool_forward(_planes(x, True), kh, kw, sh, sw, ph, pw, dh, dw, _planes(out),
                      _planes(indices))  # fmt: skip


def max_pool2d_backward(grad_out: np.ndarray, indices: np.ndarray, grad_in: np.ndarray) -> None:
    """grad_in (N, C, H, W) = 0, then each grad_out (N, C, OH, OW) entry is added at the
    input position `indices` recorded by `max_pool2d_forward`. All C-contiguous."""
    if grad_in.size == 0:
        return
    _scatter_planes(_planes(grad_out, True), _planes(indices, True), _flat_planes(grad_in), True)


def max_unpool2d_forward(x: np.ndarray, indices: np.ndarray, out: np.ndarray) -> None:
    """out (N, C, OH, OW) = 0, then each x (N, C, H, W) entry is put at the flat position
    indices (N, C, H, W) int64 (in range [0, OH*OW), checked by the caller) of its plane:
    the inverse of `max_pool2d_forward`. All C-contiguous."""
    if out.size == 0:
        return
    _scatter_planes(_planes(x, True), _planes(indices, True), _flat_planes(out), False)


def max_unpool2d_backward(grad_out: np.ndarray, indices: np.ndarray, grad_in: np.ndarray) -> None:
    """grad_in (N, C, H, W) = grad_out (N, C, OH, OW) read at `indices` in each plane."""
    if grad_in.size == 0:
        return
    _max_unpool_backward(_flat_planes(grad_out, True), _planes(indices, True), _planes(grad_in))


def avg_pool2d_forward(
    x: np.ndarray,
    kh: int,
    kw: int,
    sh: int,
    sw: int,
    ph: int,
    pw: int,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: int,
    out: np.ndarray,
) -> None:
    """out (N, C, OH, OW) = average pooling of x (N, C, H, W), both C-contiguous. ceil_mode
    only decides OH/OW (`pool_output_size`), which out's shape already holds; a window
    that starts in the padding and lies wholly in it gives 0. The divisor is
    divisor_override when nonzero, else the window size within the padded input
    (count_include_pad) or within the input."""
    if out.size == 0:
        return
    _avg_pool_forward(_planes(x, True), kh, kw, sh, sw, ph, pw, bool(count_include_pad),
                      int(divisor_override), _planes(out))  # fmt: skip


def avg_pool2d_backward(
    grad_out: np.ndarray,
    kh: int,
    kw: int,
    sh: int,
    sw: int,
    ph: int,
    pw: int,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: int,
    grad_in: np.ndarray,
) -> None:
    """grad_in (N, C, H, W) = the gradient of `avg_pool2d_forward` given grad_out
    (N, C, OH, OW); both C-contiguous, overwritten. ceil_mode is in grad_out's shape."""
    if grad_in.size == 0:
        return
    _avg_pool_backward(_planes(grad_out, True), kh, kw, sh, sw, ph, pw,
                       bool(count_include_pad), int(divisor_override),
                       _planes(grad_in))  # fmt: skip


def adaptive_avg_pool2d_forward(x: np.ndarray, out: np.ndarray) -> None:
    """out (N, C, OH, OW) = adaptive average pooling of x (N, C, H, W): window (y, z)
    covers rows floor(y*H/OH) to ceil((y+1)*H/OH), columns likewise. C-contiguous."""
    if out.size == 0:
        return
    _adaptive_avg_pool_forward(_planes(x, True), _planes(out))


def adaptive_avg_pool2d_backward(grad_out: np.ndarray, grad_in: np.ndarray) -> None:
    """grad_in (N, C, H, W) = the gradient of `adaptive_avg_pool2d_forward` given grad_out
    (N, C, OH, OW); both C-contiguous, overwritten."""
    if grad_in.size == 0:
        return
    _adaptive_avg_pool_backward(_planes(grad_out, True), _planes(grad_in))
