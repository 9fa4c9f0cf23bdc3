"""`Fold` and `Unfold`: sliding blocks to columns and back, on the convolution's
im2col/col2im kernels."""

from __future__ import annotations

from .. import functional as F
from .module import Module


class Fold(Module):
    r"""Sums columns of sliding blocks back into an image: the inverse layout of :class:`Unfold`
    (overlapping blocks add up), on the convolution's col2im kernel.

    Args:
        output_size: the spatial size :math:`(H, W)` of the result, an ``int`` or a pair.
        kernel_size: the size of each block, an ``int`` or a pair.
        dilation: the spacing between a block's elements. Default: ``1``
        padding: implicit zero padding on both sides, cropped from the result. Default: ``0``
        stride: the step between blocks. Default: ``1``

    Shape:
        - Input: :math:`(N, C \times \prod(\text{kernel\_size}), L)` or the unbatched
          :math:`(C \times \prod(\text{kernel\_size}), L)`, where :math:`L` is the number of
          block positions that fit in ``output_size``.
        - Output: :math:`(N, C, H, W)` or :math:`(C, H, W)`. Only 2-D images are supported.

    Example::

        >>> fold = nn.Fold(output_size=(4, 5), kernel_size=(2, 2))
        >>> output = fold(torch.randn(1, 3 * 2 * 2, 12))
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)  # fmt: skip

    def extra_repr(self) -> str:
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
            f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}"
        )


class Unfold(Module):
    r"""Extracts every sliding block of a batch of images as a column (im2col).

    Args:
        kernel_size: the size of each block, an ``int`` or a pair.
        dilation: the spacing between a block's elements. Default: ``1``
        padding: implicit zero padding on both sides of each spatial dimension. Default: ``0``
        stride: the step between blocks. Default: ``1``

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`; only 2-D images are supported
          (other ranks raise NotImplementedError).
        - Output: :math:`(N, C \times \prod(\text{kernel\_size}), L)` (unbatched without
          :math:`N`), with :math:`L = \prod_d \lfloor (\text{size}_d + 2\,\text{padding}_d -
          \text{dilation}_d (\text{kernel\_size}_d - 1) - 1) / \text{stride}_d \rfloor + 1`.

    Example::

        >>> unfold = nn.Unfold(kernel_size=(2, 3))
        >>> output = unfold(torch.randn(2, 5, 3, 4))  # (2, 30, 4)
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
            f"stride={self.stride}"
        )
