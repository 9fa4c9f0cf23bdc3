"""`torch.cpu.amp`: PyTorch's deprecated CPU spelling of autocast."""

from __future__ import annotations

from ..amp.autocast_mode import _deprecated_autocast

autocast = _deprecated_autocast("cpu")

__all__ = ["autocast"]
