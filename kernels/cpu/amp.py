"""Mixed-precision kernels: GradScaler's unscale, which multiplies a gradient by the
inverse scale and records whether any of its values was inf or NaN, in one pass."""

from __future__ import annotations

from ..common.amp import check_flag, unscale
from ._launch import parallel_for, twins

_UNSCALE = twins(unscale, error_model="numpy")


def non_finite_check_and_unscale(grad, found_inf, inv_scale: float) -> None:
    """PyTorch's _amp_foreach_non_finite_check_and_unscale_ for one contiguous gradient:
    grad *= inv_scale in place, found_inf (a 1-element float32 array) set to 1 if grad
    held an inf or NaN."""
    check_flag(found_inf)
    serial, parallel = _UNSCALE
    (parallel if parallel_for(grad.size) else serial)(grad.reshape(-1), float(inv_scale), found_inf)


__all__ = ["non_finite_check_and_unscale"]
