"""`torch.autocast`: a context manager (and decorator) under which autocast-aware ops run
in a lower precision (matmuls, convolutions, linear) or in float32 (losses; on CUDA also
reductions, softmax and norms), with PyTorch's per-device defaults and warnings. The op
lists themselves sit at the ops' entry points (numbatorch/_autocast.py)."""

from __future__ import annotations

import functools
import warnings

from .. import _autocast, _dtype

# the device types PyTorch's device strings start with (its message lists them)
_DEVICE_TYPES = (
    "cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga",
    "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone",
)  # fmt: skip
_AUTOCAST_DEVICE_TYPES = ("cpu", "cuda", "xpu", "hpu", "mps", "xla", "ipu", "mtia", "maia")


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast can be used on `device_type` (PyTorch's list)."""
    _check_device_type(device_type)
    return device_type in _AUTOCAST_DEVICE_TYPES


def _check_device_type(device_type: str) -> None:
    if device_type.split(":")[0] not in _DEVICE_TYPES:
        raise RuntimeError(
            f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of device "
            f"string: {device_type}"
        )


class autocast:  # noqa: N801 - PyTorch's public name
    """Mixed precision for the ops of a region, as `torch.autocast(device_type, dtype=None,
    enabled=True, cache_enabled=None)`: dtype defaults to `get_autocast_dtype(device_type)`
    (bfloat16 on the CPU, float16 on CUDA). Nests, and restores the outer state on exit;
    also decorates a function. `cache_enabled` is accepted (numbatorch casts weights
    afresh in each op, so it changes nothing)."""

    def __init__(
        self,
        device_type: str,
        dtype: _dtype.dtype | None = None,
        enabled: bool = True,
        cache_enabled: bool | None = None,
    ) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.fast_dtype = _autocast.get_dtype(device_type) if dtype is None else dtype
        self.device = device_type
        if not is_autocast_available(device_type):
            raise RuntimeError(
                f"User specified an unsupported autocast device_type '{device_type}'"
            )
        self._cache_enabled = True if cache_enabled is None else cache_enabled
        if enabled:
            if device_type == "cuda":
                from .. import cuda

                if not cuda.is_available():
                    warnings.warn(
                        "CUDA is not available or torch_xla is imported. Disabling autocast.",
                        stacklevel=2,
                    )
                    enabled = False
            elif self.fast_dtype not in (_dtype.bfloat16, _dtype.float16):
                name = device_type.upper()
                warnings.warn(
                    f"In {name} autocast, but the target dtype is not supported. Disabling "
                    f"autocast.\n{name} Autocast only supports dtypes of torch.bfloat16, "
                    "torch.float16 currently.",
                    stacklevel=2,
                )
                enabled = False
        self._enabled = enabled

    def __enter__(self):
        self.prev = _autocast.is_enabled(self.device)
        self.prev_fastdtype = _autocast.get_dtype(self.device)
        _autocast.set_enabled(self.device, self._enabled)
        _autocast.set_dtype(self.device, self.fast_dtype)
        _autocast.enter_region(self._enabled)
        return self

    def __exit__(self, exc_type, exc_value, traceback) -> bool:
        _autocast.exit_region(self._enabled)
        _autocast.set_enabled(self.device, self.prev)
        _autocast.set_dtype(self.device, self.prev_fastdtype)
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def decorated(*args, **kwargs):
            with self:
                return function(*args, **kwargs)

        return decorated


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether autocast is on for `device_type` (CUDA when None, as in PyTorch)."""
    return _autocast.is_enabled("cuda" if device_type is None else device_type)


def get_autocast_dtype(device_type: str) -> _dtype.dtype:
    return _autocast.get_dtype(device_type)


def set_autocast_enabled(device_type: str, enabled: bool) -> None:
    _autocast.set_enabled(device_type, enabled)


def set_autocast_dtype(device_type: str, dtype: _dtype.dtype) -> None:
    _autocast.set_dtype(device_type, dtype)


def is_autocast_cpu_enabled() -> bool:
    return _autocast.is_enabled("cpu")


def get_autocast_cpu_dtype() -> _dtype.dtype:
    return _autocast.get_dtype("cpu")


def get_autocast_gpu_dtype() -> _dtype.dtype:
    return _autocast.get_dtype("cuda")


def _deprecated_autocast(device_type: str):
    """torch.cpu.amp.autocast / torch.cuda.amp.autocast: the device's autocast, with
    PyTorch's FutureWarning."""

    class DeprecatedAutocast(autocast):
        def __init__(
            self,
            enabled: bool = True,
            dtype: _dtype.dtype | None = None,
            cache_enabled: bool = True,
        ) -> None:
            warnings.warn(
                f"`torch.{device_type}.amp.autocast(args...)` is deprecated. Please use "
                f"`torch.amp.autocast('{device_type}', args...)` instead.",
                FutureWarning,
                stacklevel=2,
            )
            default = _dtype.bfloat16 if device_type == "cpu" else _dtype.float16
            super().__init__(device_type, dtype or default, enabled, cache_enabled)

    DeprecatedAutocast.__name__ = DeprecatedAutocast.__qualname__ = "autocast"
    return DeprecatedAutocast
