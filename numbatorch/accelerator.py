"""`numbatorch.accelerator`: the device-generic questions (is there an accelerator, which,
how many). numbatorch's one accelerator type is CUDA."""

from __future__ import annotations

from . import cuda
from ._device import device


def is_available() -> bool:
    return cuda.is_available()


def current_accelerator(check_available: bool = False) -> device | None:
    """device('cuda') where numbatorch can use a GPU, else None. numbatorch finds its GPU
    at run time only, so PyTorch's build-time answer and `check_available`'s run-time one
    are the same here."""
    return device("cuda") if cuda.is_available() else None


def device_count() -> int:
    return cuda.device_count()
