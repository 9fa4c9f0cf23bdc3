"""Activation layers, each a thin wrapper over its `nn.functional` twin."""

from __future__ import annotations

from ... import _creation
from .. import functional as F
from .. import init as nn_init
from ..parameter import Parameter
from .attention import MultiheadAttention  # noqa: F401 - where PyTorch defines it
from .module import Module


def _inplace_text(inplace: bool, lead: str = "") -> str:
    return f"{lead}inplace=True" if inplace else ""


class ReLU(Module):
    r"""The rectified linear unit, elementwise: :math:`\max(0, x)`.

    Args:
        inplace: do the operation in place. Default: ``False``

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.ReLU()
        >>> output = m(torch.randn(2))
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return _inplace_text(self.inplace)


class Hardtanh(Module):
    """Clamps each element to ``[min_val, max_val]``.

    Args:
        min_val: the lower bound. Default: ``-1``
        max_val: the upper bound. Default: ``1``
        inplace: do the operation in place. Default: ``False``

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.Hardtanh(-2, 2)
        >>> output = m(torch.randn(2))
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if min_val >= max_val:
            raise ValueError("min_val cannot be greater than or equal to max_val")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + _inplace_text(self.inplace, ", ")


class ReLU6(Hardtanh):
    r""":math:`\min(\max(0, x), 6)`, elementwise.

    Args:
        inplace: do the operation in place. Default: ``False``

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.ReLU6()
        >>> output = m(torch.randn(2))
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return _inplace_text(self.inplace)


class LeakyReLU(Module):
    r""":math:`x` where :math:`x \ge 0`, else ``negative_slope`` :math:`\cdot x`.

    Args:
        negative_slope: the slope of the negative part. Default: ``1e-2``
        inplace: do the operation in place. Default: ``False``

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.LeakyReLU(0.1)
        >>> output = m(torch.randn(2))
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + _inplace_text(self.inplace, ", ")


class ELU(Module):
    r"""The exponential linear unit: :math:`x` where :math:`x > 0`, else :math:`\alpha (e^x - 1)`.

    Args:
        alpha: the scale of the negative part. Default: ``1.0``
        inplace: do the operation in place. Default: ``False``

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.ELU()
        >>> output = m(torch.randn(2))
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + _inplace_text(self.inplace, ", ")


class _InplaceActivation(Module):
    function = None

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return type(self).function(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return _inplace_text(self.inplace)


class SELU(_InplaceActivation):
    """The scaled ELU, with PyTorch's constants (scale 1.0507..., alpha 1.6732...).

    Args:
        inplace: do the operation in place. Default: ``False``

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.SELU()
        >>> output = m(torch.randn(2))
    """

    function = staticmethod(F.selu)


class SiLU(_InplaceActivation):
    r"""The sigmoid linear unit (swish): :math:`x \sigma(x)`.

    Args:
        inplace: do the operation in place. Default: ``False``

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.SiLU()
        >>> output = m(torch.randn(2))
    """

    function = staticmethod(F.silu)


class Mish(_InplaceActivation):
    r"""Mish: :math:`x \tanh(\mathrm{softplus}(x))`.

    Args:
        inplace: do the operation in place. Default: ``False``

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.Mish()
        >>> output = m(torch.randn(2))
    """

    function = staticmethod(F.mish)


class Hardsigmoid(_InplaceActivation):
    """A piecewise-linear sigmoid: 0 below -3, 1 above 3, :math:`x/6 + 1/2` between.

    Args:
        inplace: do the operation in place. Default: ``False``

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.Hardsigmoid()
        >>> output = m(torch.randn(2))
    """

    function = staticmethod(F.hardsigmoid)


class Hardswish(_InplaceActivation):
    r""":math:`x \cdot \mathrm{hardsigmoid}(x)`, elementwise.

    Args:
        inplace: do the operation in place. Default: ``False``

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.Hardswish()
        >>> output = m(torch.randn(2))
    """

    function = staticmethod(F.hardswish)


class GELU(Module):
    r"""The Gaussian error linear unit: :math:`x \Phi(x)`, or its tanh approximation.

    Args:
        approximate: ``'none'`` (exact, with erf) or ``'tanh'``. Default: ``'none'``

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.GELU()
        >>> output = m(torch.randn(2))
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    r""":math:`\frac{1}{\beta} \log(1 + e^{\beta x})`, and :math:`x` itself where :math:`\beta x` >
    ``threshold``.

    Args:
        beta: the :math:`\beta` above. Default: ``1``
        threshold: above it the function is linear. Default: ``20``

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.Softplus()
        >>> output = m(torch.randn(2))
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class _Plain(Module):
    function = None

    def forward(self, input):
        return type(self).function(input)


class Sigmoid(_Plain):
    """The logistic sigmoid: :math:`1 / (1 + e^{-x})`.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.Sigmoid()
        >>> output = m(torch.randn(2))
    """

    function = staticmethod(F.sigmoid)


class Tanh(_Plain):
    """The hyperbolic tangent, elementwise.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.Tanh()
        >>> output = m(torch.randn(2))
    """

    function = staticmethod(F.tanh)


class LogSigmoid(_Plain):
    r""":math:`\log \sigma(x)`, computed without overflow.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.LogSigmoid()
        >>> output = m(torch.randn(2))
    """

    function = staticmethod(F.logsigmoid)


class Softsign(_Plain):
    """:math:`x / (1 + |x|)`.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.Softsign()
        >>> output = m(torch.randn(2))
    """

    function = staticmethod(F.softsign)


class _SoftmaxBase(Module):
    function = None

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return type(self).function(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_SoftmaxBase):
    r""":math:`e^{x_i} / \sum_j e^{x_j}` along ``dim``.

    Args:
        dim: the dimension along which it is computed (each slice along it sums to 1).
            ``None`` picks one as PyTorch's legacy rule does, with its warning.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.Softmax(dim=1)
        >>> output = m(torch.randn(2, 3))
    """

    function = staticmethod(F.softmax)


class LogSoftmax(_SoftmaxBase):
    """The logarithm of softmax along ``dim``, computed in one stable pass.

    Args:
        dim: the dimension along which it is computed (each slice along it sums to 1 after exp).
            ``None`` picks one as PyTorch's legacy rule does, with its warning.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.LogSoftmax(dim=1)
        >>> output = m(torch.randn(2, 3))
    """

    function = staticmethod(F.log_softmax)


class Softmin(_SoftmaxBase):
    """Softmax of :math:`-x` along ``dim``.

    Args:
        dim: the dimension along which it is computed (each slice along it sums to 1).
            ``None`` picks one as PyTorch's legacy rule does, with its warning.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.Softmin(dim=1)
        >>> output = m(torch.randn(2, 3))
    """

    function = staticmethod(F.softmin)


class CELU(Module):
    r"""Continuously differentiable ELU: :math:`\max(0, x) + \min(0, \alpha (e^{x/\alpha} - 1))`.

    Args:
        alpha: the :math:`\alpha` of the formula; must not be 0. Default: ``1.0``
        inplace: write the result into the input. Default: ``False``

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.CELU(alpha=0.5)
        >>> output = m(torch.randn(2, 3))
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + _inplace_text(self.inplace, ", ")


class Threshold(Module):
    r"""Keeps :math:`x` where :math:`x > \text{threshold}` and puts ``value`` everywhere else.

    Args:
        threshold: the value to compare against (no default, as in PyTorch).
        value: what replaces every element not above ``threshold``.
        inplace: write the result into the input. Default: ``False``

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.Threshold(0.1, 20.0)
        >>> output = m(torch.randn(2, 3))
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + _inplace_text(self.inplace, ", ")


class RReLU(Module):
    r"""Randomized leaky ReLU: :math:`x` for :math:`x \geq 0`, else :math:`a x`.

    In training :math:`a` is drawn from :math:`U(\text{lower}, \text{upper})` afresh for every
    element on each call; in evaluation it is the fixed :math:`(\text{lower} + \text{upper}) / 2`.

    Args:
        lower: the lower bound of the slope's distribution. Default: ``1/8``
        upper: the upper bound of the slope's distribution. Default: ``1/3``
        inplace: write the result into the input. Default: ``False``

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.RReLU(0.1, 0.3)
        >>> output = m(torch.randn(2, 3))
    """

    def __init__(
        self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False
    ) -> None:
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + _inplace_text(self.inplace, ", ")


class _Shrink(Module):
    function = None

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return type(self).function(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Hardshrink(_Shrink):
    r"""Zeroes the values in :math:`[-\lambda, \lambda]` and keeps the rest unchanged.

    Args:
        lambd: the :math:`\lambda` of the formula. Default: ``0.5``

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.Hardshrink()
        >>> output = m(torch.randn(2, 3))
    """

    function = staticmethod(F.hardshrink)


class Softshrink(_Shrink):
    r"""Shrinks every value towards 0 by :math:`\lambda`: :math:`x - \lambda` above :math:`\lambda`,
    :math:`x + \lambda` below :math:`-\lambda`, and 0 in between.

    Args:
        lambd: the :math:`\lambda` of the formula (at least 0). Default: ``0.5``

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.Softshrink()
        >>> output = m(torch.randn(2, 3))
    """

    function = staticmethod(F.softshrink)


class Tanhshrink(_Plain):
    r""":math:`x - \tanh(x)`, element by element.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.Tanhshrink()
        >>> output = m(torch.randn(2, 3))
    """

    function = staticmethod(F.tanhshrink)


class GLU(Module):
    r"""Gated linear unit: splits the input in halves :math:`a, b` along ``dim`` and returns
    :math:`a \otimes \sigma(b)`.

    Args:
        dim: the dimension that is split; its size must be even. Default: ``-1``

    Shape:
        - Input: :math:`(*_1, N, *_2)`, where :math:`N` is the size along ``dim``.
        - Output: :math:`(*_1, M, *_2)` with :math:`M = N / 2`.

    Example::

        >>> m = nn.GLU()
        >>> output = m(torch.randn(4, 2))
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class PReLU(Module):
    """:math:`x` where :math:`x > 0`, else :math:`a x`, with the slope :math:`a` learnt.

    Args:
        num_parameters: how many slopes to learn: ``1`` (shared by all elements) or the number
            of channels, dimension 1 of the input (a 1-D input counts as one channel).
            Default: ``1``
        init: the initial value of every slope. Default: ``0.25``

    Attributes:
        weight: the slopes, shape ``(num_parameters)``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, the input's shape.

    Example::

        >>> m = nn.PReLU(3)
        >>> output = m(torch.randn(2, 3, 4))
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(_creation.empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn_init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Softmax2d(Module):
    """Softmax over the channels (dim -3) at each position of a (C, H, W) or (N, C, H, W)
    input.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`.
        - Output: the input's shape; each position's channels sum to 1.

    Example::

        >>> m = nn.Softmax2d()
        >>> output = m(torch.randn(2, 3, 12, 13))
    """

    def forward(self, input):
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.ndim}D instead")
        return F.softmax(input, -3)
