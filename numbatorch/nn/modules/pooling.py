"""Pooling layers: max, average and adaptive average and max, 1-D, 2-D and 3-D."""

from __future__ import annotations

from .. import functional as F
from .module import Module


class _MaxPoolNd(Module):
    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        dilation=1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )

    def forward(self, input):
        return self._function(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )


class MaxPool1d(_MaxPoolNd):
    r"""The maximum over sliding windows along the last dimension.

    Args:
        kernel_size: the window's size
        stride: the window's step. Default: ``kernel_size``
        padding: implicit padding on both sides (-inf for max pooling, zeros for average). Default:
            0
        dilation: the step between a window's elements. Default: 1
        return_indices: also return each maximum's index (for ``MaxUnpool``). Default: ``False``
        ceil_mode: round the output length up instead of down. Default: ``False``

    Shape:
        - Input: :math:`(N, C, L_{in})` or :math:`(C, L_{in})`.
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`, with :math:`L_{out} = \lfloor
          (L_{in} + 2 p - d (k - 1) - 1) / s \rfloor + 1`.

    Example::

        >>> m = nn.MaxPool1d(3, stride=2)
        >>> output = m(torch.randn(20, 16, 50))
    """

    _function = staticmethod(F.max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """The maximum over sliding 2-D windows.

    Args:
        kernel_size: the window's size (an int or a pair)
        stride: the window's step. Default: ``kernel_size``
        padding: implicit padding on both sides (-inf for max pooling, zeros for average). Default:
            0
        dilation: the step between a window's elements. Default: 1
        return_indices: also return each maximum's flat index in its plane (for ``MaxUnpool2d``).
            Default: ``False``
        ceil_mode: round the output size up instead of down. Default: ``False``

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`.
        - Output: :math:`(N, C, H_{out}, W_{out})`, each side as for ``MaxPool1d``.

    Example::

        >>> m = nn.MaxPool2d(2)
        >>> output = m(torch.randn(20, 16, 50, 32))
    """

    _function = staticmethod(F.max_pool2d)


class MaxUnpool2d(Module):
    """The inverse of ``MaxPool2d``: ``forward(input, indices, output_size=None)`` puts
    each value at the position its index names in zero-filled planes.

    Args:
        kernel_size: the pooling window's size (an int or a pair)
        stride: the pooling window's step. Default: ``kernel_size``
        padding: the pooling's padding. Default: 0

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`, with
          ``indices`` of the same shape from ``MaxPool2d(..., return_indices=True)``.
        - Output: :math:`(N, C, H_{out}, W_{out})`, or ``output_size``.

    Example::

        >>> pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
        >>> output, indices = pool(torch.randn(1, 1, 4, 4))
        >>> unpool(output, indices).shape  # (1, 1, 4, 4)
    """

    _dims = 2
    _function = staticmethod(F.max_unpool2d)

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        self.kernel_size = _ntuple(kernel_size, self._dims)
        self.stride = _ntuple(stride if stride is not None else kernel_size, self._dims)
        self.padding = _ntuple(padding, self._dims)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input, indices, output_size=None):
        return self._function(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)  # fmt: skip


def _ntuple(value, n: int) -> tuple:
    return (value,) * n if isinstance(value, int) else tuple(value)


class AvgPool1d(Module):
    """The mean over sliding windows along the last dimension.

    Args:
        kernel_size: the window's size
        stride: the window's step. Default: ``kernel_size``
        padding: implicit padding on both sides (-inf for max pooling, zeros for average). Default:
            0
        ceil_mode: round the output length up instead of down. Default: ``False``
        count_include_pad: count the zero padding in each mean. Default: ``True``

    Shape:
        - Input: :math:`(N, C, L_{in})` or :math:`(C, L_{in})`.
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`.

    Example::

        >>> m = nn.AvgPool1d(3, stride=2)
        >>> output = m(torch.randn(20, 16, 50))
    """

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input):
        return F.avg_pool1d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
        )


def _single(value) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


class AvgPool2d(Module):
    """The mean over sliding 2-D windows.

    Args:
        kernel_size: the window's size
        stride: the window's step. Default: ``kernel_size``
        padding: implicit padding on both sides (-inf for max pooling, zeros for average). Default:
            0
        ceil_mode: round the output size up instead of down. Default: ``False``
        count_include_pad: count the zero padding in each mean. Default: ``True``
        divisor_override: divide by this instead of the window's size. Default: ``None``

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`.
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`.

    Example::

        >>> m = nn.AvgPool2d(2)
        >>> output = m(torch.randn(20, 16, 50, 32))
    """

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override=None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input):
        return F.avg_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )


class AdaptiveAvgPool1d(Module):
    r"""Average pooling to a given output length, whatever the input's: window :math:`i` covers
    :math:`[\lfloor i L_{in} / L_{out} \rfloor, \lceil (i+1) L_{in} / L_{out} \rceil)`.

    Args:
        output_size: the output length

    Shape:
        - Input: :math:`(N, C, L_{in})` or :math:`(C, L_{in})`.
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`.

    Example::

        >>> m = nn.AdaptiveAvgPool1d(5)
        >>> output = m(torch.randn(1, 64, 8))
    """

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"

    def forward(self, input):
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool2d(AdaptiveAvgPool1d):
    """Average pooling to a given output size, whatever the input's (``(1, 1)`` is global average
    pooling).

    Args:
        output_size: ``(H_out, W_out)``, or one int for both; ``None`` keeps that side

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`.
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`.

    Example::

        >>> m = nn.AdaptiveAvgPool2d((5, 7))
        >>> output = m(torch.randn(1, 64, 8, 9))
    """

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)


class _AdaptiveMaxPoolNd(Module):
    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max pooling over windows chosen so that the output has length ``output_size``, whatever
    the input's length.

    Args:
        output_size: the target length :math:`L_{out}`, an ``int``.
        return_indices: also return the position of each maximum (for ``MaxUnpool1d``).
            Default: ``False``

    Shape:
        - Input: :math:`(N, C, L_{in})` or :math:`(C, L_{in})`.
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`.

    Example::

        >>> m = nn.AdaptiveMaxPool1d(5)
        >>> output = m(torch.randn(1, 64, 8))
    """

    def forward(self, input):
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max pooling over windows chosen so that the output has size ``output_size``, whatever the
    input's size.

    Args:
        output_size: the target size :math:`(H_{out}, W_{out})`; an ``int`` for a square, and
            ``None`` in either place keeps that input size.
        return_indices: also return the (flat, per-plane) position of each maximum.
            Default: ``False``

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`.
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`.

    Example::

        >>> m = nn.AdaptiveMaxPool2d((5, 7))
        >>> output = m(torch.randn(1, 64, 8, 9))
    """

    def forward(self, input):
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class _LPPoolNd(Module):
    def __init__(self, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False):
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, ceil_mode={self.ceil_mode}"
        )


class LPPool1d(_LPPoolNd):
    r"""Power-average pooling: :math:`(\sum_{x \in \text{window}} x^p)^{1/p}` over each window,
    computed as an average pool of :math:`x^p` (no padding).

    Args:
        norm_type: :math:`p`; ``1`` gives sum pooling, large values approach max pooling.
        kernel_size: the window length.
        stride: the step between windows. Default: ``None`` (``kernel_size``)
        ceil_mode: round the output length up rather than down. Default: ``False``

    Shape:
        - Input: :math:`(N, C, L_{in})` or :math:`(C, L_{in})`.
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`, with
          :math:`L_{out} = \lfloor (L_{in} - \text{kernel\_size}) / \text{stride} \rfloor + 1`.

    Example::

        >>> m = nn.LPPool1d(2, 3, stride=2)
        >>> output = m(torch.randn(2, 4, 9))
    """

    def forward(self, input):
        return F.lp_pool1d(input, float(self.norm_type), self.kernel_size, self.stride,
                           self.ceil_mode)  # fmt: skip


class LPPool2d(_LPPoolNd):
    r"""Power-average pooling over 2-D windows: :math:`(\sum_{x \in \text{window}} x^p)^{1/p}`,
    computed as an average pool of :math:`x^p` (no padding).

    Args:
        norm_type: :math:`p`; ``1`` gives sum pooling, large values approach max pooling.
        kernel_size: the window size, an ``int`` or a pair.
        stride: the step between windows. Default: ``None`` (``kernel_size``)
        ceil_mode: round the output size up rather than down. Default: ``False``

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`.
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`, with
          :math:`H_{out} = \lfloor (H_{in} - \text{kernel\_size}[0]) / \text{stride}[0] \rfloor
          + 1` (likewise :math:`W`).

    Example::

        >>> m = nn.LPPool2d(2, (3, 2), stride=(2, 1))
        >>> output = m(torch.randn(2, 4, 9, 6))
    """

    def forward(self, input):
        return F.lp_pool2d(input, float(self.norm_type), self.kernel_size, self.stride,
                           self.ceil_mode)  # fmt: skip


class MaxPool3d(_MaxPoolNd):
    """The maximum over sliding 3-D windows.

    Args:
        kernel_size: the window's size (an int or a triple)
        stride: the window's step. Default: ``kernel_size``
        padding: implicit -inf padding on both sides. Default: 0
        dilation: the step between a window's elements. Default: 1
        return_indices: also return each maximum's flat index in its volume. Default: ``False``
        ceil_mode: round the output size up instead of down. Default: ``False``

    Shape:
        - Input: :math:`(N, C, D_{in}, H_{in}, W_{in})` or :math:`(C, D_{in}, H_{in}, W_{in})`.
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})`, each side as for ``MaxPool1d``.

    Example::

        >>> m = nn.MaxPool3d(2)
        >>> output = m(torch.randn(20, 16, 10, 50, 32))
    """

    _function = staticmethod(F.max_pool3d)


class AvgPool3d(AvgPool2d):
    """The mean over sliding 3-D windows.

    Args:
        kernel_size: the window's size (an int or a triple)
        stride: the window's step. Default: ``kernel_size``
        padding: implicit zero padding on both sides. Default: 0
        ceil_mode: round the output size up instead of down. Default: ``False``
        count_include_pad: count the zero padding in each mean. Default: ``True``
        divisor_override: divide by this instead of the window's size. Default: ``None``

    Shape:
        - Input: :math:`(N, C, D_{in}, H_{in}, W_{in})` or :math:`(C, D_{in}, H_{in}, W_{in})`.
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})`.

    Example::

        >>> m = nn.AvgPool3d(2)
        >>> output = m(torch.randn(20, 16, 10, 50, 32))
    """

    def forward(self, input):
        return F.avg_pool3d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )


class AdaptiveAvgPool3d(AdaptiveAvgPool1d):
    """Average pooling to a given output size, whatever the input's.

    Args:
        output_size: ``(D_out, H_out, W_out)``, or one int for all; ``None`` keeps that side

    Shape:
        - Input: :math:`(N, C, D_{in}, H_{in}, W_{in})` or :math:`(C, D_{in}, H_{in}, W_{in})`.
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})` or :math:`(C, D_{out}, H_{out},
          W_{out})`.

    Example::

        >>> m = nn.AdaptiveAvgPool3d((5, 7, 9))
        >>> output = m(torch.randn(1, 64, 8, 9, 10))
    """

    def forward(self, input):
        return F.adaptive_avg_pool3d(input, self.output_size)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max pooling over windows chosen so that the output has size ``output_size``, whatever the
    input's size.

    Args:
        output_size: :math:`(D_{out}, H_{out}, W_{out})`; an ``int`` for a cube, and ``None``
            in any place keeps that input size.
        return_indices: also return the (flat, per-volume) position of each maximum.
            Default: ``False``

    Shape:
        - Input: :math:`(N, C, D_{in}, H_{in}, W_{in})` or :math:`(C, D_{in}, H_{in}, W_{in})`.
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})` or :math:`(C, D_{out}, H_{out},
          W_{out})`.

    Example::

        >>> m = nn.AdaptiveMaxPool3d((5, 7, 9))
        >>> output = m(torch.randn(1, 64, 8, 9, 10))
    """

    def forward(self, input):
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)


class MaxUnpool1d(MaxUnpool2d):
    """The inverse of ``MaxPool1d``: ``forward(input, indices, output_size=None)`` puts
    each value at the position its index names in zero-filled rows.

    Args:
        kernel_size: the pooling window's size
        stride: the pooling window's step. Default: ``kernel_size``
        padding: the pooling's padding. Default: 0

    Shape:
        - Input: :math:`(N, C, L_{in})` or :math:`(C, L_{in})`, with ``indices`` of the same
          shape from ``MaxPool1d(..., return_indices=True)``.
        - Output: :math:`(N, C, L_{out})`, :math:`L_{out} = (L_{in} - 1) s - 2p + k`, or
          ``output_size``.

    Example::

        >>> pool, unpool = nn.MaxPool1d(2, return_indices=True), nn.MaxUnpool1d(2)
        >>> output, indices = pool(torch.randn(1, 1, 8))
        >>> unpool(output, indices).shape  # (1, 1, 8)
    """

    _dims = 1
    _function = staticmethod(F.max_unpool1d)


class MaxUnpool3d(MaxUnpool2d):
    """The inverse of ``MaxPool3d``: ``forward(input, indices, output_size=None)`` puts
    each value at the position its index names in zero-filled volumes.

    Args:
        kernel_size: the pooling window's size (an int or a triple)
        stride: the pooling window's step. Default: ``kernel_size``
        padding: the pooling's padding. Default: 0

    Shape:
        - Input: :math:`(N, C, D_{in}, H_{in}, W_{in})` or :math:`(C, D_{in}, H_{in}, W_{in})`,
          with ``indices`` of the same shape from ``MaxPool3d(..., return_indices=True)``.
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})`, or ``output_size``.

    Example::

        >>> pool, unpool = nn.MaxPool3d(2, return_indices=True), nn.MaxUnpool3d(2)
        >>> output, indices = pool(torch.randn(1, 1, 4, 4, 4))
        >>> unpool(output, indices).shape  # (1, 1, 4, 4, 4)
    """

    _dims = 3
    _function = staticmethod(F.max_unpool3d)


class LPPool3d(_LPPoolNd):
    r"""Power-average pooling over 3-D windows: :math:`(\sum_{x \in \text{window}} x^p)^{1/p}`,
    computed as an average pool of :math:`x^p` (no padding).

    Args:
        norm_type: :math:`p`; ``1`` gives sum pooling, large values approach max pooling.
        kernel_size: the window size, an ``int`` or a triple.
        stride: the step between windows. Default: ``None`` (``kernel_size``)
        ceil_mode: round the output size up rather than down. Default: ``False``

    Shape:
        - Input: :math:`(N, C, D_{in}, H_{in}, W_{in})` or :math:`(C, D_{in}, H_{in}, W_{in})`.
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})` or without the batch dimension,
          each side as for ``LPPool2d``.

    Example::

        >>> m = nn.LPPool3d(2, (3, 2, 2), stride=2)
        >>> output = m(torch.randn(2, 4, 9, 6, 6))
    """

    def forward(self, input):
        return F.lp_pool3d(input, float(self.norm_type), self.kernel_size, self.stride,
                           self.ceil_mode)  # fmt: skip
