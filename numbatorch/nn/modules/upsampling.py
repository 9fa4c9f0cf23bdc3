"""Resampling layers: `Upsample` (and its fixed-mode forms), `PixelShuffle` and
`PixelUnshuffle`, thin wrappers over their `nn.functional` twins."""

from __future__ import annotations

from .. import functional as F
from .module import Module


class Upsample(Module):
    r"""Resamples the spatial dimensions (all after the first two) to ``size`` or by
    ``scale_factor``; a module form of ``F.interpolate``.

    Args:
        size: the output spatial size, an ``int`` or a tuple. Default: ``None``
        scale_factor: the multiplier of each spatial size (give this or ``size``, not both).
            Default: ``None``
        mode: ``'nearest'`` | ``'nearest-exact'`` | ``'linear'`` | ``'bilinear'`` |
            ``'trilinear'`` | ``'area'`` (1-D and 2-D only). ``'bicubic'`` raises
            NotImplementedError. Default: ``'nearest'``
        align_corners: for the linear modes, whether the corner pixels of input and output
            line up. Default: ``None`` (treated as ``False``)
        recompute_scale_factor: compute the sampling from the output size rather than from
            ``scale_factor``. Default: ``None``

    Shape:
        - Input: :math:`(N, C, W_{in})`, :math:`(N, C, H_{in}, W_{in})` or
          :math:`(N, C, D_{in}, H_{in}, W_{in})`.
        - Output: the same rank, each spatial size ``size`` or
          :math:`\lfloor \text{size}_{in} \times \text{scale\_factor} \rfloor`.

    Example::

        >>> m = nn.Upsample(scale_factor=2, mode='bilinear')
        >>> output = m(torch.randn(1, 1, 2, 2))  # (1, 1, 4, 4)
    """

    def __init__(
        self,
        size=None,
        scale_factor=None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)  # fmt: skip

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """:class:`Upsample` with ``mode='nearest'``, kept for PyTorch's older API.

    Args:
        size: the output size :math:`(H_{out}, W_{out})` or an ``int``. Default: ``None``
        scale_factor: the multiplier of the height and width (give this or ``size``).
            Default: ``None``

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})`.
        - Output: :math:`(N, C, H_{out}, W_{out})`.

    Example::

        >>> m = nn.UpsamplingNearest2d(scale_factor=2)
        >>> output = m(torch.randn(1, 1, 2, 2))  # (1, 1, 4, 4)
    """

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """:class:`Upsample` with ``mode='bilinear'`` and ``align_corners=True``, kept for PyTorch's
    older API.

    Args:
        size: the output size :math:`(H_{out}, W_{out})` or an ``int``. Default: ``None``
        scale_factor: the multiplier of the height and width (give this or ``size``).
            Default: ``None``

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})`.
        - Output: :math:`(N, C, H_{out}, W_{out})`.

    Example::

        >>> m = nn.UpsamplingBilinear2d(size=(3, 5))
        >>> output = m(torch.randn(1, 1, 2, 2))
    """

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class PixelShuffle(Module):
    r"""Moves channels into space: :math:`(*, C r^2, H, W) \to (*, C, H r, W r)` for the
    ``upscale_factor`` :math:`r`, a pure reshape and permute.

    Args:
        upscale_factor: :math:`r`; the channel count must be divisible by :math:`r^2`.

    Shape:
        - Input: :math:`(*, C_{in}, H_{in}, W_{in})`, with :math:`C_{in} = C_{out} r^2`.
        - Output: :math:`(*, C_{out}, H_{in} r, W_{in} r)`.

    Example::

        >>> m = nn.PixelShuffle(3)
        >>> output = m(torch.randn(1, 9, 4, 4))  # (1, 1, 12, 12)
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    r"""The inverse of :class:`PixelShuffle`: :math:`(*, C, H r, W r) \to (*, C r^2, H, W)` for
    the ``downscale_factor`` :math:`r`.

    Args:
        downscale_factor: :math:`r`; the height and width must be divisible by it.

    Shape:
        - Input: :math:`(*, C_{in}, H_{in}, W_{in})`.
        - Output: :math:`(*, C_{in} r^2, H_{in} / r, W_{in} / r)`.

    Example::

        >>> m = nn.PixelUnshuffle(3)
        >>> output = m(torch.randn(1, 1, 12, 12))  # (1, 9, 4, 4)
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
