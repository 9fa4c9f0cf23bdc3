"""2-D and 3-D pooling (NCHW, NCDHW) on numpy arrays: max (with PyTorch's flat indices),
average and adaptive average, forward and backward: the rules of kernels/common/pool.py
compiled to run in parallel over the (N*C, D, H, W) volumes of C-contiguous arrays.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..common import pool as common
from ..common.pool import pool_output_size as pool_output_size  # re-exported


def _planes(x: np.ndarray, readonly: bool = False) -> np.ndarray:
    """x (N, C, H, W) or (N, C, D, H, W) C-contiguous as (N*C, D, H, W), D = 1 for 4-D;
    inputs are passed read-only always, so writable and read-only arrays share one compiled
    kernel."""
    planes = x.reshape(-1, *(1,) * (5 - x.ndim), *x.shape[2:])
    if readonly:
        planes = planes.view()
        planes.flags.writeable = False
    return planes


def _flat_planes(x: np.ndarray, readonly: bool = False) -> np.ndarray:
    """x as (N*C, D*H*W): a flat index (d*H + h)*W + w needs no division."""
    planes = _planes(x, readonly)
    return planes.reshape(planes.shape[0], -1)


_KERNELS = {rule: njit(parallel=True, cache=True)(rule) for rule in common.RULES}


def _run(kernel, *args) -> None:
    kernel(*args)


max_pool2d_forward, max_pool2d_backward, max_unpool2d_forward, *_rest = common.launchers(
    _KERNELS, _run, _planes, _flat_planes
)
max_unpool2d_backward, avg_pool2d_forward, avg_pool2d_backward, *_adaptive = _rest
adaptive_avg_pool2d_forward, adaptive_avg_pool2d_backward = _adaptive
