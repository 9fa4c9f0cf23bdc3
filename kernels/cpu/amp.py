"""Mixed-precision kernels: GradScaler's unscale, which multiplies a gradient by the
inverse scale and records whether any of its values was inf or NaN, in one pass."""

from __future__ import annotations

import math

from numba import prange

from ._launch import parallel_for, twins


def _unscale(grad, inv_scale, found_inf):
    """grad (1-D, float32/float64) *= inv_scale; found_inf[0] = 1 when a value of grad
    (before scaling) is not finite, else left as it is (it gathers several gradients);
    check_flag, before every launch, makes found_inf[0] exist."""
    non_finite = 0
    for i in prange(grad.size):
        value = grad[i]
        if not math.isfinite(value):
            non_finite += 1
        grad[i] = value * inv_scale
    if non_finite:
        found_inf[0] = 1.0


_UNSCALE = twins(_unscale, error_model="numpy")


def check_flag(found_inf) -> None:
    """The kernel writes found_inf[0]: the flag must have an element."""
    if found_inf.size < 1:
        raise ValueError("found_inf must have one element")


def non_finite_check_and_unscale(grad, found_inf, inv_scale: float) -> None:
    """PyTorch's _amp_foreach_non_finite_check_and_unscale_ for one contiguous gradient:
    grad *= inv_scale in place, found_inf (a 1-element float32 array) set to 1 if grad
    held an inf or NaN."""
    check_flag(found_inf)
    serial, parallel = _UNSCALE
    (parallel if parallel_for(grad.size) else serial)(grad.reshape(-1), float(inv_scale), found_inf)


__all__ = ["non_finite_check_and_unscale"]
