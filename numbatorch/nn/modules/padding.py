"""Padding layers: constant (and zero), reflection, replication and circular, 1-D to 3-D,
each a thin wrapper over `F.pad` with PyTorch's argument forms and reprs."""

from __future__ import annotations

from .. import functional as F
from .module import Module


def _padding(padding, dims: int) -> tuple:
    """An int pads every side; a tuple gives (left, right, top, bottom, front, back)."""
    if isinstance(padding, int):
        return (padding,) * (2 * dims)
    padding = tuple(padding)
    if len(padding) != 2 * dims:
        raise ValueError(f"padding must be an int or a {2 * dims}-tuple, but got {padding}")
    return padding


class _PadNd(Module):
    mode = "constant"
    dims = 1

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _padding(padding, self.dims)

    def forward(self, input):
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    r"""Pads the last dimension of the input with the constant ``value``.

    Args:
        padding: an ``int`` pads every side by that much; a 2-tuple gives
            ``(left, right)``, the last dimension first.
            Negative amounts crop.
        value: the fill value (required, as in PyTorch).

    Shape:
        - Input: :math:`(*, W_{in})`.
        - Output: :math:`(*, W_{out})`,
          where :math:`W_{out} = W_{in} + \text{left} + \text{right}`.

    Example::

        >>> m = nn.ConstantPad1d(2, 3.5)
        >>> output = m(torch.randn(1, 2, 4))
    """

    dims = 1


class ConstantPad2d(_ConstantPadNd):
    r"""Pads the last 2 dimensions of the input with the constant ``value``.

    Args:
        padding: an ``int`` pads every side by that much; a 4-tuple gives
            ``(left, right, top, bottom)``, the last dimension first.
            Negative amounts crop.
        value: the fill value (required, as in PyTorch).

    Shape:
        - Input: :math:`(*, H_{in}, W_{in})`.
        - Output: :math:`(*, H_{out}, W_{out})`,
          where :math:`H_{out} = H_{in} + \text{top} + \text{bottom}` (likewise :math:`W`).

    Example::

        >>> m = nn.ConstantPad2d((1, 1, 2, 0), 3.5)
        >>> output = m(torch.randn(1, 1, 3, 3))
    """

    dims = 2


class ConstantPad3d(_ConstantPadNd):
    r"""Pads the last 3 dimensions of the input with the constant ``value``.

    Args:
        padding: an ``int`` pads every side by that much; a 6-tuple gives
            ``(left, right, top, bottom, front, back)``, the last dimension first.
            Negative amounts crop.
        value: the fill value (required, as in PyTorch).

    Shape:
        - Input: :math:`(*, D_{in}, H_{in}, W_{in})`.
        - Output: :math:`(*, D_{out}, H_{out}, W_{out})`,
          where :math:`D_{out} = D_{in} + \text{front} + \text{back}` (likewise :math:`H, W`).

    Example::

        >>> m = nn.ConstantPad3d(1, 3.5)
        >>> output = m(torch.randn(1, 1, 3, 3, 3))
    """

    dims = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    r"""Pads the last dimension of the input with zeros (``ConstantPad1d`` with value 0).

    Args:
        padding: an ``int`` pads every side by that much; a 2-tuple gives
            ``(left, right)``, the last dimension first.
            Negative amounts crop.

    Shape:
        - Input: :math:`(*, W_{in})`.
        - Output: :math:`(*, W_{out})`,
          where :math:`W_{out} = W_{in} + \text{left} + \text{right}`.

    Example::

        >>> m = nn.ZeroPad1d(2)
        >>> output = m(torch.randn(1, 2, 4))
    """

    dims = 1


class ZeroPad2d(_ZeroPadNd):
    r"""Pads the last 2 dimensions of the input with zeros (``ConstantPad2d`` with value 0).

    Args:
        padding: an ``int`` pads every side by that much; a 4-tuple gives
            ``(left, right, top, bottom)``, the last dimension first.
            Negative amounts crop.

    Shape:
        - Input: :math:`(*, H_{in}, W_{in})`.
        - Output: :math:`(*, H_{out}, W_{out})`,
          where :math:`H_{out} = H_{in} + \text{top} + \text{bottom}` (likewise :math:`W`).

    Example::

        >>> m = nn.ZeroPad2d((1, 1, 2, 0))
        >>> output = m(torch.randn(1, 1, 3, 3))
    """

    dims = 2


class ZeroPad3d(_ZeroPadNd):
    r"""Pads the last 3 dimensions of the input with zeros (``ConstantPad3d`` with value 0).

    Args:
        padding: an ``int`` pads every side by that much; a 6-tuple gives
            ``(left, right, top, bottom, front, back)``, the last dimension first.
            Negative amounts crop.

    Shape:
        - Input: :math:`(*, D_{in}, H_{in}, W_{in})`.
        - Output: :math:`(*, D_{out}, H_{out}, W_{out})`,
          where :math:`D_{out} = D_{in} + \text{front} + \text{back}` (likewise :math:`H, W`).

    Example::

        >>> m = nn.ZeroPad3d(1)
        >>> output = m(torch.randn(1, 1, 3, 3, 3))
    """

    dims = 3


class ReflectionPad1d(_PadNd):
    r"""Pads the last dimension of the input with its mirror image about each edge
    (the edge value not repeated); each pad must be smaller than its dimension.

    Args:
        padding: an ``int`` pads every side by that much; a 2-tuple gives
            ``(left, right)``, the last dimension first.
            Negative amounts crop.

    Shape:
        - Input: :math:`(C, W_{in})` or :math:`(N, C, W_{in})`.
        - Output: :math:`(C, W_{out})`
          or :math:`(N, C, W_{out})`,
          where :math:`W_{out} = W_{in} + \text{left} + \text{right}`.

    Example::

        >>> m = nn.ReflectionPad1d(2)
        >>> output = m(torch.randn(1, 2, 4))
    """

    mode, dims = "reflect", 1


class ReflectionPad2d(_PadNd):
    r"""Pads the last 2 dimensions of the input with its mirror image about each edge
    (the edge value not repeated); each pad must be smaller than its dimension.

    Args:
        padding: an ``int`` pads every side by that much; a 4-tuple gives
            ``(left, right, top, bottom)``, the last dimension first.
            Negative amounts crop.

    Shape:
        - Input: :math:`(C, H_{in}, W_{in})` or :math:`(N, C, H_{in}, W_{in})`.
        - Output: :math:`(C, H_{out}, W_{out})`
          or :math:`(N, C, H_{out}, W_{out})`,
          where :math:`H_{out} = H_{in} + \text{top} + \text{bottom}` (likewise :math:`W`).

    Example::

        >>> m = nn.ReflectionPad2d((1, 1, 2, 0))
        >>> output = m(torch.randn(1, 1, 3, 3))
    """

    mode, dims = "reflect", 2


class ReflectionPad3d(_PadNd):
    r"""Pads the last 3 dimensions of the input with its mirror image about each edge
    (the edge value not repeated); each pad must be smaller than its dimension.

    Args:
        padding: an ``int`` pads every side by that much; a 6-tuple gives
            ``(left, right, top, bottom, front, back)``, the last dimension first.
            Negative amounts crop.

    Shape:
        - Input: :math:`(C, D_{in}, H_{in}, W_{in})` or :math:`(N, C, D_{in}, H_{in}, W_{in})`.
        - Output: :math:`(C, D_{out}, H_{out}, W_{out})`
          or :math:`(N, C, D_{out}, H_{out}, W_{out})`,
          where :math:`D_{out} = D_{in} + \text{front} + \text{back}` (likewise :math:`H, W`).

    Example::

        >>> m = nn.ReflectionPad3d(1)
        >>> output = m(torch.randn(1, 1, 3, 3, 3))
    """

    mode, dims = "reflect", 3


class ReplicationPad1d(_PadNd):
    r"""Pads the last dimension of the input by repeating its edge values.

    Args:
        padding: an ``int`` pads every side by that much; a 2-tuple gives
            ``(left, right)``, the last dimension first.
            Negative amounts crop.

    Shape:
        - Input: :math:`(C, W_{in})` or :math:`(N, C, W_{in})`.
        - Output: :math:`(C, W_{out})`
          or :math:`(N, C, W_{out})`,
          where :math:`W_{out} = W_{in} + \text{left} + \text{right}`.

    Example::

        >>> m = nn.ReplicationPad1d(2)
        >>> output = m(torch.randn(1, 2, 4))
    """

    mode, dims = "replicate", 1


class ReplicationPad2d(_PadNd):
    r"""Pads the last 2 dimensions of the input by repeating its edge values.

    Args:
        padding: an ``int`` pads every side by that much; a 4-tuple gives
            ``(left, right, top, bottom)``, the last dimension first.
            Negative amounts crop.

    Shape:
        - Input: :math:`(C, H_{in}, W_{in})` or :math:`(N, C, H_{in}, W_{in})`.
        - Output: :math:`(C, H_{out}, W_{out})`
          or :math:`(N, C, H_{out}, W_{out})`,
          where :math:`H_{out} = H_{in} + \text{top} + \text{bottom}` (likewise :math:`W`).

    Example::

        >>> m = nn.ReplicationPad2d((1, 1, 2, 0))
        >>> output = m(torch.randn(1, 1, 3, 3))
    """

    mode, dims = "replicate", 2


class ReplicationPad3d(_PadNd):
    r"""Pads the last 3 dimensions of the input by repeating its edge values.

    Args:
        padding: an ``int`` pads every side by that much; a 6-tuple gives
            ``(left, right, top, bottom, front, back)``, the last dimension first.
            Negative amounts crop.

    Shape:
        - Input: :math:`(C, D_{in}, H_{in}, W_{in})` or :math:`(N, C, D_{in}, H_{in}, W_{in})`.
        - Output: :math:`(C, D_{out}, H_{out}, W_{out})`
          or :math:`(N, C, D_{out}, H_{out}, W_{out})`,
          where :math:`D_{out} = D_{in} + \text{front} + \text{back}` (likewise :math:`H, W`).

    Example::

        >>> m = nn.ReplicationPad3d(1)
        >>> output = m(torch.randn(1, 1, 3, 3, 3))
    """

    mode, dims = "replicate", 3


class CircularPad1d(_PadNd):
    r"""Pads the last dimension of the input by wrapping around, taking the values
    from the opposite end; each pad must be at most its dimension.

    Args:
        padding: an ``int`` pads every side by that much; a 2-tuple gives
            ``(left, right)``, the last dimension first.
            Negative amounts crop.

    Shape:
        - Input: :math:`(C, W_{in})` or :math:`(N, C, W_{in})`.
        - Output: :math:`(C, W_{out})`
          or :math:`(N, C, W_{out})`,
          where :math:`W_{out} = W_{in} + \text{left} + \text{right}`.

    Example::

        >>> m = nn.CircularPad1d(2)
        >>> output = m(torch.randn(1, 2, 4))
    """

    mode, dims = "circular", 1


class CircularPad2d(_PadNd):
    r"""Pads the last 2 dimensions of the input by wrapping around, taking the values
    from the opposite end; each pad must be at most its dimension.

    Args:
        padding: an ``int`` pads every side by that much; a 4-tuple gives
            ``(left, right, top, bottom)``, the last dimension first.
            Negative amounts crop.

    Shape:
        - Input: :math:`(C, H_{in}, W_{in})` or :math:`(N, C, H_{in}, W_{in})`.
        - Output: :math:`(C, H_{out}, W_{out})`
          or :math:`(N, C, H_{out}, W_{out})`,
          where :math:`H_{out} = H_{in} + \text{top} + \text{bottom}` (likewise :math:`W`).

    Example::

        >>> m = nn.CircularPad2d((1, 1, 2, 0))
        >>> output = m(torch.randn(1, 1, 3, 3))
    """

    mode, dims = "circular", 2


class CircularPad3d(_PadNd):
    r"""Pads the last 3 dimensions of the input by wrapping around, taking the values
    from the opposite end; each pad must be at most its dimension.

    Args:
        padding: an ``int`` pads every side by that much; a 6-tuple gives
            ``(left, right, top, bottom, front, back)``, the last dimension first.
            Negative amounts crop.

    Shape:
        - Input: :math:`(C, D_{in}, H_{in}, W_{in})` or :math:`(N, C, D_{in}, H_{in}, W_{in})`.
        - Output: :math:`(C, D_{out}, H_{out}, W_{out})`
          or :math:`(N, C, D_{out}, H_{out}, W_{out})`,
          where :math:`D_{out} = D_{in} + \text{front} + \text{back}` (likewise :math:`H, W`).

    Example::

        >>> m = nn.CircularPad3d(1)
        >>> output = m(torch.randn(1, 1, 3, 3, 3))
    """

    mode, dims = "circular", 3
