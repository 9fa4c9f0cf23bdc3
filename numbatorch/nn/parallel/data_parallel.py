"""DataParallel: PyTorch's single-process multi-GPU wrapper. numbatorch drives one device,
so the wrapper runs its module there unchanged; what scripts rely on stays: `.module`,
and state_dict keys prefixed `module.` (checkpoints saved from a DataParallel model)."""

from __future__ import annotations

from ..modules.module import Module


class DataParallel(Module):
    """Wraps ``module``; ``forward`` calls it with the same arguments. With one device
    there is nothing to scatter, replicate or gather, exactly as in PyTorch on one GPU or
    none; the wrapped module is ``.module`` and the state_dict keys carry ``module.``.

    Args:
        module: the module to wrap
        device_ids: accepted, as in PyTorch. Default: ``None``
        output_device: accepted, as in PyTorch. Default: ``None``
        dim: the batch dimension. Default: 0

    Example::

        >>> model = nn.DataParallel(nn.Linear(4, 2))
        >>> output = model(torch.randn(8, 4))
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0) -> None:
        super().__init__()
        self.module = module
        self.device_ids = [] if device_ids is None else list(device_ids)
        self.output_device = output_device
        self.dim = dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)
