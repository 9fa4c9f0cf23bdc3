"""Autocast state and the op-side half of mixed precision: which dtype each autocast-aware
op runs in while `numbatorch.autocast` is active for its tensors' device type.

The per-device state is thread-local, as PyTorch's is. `autocast_op` marks an op's entry
point with PyTorch's policy for it per device type (aten/src/ATen/autocast_mode.cpp):
LOWER casts float32/float16/bfloat16 tensor arguments to the autocast dtype (matmuls,
convolutions, linear), FP32 casts them to float32 (losses; on CUDA also reductions,
softmax, norms and the transcendental functions). float64 tensors are never cast, and
an op outside autocast pays one integer comparison.
"""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING

from . import _dtype

if TYPE_CHECKING:
    from .tensor import Tensor
else:  # imported while tensor.py builds Tensor: every tensor is a TensorBase
    from .tensor import TensorBase as Tensor


LOWER, FP32 = "lower_precision_fp", "fp32"

_DEFAULT_DTYPES = {"cpu": _dtype.bfloat16, "cuda": _dtype.float16}
_local = threading.local()
_enabled_regions = 0  # entered, enabled autocast regions in all threads (the fast path)


def _state() -> dict:
    """{device_type: [enabled, dtype]} of this thread."""
    state = getattr(_local, "state", None)
    if state is None:
        state = _local.state = {}
    return state


def _entry(device_type: str) -> list:
    return _state().setdefault(
        device_type, [False, _DEFAULT_DTYPES.get(device_type, _dtype.float16)]
    )


def is_enabled(device_type: str) -> bool:
    return _entry(device_type)[0]


def get_dtype(device_type: str) -> _dtype.dtype:
    return _entry(device_type)[1]


def set_enabled(device_type: str, enabled: bool) -> None:
    _entry(device_type)[0] = bool(enabled)


def set_dtype(device_type: str, dtype: _dtype.dtype) -> None:
    _entry(device_type)[1] = dtype


def enter_region(enabled: bool) -> None:
    global _enabled_regions
    if enabled:
        _enabled_regions += 1


def exit_region(enabled: bool) -> None:
    global _enabled_regions
    if enabled:
        _enabled_regions -= 1


def _cast(value, policies: dict):
    if not isinstance(value, Tensor):
        if isinstance(value, (list, tuple)):
            return type(value)(_cast(v, policies) for v in value)
        return value
    device_type = value.device.type
    policy = policies.get(device_type)
    if policy is None or value.dtype is _dtype.float64 or not value.dtype.is_floating_point:
        return value
    enabled, low = _entry(device_type)
    if not enabled:
        return value
    target = low if policy == LOWER else _dtype.float32
    return value if value.dtype is target else value.to(target)


def autocast_op(*, cpu: str | None = None, cuda: str | None = None):
    """Decorate an op's entry point with its autocast policy on each device type."""
    policies = {k: v for k, v in (("cpu", cpu), ("cuda", cuda)) if v is not None}

    def decorate(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            if _enabled_regions:
                args = tuple(_cast(a, policies) for a in args)
                kwargs = {k: _cast(v, policies) for k, v in kwargs.items()}
            return function(*args, **kwargs)

        return wrapper

    return decorate
