"""The dispatcher: device -> backend (a module of kernel launchers with one signature per
op family), and the size threshold below which CPU kernels run their serial twins.

Nothing above this file asks which device a tensor is on to pick a kernel; it asks
`backend(device)` and calls the launcher by name.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

from ._device import device

# Below this many elements a CPU kernel runs its serial twin: waking the thread pool
# costs ~2 us, about the time of a 30k-element add (measured; see docs/NUMBA_NOTES.md).
PARALLEL_THRESHOLD = int(os.environ.get("NUMBATORCH_PARALLEL_THRESHOLD", 1 << 16))

_BACKEND_MODULES = {"cpu": "numbatorch.kernels.cpu", "cuda": "numbatorch.kernels.cuda"}
_backends: dict[str, ModuleType] = {}


def backend(dev: device) -> ModuleType:
    """The kernel launchers for `dev`'s type (imported on first use)."""
    module = _backends.get(dev.type)
    if module is None:
        if dev.type == "cuda":
            from .cuda import _require_cuda

            _require_cuda()
        module = _backends[dev.type] = importlib.import_module(_BACKEND_MODULES[dev.type])
        if dev.type == "cpu":
            set_parallel_threshold(PARALLEL_THRESHOLD)
    return module


def set_parallel_threshold(numel: int) -> None:
    """Set the element count from which CPU kernels use the thread pool."""
    global PARALLEL_THRESHOLD
    PARALLEL_THRESHOLD = int(numel)
    from .kernels.cpu import _launch

    _launch.parallel_threshold = PARALLEL_THRESHOLD
