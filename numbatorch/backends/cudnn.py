"""`torch.backends.cudnn` flags: recorded for scripts that set them; numbatorch's CUDA
kernels are its own, so cuDNN is present exactly when a CUDA device is."""

from __future__ import annotations

benchmark: bool = False
deterministic: bool = False
allow_tf32: bool = True
enabled: bool = True


def is_available() -> bool:
    from .. import cuda

    return cuda.is_available()


def version() -> int | None:
    """None: no cuDNN library is loaded."""
    return None
