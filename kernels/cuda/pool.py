"""2-D and 3-D pooling (NCHW, NCDHW) on device arrays: max (with PyTorch's flat indices),
average and adaptive average, forward and backward, with the rules of
kernels/common/pool.py as the per-plane bodies.

Each rule is a `prange` loop over the (N*C, D, H, W) planes, its body the whole pooling of
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
def _max_forward_kernel(x, kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw, out, indices):
    for p in range(cuda.grid(1), x.shape[0], cuda.gridsize(1)):
        _max_forward(x[p:p + 1], kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw,
                     out[p:p + 1], indices[p:p + 1])  # fmt: skip


@cuda.jit(cache=True)
def _scatter_kernel(src, indices, out, accumulate):
    for p in range(cuda.grid(1), out.shape[0], cuda.gridsize(1)):
        _scatter(src[p : p + 1], indices[p : p + 1], out[p : p + 1], accumulate)


@cuda.jit(cache=True)
def _unpool_backward_kernel(grad_out, indices, grad_in):
    for p in range(cuda.grid(1), grad_in.shape[0], cuda.gridsize(1)):
        _unpool_backward(grad_out[p : p + 1], indices[p : p + 1], grad_in[p : p + 1])


@cuda.jit(cache=True)
def _avg_forward_kernel(x, kd, kh, kw, sd, sh, sw, pd, ph, pw, count_include_pad,
                        divisor_override, out):  # fmt: skip
    for p in range(cuda.grid(1), x.shape[0], cuda.gridsize(1)):
        _avg_forward(x[p:p + 1], kd, kh, kw, sd, sh, sw, pd, ph, pw, count_include_pad,
                     divisor_override, out[p:p + 1])  # fmt: skip


@cuda.jit(cache=True)
def _avg_backward_kernel(grad_out, kd, kh, kw, sd, sh, sw, pd, ph, pw, count_include_pad,
                         divisor_override, grad_in):  # fmt: skip
    for p in range(cuda.grid(1), grad_in.shape[0], cuda.gridsize(1)):
        _avg_backward(grad_out[p:p + 1], kd, kh, kw, sd, sh, sw, pd, ph, pw,
                      count_include_pad, divisor_override, grad_in[p:p + 1])  # fmt: skip


@cuda.jit(cache=True)
def _adaptive_forward_kernel(x, out):
    for p in range(cuda.grid(1), x.shape[0], cuda.gridsize(1)):
        _adaptive_forward(x[p : p + 1], out[p : p + 1])


@cuda.jit(cache=True)
def _adaptive_backward_kernel(grad_out, grad_in):
    for p in range(cuda.grid(1), grad_in.shape[0], cuda.gridsize(1)):
        _adaptive_backward(grad_out[p : p + 1], grad_in[p : p + 1])


def _planes(x, readonly: bool = False):
    """x (N, C, H, W) or (N, C, D, H, W) C-contiguous as (N*C, D, H, W), D = 1 for 4-D
    (device arrays have no read-only flag)."""
    return x.reshape(x.shape[0] * x.shape[1], *(1,) * (5 - x.ndim), *x.shape[2:])


def _flat_planes(x, readonly: bool = False):
    """x as (N*C, D*H*W)."""
    planes = x.shape[0] * x.shape[1]  # nonzero: the launchers skip empty arrays
    return x.reshape(planes, x.size // planes)


def _run(kernel, *args) -> None:
    kernel[launch(args[0].shape[0])](*args)  # every argument has N*C planes


_COMPILED = (
    _max_forward_kernel,
    _scatter_kernel,
    _unpool_backward_kernel,
    _avg_forward_kernel,
    _avg_backward_kernel,
    _adaptive_forward_kernel,
    _adaptive_backward_kernel,
)
_KERNELS = dict(zip(common.RULES, _COMPILED))
max_pool2d_forward, max_pool2d_backward, max_unpool2d_forward, *_rest = common.launchers(
    _KERNELS, _run, _planes, _flat_planes
)
max_unpool2d_backward, avg_pool2d_forward, avg_pool2d_backward, *_adaptive = _rest
adaptive_avg_pool2d_forward, adaptive_avg_pool2d_backward = _adaptive

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
