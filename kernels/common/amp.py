"""GradScaler's unscale rule, shared by both backends: the CPU compiles it as is
(kernels/cpu/amp.py), CUDA runs its body a thread per element (kernels/cuda/amp.py)."""

from __future__ import annotations

import math

from numba import prange


def unscale(grad, inv_scale, found_inf):
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


def check_flag(found_inf) -> None:
    """The kernel writes found_inf[0]: the flag must have an element."""
    if found_inf.size < 1:
        raise ValueError("found_inf must have one element")
