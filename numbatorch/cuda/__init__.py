"""`numbatorch.cuda`: is a GPU usable, how many, synchronize, seeding."""

from __future__ import annotations

import importlib.util

_NO_CUDA = (
    "Torch not compiled with CUDA enabled: numbatorch found no usable CUDA GPU. Install the "
    "CUDA extra (`pip install numbatorch[cuda]`, which brings numba-cuda) and an NVIDIA "
    "driver, or run on the CPU: device = 'cuda' if numbatorch.cuda.is_available() else 'cpu'."
)


def is_available() -> bool:
    """True where Numba sees a CUDA GPU (or runs its simulator, NUMBA_ENABLE_CUDASIM=1).
    False only for that reason: numba-cuda not installed, or no GPU/driver. Any other
    failure while loading the CUDA backend is a bug and surfaces, rather than quietly
    turning the GPU (and the CUDA half of the test suite) off."""
    if importlib.util.find_spec("numba_cuda") is None:
        return False  # numba's own old numba.cuda lacks what the kernels use
    from numba import cuda

    try:
        if not cuda.is_available():
            return False
    except Exception:  # the driver probe failing means no usable GPU
        return False
    import numbatorch.kernels.cuda  # noqa: F401 - its errors are ours: let them surface

    return True


def _require_cuda() -> None:
    if not is_available():
        raise RuntimeError(_NO_CUDA)


def device_count() -> int:
    if not is_available():
        return 0
    from numba import cuda

    return len(cuda.gpus)


def current_device() -> int:
    _require_cuda()
    return 0


def set_device(device) -> None:
    """Select the current GPU; numbatorch drives one GPU, index 0 (a negative index is a
    no-op, as in PyTorch)."""
    from .._device import as_device

    index = device if isinstance(device, int) else as_device(device).index
    if index is None or index < 0:
        return
    _require_cuda()
    if index >= device_count():
        raise RuntimeError("CUDA error: invalid device ordinal")
    if index != 0:
        raise NotImplementedError(f"numbatorch runs on GPU 0 only, not GPU {index}")


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """True wherever CUDA is available: numbatorch's kernels compute bfloat16 in float32
    on every GPU (PyTorch's answer for a GPU that has, or emulates, bfloat16)."""
    return is_available()


def get_device_name(device=None) -> str:
    _require_cuda()
    from numba import cuda

    name = cuda.get_current_device().name
    return name.decode() if isinstance(name, bytes) else str(name)


def synchronize(device=None) -> None:
    if is_available():
        from numba import cuda

        cuda.synchronize()


def manual_seed(seed: int) -> None:
    from .._creation import manual_seed as _seed

    _seed(seed)


manual_seed_all = manual_seed
