"""Mixed-precision kernels on device arrays: the unscale rule of kernels/common/amp.py, a
thread per element; a thread that meets an inf or NaN writes the flag (every such
write stores the same 1, so their order does not matter)."""

from __future__ import annotations

from numba import cuda

from ..common.amp import check_flag, unscale
from ._launch import launch, per_slice

_unscale = per_slice(unscale)


@cuda.jit(cache=True)
def _unscale_kernel(grad, inv_scale, found_inf):
    for i in range(cuda.grid(1), grad.size, cuda.gridsize(1)):
        _unscale(grad[i : i + 1], inv_scale, found_inf)


def non_finite_check_and_unscale(grad, found_inf, inv_scale: float) -> None:
    """grad *= inv_scale in place; found_inf[0] = 1 if grad held an inf or NaN."""
    check_flag(found_inf)
    if grad.size:
        flat = grad.reshape(-1)
        _unscale_kernel[launch(flat.size)](flat, float(inv_scale), found_inf)


__all__ = ["non_finite_check_and_unscale"]
