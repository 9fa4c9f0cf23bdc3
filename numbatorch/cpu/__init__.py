"""`torch.cpu`: the CPU device module; here for `torch.cpu.amp`."""

from . import amp

__all__ = ["amp"]
