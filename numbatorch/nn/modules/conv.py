"""Convolution layers: `Conv1d`, `Conv2d`, `Conv3d`, `ConvTranspose1d`, `ConvTranspose2d`,
`ConvTranspose3d`."""

from __future__ import annotations

import math

from ... import _creation
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

_PADDING_MODES = {"zeros", "reflect", "replicate", "circular"}


def _ntuple(value, n: int) -> tuple:
    if isinstance(value, (tuple, list)):
        return tuple(value)
    return (value,) * n


class _ConvNd(Module):
    """Holds a convolution's weight, bias and geometry; subclasses pick the functional op."""

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride,
        padding,
        dilation,
        transposed,
        output_padding,
        groups,
        bias,
        padding_mode,
        device=None,
        dtype=None,
        dims=2,
    ) -> None:
        super().__init__()
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(
                    f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}"
                )
            if padding == "same" and any(s != 1 for s in _ntuple(stride, dims)):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {_PADDING_MODES}, but got "
                f"padding_mode='{padding_mode}'"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _ntuple(kernel_size, dims)
        self.stride = _ntuple(stride, dims)
        self.padding = padding if isinstance(padding, str) else _ntuple(padding, dims)
        self.dilation = _ntuple(dilation, dims)
        self.transposed = transposed
        self.output_padding = _ntuple(output_padding, dims)
        self.groups = groups
        self.padding_mode = padding_mode
        if isinstance(self.padding, str):
            # F.pad's order: last dim first, (left, right) per dim
            self._reversed_padding_repeated_twice = [0, 0] * dims
            if padding == "same":
                for d, k, i in zip(self.dilation, self.kernel_size, range(dims - 1, -1, -1)):
                    total = d * (k - 1)
                    left = total // 2
                    self._reversed_padding_repeated_twice[2 * i] = left
                    self._reversed_padding_repeated_twice[2 * i + 1] = total - left
        else:
            self._reversed_padding_repeated_twice = [
                p for p in reversed(self.padding) for _ in range(2)
            ]
        shape = (
            (in_channels, out_channels // groups)
            if transposed
            else (out_channels, in_channels // groups)
        ) + self.kernel_size
        self.weight = Parameter(_creation.empty(*shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(_creation.empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        dims = len(self.kernel_size)
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * dims:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * dims:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * dims:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _conv_forward(self, input, weight, bias, conv):
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return conv(padded, weight, bias, self.stride, 0, self.dilation, self.groups)
        return conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)


class _Conv(_ConvNd):
    """Conv1d/Conv2d: one constructor; a subclass names its dims and functional op."""

    _dims = 2

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            False,
            0,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
            dims=self._dims,
        )

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias, self._function)


class Conv1d(_Conv):
    r"""A 1-D convolution (cross-correlation, as in PyTorch) over an input of several channels, run
    as one GEMM over unfolded windows.

    Args:
        in_channels: channels of the input
        out_channels: channels of the output
        kernel_size: the kernel's size
        stride: the step of the kernel. Default: 1
        padding: zeros added to both sides, or ``'valid'`` / ``'same'``. Default: 0
        dilation: the step between kernel elements. Default: 1
        groups: blocked connections from input to output channels. Default: 1
        bias: learn a bias per output channel. Default: ``True``
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``. Default:
            ``'zeros'``

    Shape:
        - Input: :math:`(N, C_{in}, L_{in})` or :math:`(C_{in}, L_{in})`.
        - Output: :math:`(N, C_{out}, L_{out})`, :math:`L_{out} = \lfloor (L_{in} + 2p - d(k-1) -
          1)/s \rfloor + 1`.

    Example::

        >>> m = nn.Conv1d(16, 33, 3, stride=2)
        >>> output = m(torch.randn(20, 16, 50))
    """

    _dims = 1
    _function = staticmethod(F.conv1d)


class Conv2d(_Conv):
    """A 2-D convolution (cross-correlation, as in PyTorch) over an input of several channels:
    Winograd for 3x3 stride-1 kernels where it pays, else one GEMM over unfolded windows.

    Args:
        in_channels: channels of the input
        out_channels: channels of the output
        kernel_size: the kernel's size
        stride: the step of the kernel. Default: 1
        padding: zeros added to both sides, or ``'valid'`` / ``'same'``. Default: 0
        dilation: the step between kernel elements. Default: 1
        groups: blocked connections from input to output channels. Default: 1
        bias: learn a bias per output channel. Default: ``True``
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``. Default:
            ``'zeros'``

    Shape:
        - Input: :math:`(N, C_{in}, H_{in}, W_{in})` or :math:`(C_{in}, H_{in}, W_{in})`.
        - Output: :math:`(N, C_{out}, H_{out}, W_{out})`, each side as for ``Conv1d``.
        - Weight: :math:`(C_{out}, C_{in}/groups, k_H, k_W)`, initialised as in PyTorch (Kaiming
          uniform).

    Example::

        >>> m = nn.Conv2d(16, 33, 3, stride=2, padding=1)
        >>> output = m(torch.randn(20, 16, 50, 100))
    """

    _dims = 2
    _function = staticmethod(F.conv2d)


class _ConvTransposeNd(_ConvNd):
    def _output_padding(self, input, output_size) -> tuple:
        """The output_padding that makes the output `output_size` (PyTorch's rule)."""
        if output_size is None:
            return self.output_padding
        dims = len(self.kernel_size)
        output_size = list(output_size)[-dims:]
        padding = _ntuple(self.padding, dims)
        result = []
        for d in range(dims):
            size = input.shape[input.ndim - dims + d]
            smallest = (
                (size - 1) * self.stride[d]
                - 2 * padding[d]
                + self.dilation[d] * (self.kernel_size[d] - 1)
                + 1
            )
            largest = smallest + self.stride[d] - 1
            if not smallest <= output_size[d] <= largest:
                raise ValueError(
                    f"requested an output size of {output_size}, but valid sizes range from "
                    f"{[smallest] * dims} to {[largest] * dims} (for an input of "
                    f"{list(input.shape[input.ndim - dims :])})"
                )
            result.append(output_size[d] - smallest)
        return tuple(result)


class _ConvTranspose(_ConvTransposeNd):
    """ConvTranspose1d/2d: one constructor; a subclass names its dims and functional op."""

    _dims = 2

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups: int = 1,
        bias: bool = True,
        dilation=1,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            True,
            output_padding,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
            dims=self._dims,
        )

    def forward(self, input, output_size=None):
        output_padding = self._output_padding(input, output_size)
        return self._function(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            output_padding,
            self.groups,
            self.dilation,
        )


class ConvTranspose1d(_ConvTranspose):
    r"""The transposed 1-D convolution (the gradient of ``Conv1d`` with respect to its input).

    Args:
        in_channels: channels of the input
        out_channels: channels of the output
        kernel_size: the kernel's size
        stride: the step of the kernel. Default: 1
        padding: zeros added to both sides, or ``'valid'`` / ``'same'``. Default: 0
        output_padding: size added to one side of the output. Default: 0
        groups: blocked connections from input to output channels. Default: 1
        bias: learn a bias per output channel. Default: ``True``
        dilation: the step between kernel elements. Default: 1

    Shape:
        - Input: :math:`(N, C_{in}, L_{in})` or :math:`(C_{in}, L_{in})`.
        - Output: :math:`(N, C_{out}, L_{out})`, :math:`L_{out} = (L_{in} - 1)s - 2p + d(k-1) +
          output\_padding + 1`.

    Example::

        >>> m = nn.ConvTranspose1d(16, 33, 3, stride=2)
        >>> output = m(torch.randn(20, 16, 50))
    """

    _dims = 1
    _function = staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTranspose):
    """The transposed 2-D convolution (the gradient of ``Conv2d`` with respect to its input):
    upsampling by a learned kernel.

    Args:
        in_channels: channels of the input
        out_channels: channels of the output
        kernel_size: the kernel's size
        stride: the step of the kernel. Default: 1
        padding: zeros added to both sides, or ``'valid'`` / ``'same'``. Default: 0
        output_padding: size added to one side of the output. Default: 0
        groups: blocked connections from input to output channels. Default: 1
        bias: learn a bias per output channel. Default: ``True``
        dilation: the step between kernel elements. Default: 1

    Shape:
        - Input: :math:`(N, C_{in}, H_{in}, W_{in})` or :math:`(C_{in}, H_{in}, W_{in})`.
        - Output: :math:`(N, C_{out}, H_{out}, W_{out})`, each side as for ``ConvTranspose1d``.

    Example::

        >>> m = nn.ConvTranspose2d(16, 33, 3, stride=2)
        >>> output = m(torch.randn(20, 16, 50, 100))
    """

    _dims = 2
    _function = staticmethod(F.conv_transpose2d)


class Conv3d(_Conv):
    """A 3-D convolution (cross-correlation, as in PyTorch) over a volume of several channels,
    run as one GEMM over unfolded windows (the 2-D convolution's im2col with a depth).

    Args:
        in_channels: channels of the input
        out_channels: channels of the output
        kernel_size: the kernel's size
        stride: the step of the kernel. Default: 1
        padding: zeros added to both sides, or ``'valid'`` / ``'same'``. Default: 0
        dilation: the step between kernel elements. Default: 1
        groups: blocked connections from input to output channels. Default: 1
        bias: learn a bias per output channel. Default: ``True``
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``. Default:
            ``'zeros'``

    Shape:
        - Input: :math:`(N, C_{in}, D_{in}, H_{in}, W_{in})` or :math:`(C_{in}, D_{in}, H_{in},
          W_{in})`.
        - Output: :math:`(N, C_{out}, D_{out}, H_{out}, W_{out})`, each side as for ``Conv1d``.
        - Weight: :math:`(C_{out}, C_{in}/groups, k_D, k_H, k_W)`, initialised as in PyTorch.

    Example::

        >>> m = nn.Conv3d(16, 33, 3, stride=2)
        >>> output = m(torch.randn(20, 16, 10, 50, 100))
    """

    _dims = 3
    _function = staticmethod(F.conv3d)


class ConvTranspose3d(_ConvTranspose):
    """The transposed 3-D convolution (the gradient of ``Conv3d`` with respect to its input).

    Args:
        in_channels: channels of the input
        out_channels: channels of the output
        kernel_size: the kernel's size
        stride: the step of the kernel. Default: 1
        padding: zeros added to both sides. Default: 0
        output_padding: size added to one side of the output. Default: 0
        groups: blocked connections from input to output channels. Default: 1
        bias: learn a bias per output channel. Default: ``True``
        dilation: the step between kernel elements. Default: 1

    Shape:
        - Input: :math:`(N, C_{in}, D_{in}, H_{in}, W_{in})` or :math:`(C_{in}, D_{in}, H_{in},
          W_{in})`.
        - Output: :math:`(N, C_{out}, D_{out}, H_{out}, W_{out})`, each side as for
          ``ConvTranspose1d``.

    Example::

        >>> m = nn.ConvTranspose3d(16, 33, 3, stride=2)
        >>> output = m(torch.randn(20, 16, 10, 50, 100))
    """

    _dims = 3
    _function = staticmethod(F.conv_transpose3d)
