"""2-D pooling (NCHW) on device arrays: max (with PyTorch's flat indices), average and
adaptive average, forward and backward, with the rules of kernels/common/pool.py as the
per-plane bodies.

Each rule is a `prange` loop over the (N*C, H, W) planes, its body the whole pooling of
one plane; the backward bodies scatter only inside their own plane. Here a
thread takes a plane and runs that body on the one-plane slices (`per_slice`), so the
window and divisor rules exist once, and the backward passes need no atomics.
"""

from __future__ import annotations

from numba import cuda

from ..common import pool as common
from ..common.pool import pool_output_size
from ._launch import launch, per_slice

_max_forward = per_slice(common.max_pool_forward)
_scatter = per_slice(common.scatter_planes)
_unpool_backward = per_slice(common.max_unpool_backward)
_avg_forward = per_slice(common.avg_pool_forward)
_avg_backward = per_slice(common.avg_pool_backward)
_adaptive_forward = per_slice(common.adaptive_avg_pool_forward)
_adaptive_backward = per_slice(common.adaptive_avg_pool_backward)


@cuda.jit(cache=True)
def _max_forward_kernel(x, kh, kw, sh, sw, ph, pw, dh, dw, out, indices):
    for p in range(cuda.grid(1), x.shape[0], cuda.gridsize(1)):
        _max_forward(x[p:p + 1], kh, kw, sh, sw, ph, pw, dh, dw, out[p:p + 1],
                     indices[p:p + 1])  # fmt: skip


@cuda.jit(cache=True)
def _scatter_kernel(src, indices, out, accumulate):
    for p in range(cuda.grid(1), out.shape[0], cuda.gridsize(1)):
        _scatter(src[p : p + 1], indices[p : p + 1], out[p : p + 1], accumulate)


@cuda.jit(cache=True)
def _unpool_backward_kernel(grad_out, indices, grad_in):
    for p in range(cuda.grid(1), grad_in.shape[0], cuda.gridsize(1)):
        _unpool_backward(grad_out[p : p + 1], indices[p : p + 1], grad_in[p : p + 1])


@cuda.jit(cache=True)
def _avg_forward_kernel(x, kh, kw, sh, sw, ph, pw, count_include_pad, divisor_override, out):
    for p in range(cuda.grid(1), x.shape[0], cuda.gridsize(1)):
        _avg_forward(x[p:p + 1], kh, kw, sh, sw, ph, pw, count_include_pad, divisor_override,
                     out[p:p + 1])  # fmt: skip


@cuda.jit(cache=True)
def _avg_backward_kernel(grad_out, kh, kw, sh, sw, ph, pw, count_include_pad,
                         divisor_override, grad_in):  # fmt: skip
    for p in range(cuda.grid(1), grad_in.shape[0], cuda.gridsize(1)):
        _avg_backward(grad_out[p:p + 1], kh, kw, sh, sw, ph, pw, count_include_pad,
                      divisor_override, grad_in[p:p + 1])  # fmt: skip


@cuda.jit(cache=True)
def _adaptive_forward_kernel(x, out):
    for p in range(cuda.grid(1), x.shape[0], cuda.gridsize(1)):
        _adaptive_forward(x[p : p + 1], out[p : p + 1])


@cuda.jit(cache=True)
def _adaptive_backward_kernel(grad_out, grad_in):
    for p in range(cuda.grid(1), grad_in.shape[0], cuda.gridsize(1)):
        _adaptive_backward(grad_out[p : p + 1], grad_in[p : p + 1])


def _planes(x):
    """x (N, C, H, W) C-contiguous as (N*C, H, W)."""
    n, c, h, w = x.shape
    return x.reshape(n * c, h, w)


def max_pool2d_forward(x, kh, kw, sh, sw, ph, pw, dh, dw, out, indices) -> None:
    """out (N, C, OH, OW) = max pooling of x (N, C, H, W), padding counting as -inf;
    indices (N, C, OH, OW) int64 = the flat index h*W + w of each maximum in its input
    plane (PyTorch's return_indices). All C-contiguous."""
    if out.size:
        planes = _planes(x)
        _max_forward_kernel[launch(planes.shape[0])](
            planes, kh, kw, sh, sw, ph, pw, dh, dw, _planes(out), _planes(indices)
        )


def max_pool2d_backward(grad_out, indices, grad_in) -> None:
    """grad_in (N, C, H, W) = 0, then each grad_out (N, C, OH, OW) entry is added at the
    input position `indices` recorded by `max_pool2d_forward`. All C-contiguous."""
    if grad_in.size:
        n, c, h, w = grad_in.shape
        planes = grad_in.reshape(n * c, h * w)  # the flat index needs no division
        _scatter_kernel[launch(planes.shape[0])](_planes(grad_out), _planes(indices), planes, True)


def max_unpool2d_forward(x, indices, out) -> None:
    """out (N, C, OH, OW) = 0, then each x (N, C, H, W) entry is put at the flat position
    `indices` of its plane (checked by the caller). All C-contiguous."""
    if out.size:
        n, c, oh, ow = out.shape
        planes = out.reshape(n * c, oh * ow)
        _scatter_kernel[launch(planes.shape[0])](_planes(x), _planes(indices), planes, False)


def max_unpool2d_backward(grad_out, indices, grad_in) -> None:
    """grad_in (N, C, H, W) = grad_out (N, C, OH, OW) read at `indices` in each plane."""
    if grad_in.size:
        n, c, oh, ow = grad_out.shape
        planes = _planes(grad_in)
        _unpool_backward_kernel[launch(planes.shape[0])](
            grad_out.reshape(n * c, oh * ow), _planes(indices), planes
        )


def avg_pool2d_forward(x, kh, kw, sh, sw, ph, pw, ceil_mode, count_include_pad,
                       divisor_override, out) -> None:  # fmt: skip
    """out (N, C, OH, OW) = average pooling of x (N, C, H, W), both C-contiguous, with
    PyTorch's divisor rules (see the CPU kernel); ceil_mode is in out's shape already."""
    if out.size:
        planes = _planes(x)
        _avg_forward_kernel[launch(planes.shape[0])](
            planes, kh, kw, sh, sw, ph, pw, bool(count_include_pad), int(divisor_override),
            _planes(out),
        )  # fmt: skip


def avg_pool2d_backward(grad_out, kh, kw, sh, sw, ph, pw, ceil_mode, count_include_pad,
                        divisor_override, grad_in) -> None:  # fmt: skip
    """grad_in (N, C, H, W) = the gradient of `avg_pool2d_forward` given grad_out
    (N, C, OH, OW); both C-contiguous, overwritten."""
    if grad_in.size:
        planes = _planes(grad_in)
        _avg_backward_kernel[launch(planes.shape[0])](
            _planes(grad_out), kh, kw, sh, sw, ph, pw, bool(count_include_pad),
            int(divisor_override), planes,
        )  # fmt: skip


def adaptive_avg_pool2d_forward(x, out) -> None:
    """out (N, C, OH, OW) = adaptive average pooling of x (N, C, H, W). C-contiguous."""
    if out.size:
        planes = _planes(x)
        _adaptive_forward_kernel[launch(planes.shape[0])](planes, _planes(out))


def adaptive_avg_pool2d_backward(grad_out, grad_in) -> None:
    """grad_in (N, C, H, W) = the gradient of `adaptive_avg_pool2d_forward` given grad_out
    (N, C, OH, OW); both C-contiguous, overwritten."""
    if grad_in.size:
        planes = _planes(grad_in)
        _adaptive_backward_kernel[launch(planes.shape[0])](_planes(grad_out), planes)


__all__ = [
    "adaptive_avg_pool2d_backward",
    "adaptive_avg_pool2d_forward",
    "avg_pool2d_backward",
    "avg_pool2d_forward",
    "max_pool2d_backward",
    "max_pool2d_forward",
    "max_unpool2d_backward",
    "max_unpool2d_forward",
    "pool_output_size",
]
